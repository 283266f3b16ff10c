"""Writing a whole new tree beside the old one (or inside a mount point): the way to write
an output the cache knows nothing about, or one the twin cannot be exchanged with.

Every file is compared with the old site's; an unchanged one is a hard link to the old file,
which keeps its inode and modification time (servers, rsync and browsers see it unchanged).
"""

from __future__ import annotations

import pathlib
import shutil
from collections.abc import Callable
from pathlib import PurePosixPath

# The package's own modules by their full names: ``from . import`` would name the
# package, whose __init__ imports this module.
import distillgen.write.files as files
import distillgen.write.mount as mount
import distillgen.write.scan as scan
import distillgen.write.swap as swap

from ..model import Blob, Content
from .scan import ROOT


def write_staged(entries: list[tuple[PurePosixPath, Content]], out_dir: pathlib.Path,
                 blob_path: Callable[[Blob], pathlib.Path | None]) -> tuple[int, int, int]:
    """(written, unchanged, removed), the marker counted in neither of the first two."""
    in_place = mount.is_mount_point(out_dir)
    if in_place:
        mount.recover_leftovers_inside(out_dir)
    marker = entries[-1][0]
    old = scan.scan_tree(out_dir, ignore=mount.inside_names(out_dir) if in_place else ())
    kept = {rel for rel, content in entries
            if scan.matches_old_file(out_dir, rel, content, old, blob_path)}
    kept_counted = len(kept - {marker})
    counted = len(entries) - 1
    removed = len(old.files.keys() - {rel for rel, _ in entries})
    if len(kept) == len(entries) and not removed and scan.dirs_match(old, entries, in_place):
        return 0, kept_counted, 0
    files.check_blobs((content for rel, content in entries if rel not in kept), blob_path)
    if not in_place:
        staging = build_staging(entries, kept, out_dir, swap.sibling(out_dir, "staging"),
                                blob_path)
        try:
            swap.swap_into_place(staging, out_dir, old_exists=old.exists)
        except swap.MountPoint:
            in_place = True  # a mount point the checks could not see (a bind mount)
        finally:
            # Holds the old tree after a swap, or the unused new one if the swap failed.
            shutil.rmtree(staging, ignore_errors=True)
    if in_place:
        staging = build_staging(entries, kept, out_dir, mount.inside(out_dir, "staging"),
                                blob_path)
        try:
            mount.replace_entries(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return counted - kept_counted, kept_counted, removed


def build_staging(entries: list[tuple[PurePosixPath, Content]], kept: set[PurePosixPath],
                  out_dir: pathlib.Path, staging: pathlib.Path,
                  blob_path: Callable[[Blob], pathlib.Path | None]) -> pathlib.Path:
    """The complete new site in the hidden folder ``staging`` (beside ``out_dir``, or inside
    it when it is a mount point); removed again on failure."""
    files.make_dir(staging)
    try:
        for rel in sorted(scan.needed_dirs(entries) - {ROOT}):
            files.make_dir(staging.joinpath(*rel.parts))
        for rel, content in entries:
            target = staging.joinpath(*rel.parts)
            if rel in kept:
                files.keep_old_file(out_dir.joinpath(*rel.parts), target, content, blob_path)
            else:
                files.put(target, content, blob_path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging
