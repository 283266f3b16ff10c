"""Write the planned site to disk so that readers only ever see a whole site.

A build that fails, is interrupted or is killed at any moment must leave the output folder
exactly as the last good build left it, or exactly as the new build wants it: never a mix,
never missing. So the new tree is made in a hidden folder on the same file system and then
put in place with one atomic ``renameat2(RENAME_EXCHANGE)`` (:mod:`.swap`). Nothing ever
writes into an existing file, so trees may share files (hard links) safely.

Three ways to make the new tree, by what is known of the old one:

* **the twin** (:mod:`.twin`), when the build cache keeps one: a second tree one
  generation behind, brought up to date by changing only what differs, then exchanged: the
  cost of a build's write is what it changed, not the size of the site;
* **staging** (:mod:`.staging`): a whole new tree beside the old, every unchanged file a hard
  link to the old one after comparing their bytes;
* **in place** (:mod:`.mount`): an output folder that is a mount point cannot be renamed, so
  the new tree is staged inside it and its top-level entries are exchanged one by one.

The writer replaces only what it wrote (:mod:`.rules`). Every output folder it creates holds a
small marker file, :data:`MARKER`; an existing folder that is neither empty nor marked
(``notes/``, another site, a home folder) is refused, and so is a plan that would copy a file
from inside the output folder. Whatever the operating system refuses (a full disk, a
read-only file system, a name too long) is an :class:`OutputError` that says so in words,
never a bare traceback.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..model import Blob, Content
from . import mount, swap
from .files import MissingBlob, file_sha
from .rules import (
    MARKER,
    MARKER_CONTENT,
    OutputError,
    check_ours,
    check_sources_outside,
    checked_out_dir,
    os_failure,
    validated_entries,
)
from .staging import write_staged
from .twin import Trees, write_twin

__all__ = ["MARKER", "MARKER_CONTENT", "MissingBlob", "OutputError", "WriteStats",
           "check_output", "write_output"]

Plan = Mapping[PurePosixPath, Content]


@dataclass(frozen=True)
class WriteStats:
    """What a write did, for the build summary."""

    written: int
    """Files whose bytes are new or changed."""
    unchanged: int
    """Files kept as they were (same inode) because their bytes are identical."""
    removed: int
    """Files of the old site that the new site no longer has."""


def write_output(plan: Plan, out_dir: pathlib.Path, *, site_root: pathlib.Path | None = None,
                 trees: Trees | None = None,
                 blob_path: Callable[[Blob], pathlib.Path | None] | None = None,
                 source_sha: Callable[[pathlib.Path], str] | None = None) -> WriteStats:
    """Make ``out_dir`` hold exactly ``plan`` (and the marker file), switching from old to
    new in one atomic step where the file system allows it.

    ``site_root``, when given, is a folder the output must never be, nor contain. With
    ``trees`` (the cache's twin of this output), only what changed is written;
    ``blob_path`` gives a blob's file once its bytes are checked (None: it is damaged or
    gone, and :class:`MissingBlob` is raised); ``source_sha`` the SHA-256 of a file to copy.
    Raises OutputError when the folder may not be replaced or cannot be written (the old
    site is then untouched), ValueError or TypeError for a malformed plan (a bug upstream).
    """
    entries = validated_entries(plan)
    try:
        out_dir = checked_out_dir(out_dir, site_root)
        check_sources_outside(entries, out_dir)
        return _write(entries, out_dir, trees, blob_path or _blob_path, source_sha or _sha)
    except OSError as problem:
        raise os_failure(problem, pathlib.Path(os.path.abspath(out_dir))) from None


def check_output(out_dir: pathlib.Path, site_root: pathlib.Path | None = None) -> None:
    """Raise OutputError now if ``write_output`` would refuse ``out_dir`` (a file, a link, a
    folder distillgen did not write...), so a build stops before doing any work. The writer
    checks again when it writes."""
    try:
        check_ours(checked_out_dir(out_dir, site_root))
    except OSError as problem:
        raise os_failure(problem, pathlib.Path(os.path.abspath(out_dir))) from None


def _write(entries: list[tuple[PurePosixPath, Content]], out_dir: pathlib.Path,
           trees: Trees | None, blob_path: Callable[[Blob], pathlib.Path | None],
           source_sha: Callable[[pathlib.Path], str]) -> WriteStats:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    entries = [*entries, (PurePosixPath(MARKER), MARKER_CONTENT)]
    with swap.locked_directory(out_dir.parent):
        swap.recover_leftovers(out_dir)
        check_ours(out_dir)
        if trees is not None and not mount.is_mount_point(out_dir):
            def content_sha(content: Content) -> str:
                if isinstance(content, bytes):
                    return hashlib.sha256(content).hexdigest()
                if isinstance(content, Blob):
                    return content.name
                return source_sha(content)

            try:
                written, unchanged, removed = write_twin(entries, out_dir, trees, content_sha,
                                                         blob_path, uncounted=MARKER)
            except swap.MountPoint:
                pass  # a mount point the checks could not see (a bind mount): in place
            else:
                return WriteStats(written, unchanged, removed)
        written, unchanged, removed = write_staged(entries, out_dir, blob_path)
    return WriteStats(written, unchanged, removed)


def _blob_path(blob: Blob) -> pathlib.Path | None:
    """A blob's file, its bytes checked against its name (without a cache at hand)."""
    try:
        data = blob.path.read_bytes()
    except OSError:
        return None
    return blob.path if hashlib.sha256(data).hexdigest() == blob.name else None


def _sha(path: pathlib.Path) -> str:
    """The SHA-256 of a file to copy (refused, without blocking, if it is not a plain file)."""
    return file_sha(path)
