"""The no-change fast path: when no input file and no output file changed since the last
successful build, there is nothing to do.

Inputs are every file under the site root (the output and cache folders and hidden folders
aside) and the theme shipped in the package, each by path, size and modification time, plus
distillgen's code version and the build options. Outputs are every file in the output folder
by path, size, modification time and inode, so a hand-edited or deleted output file is noticed
too. This is how make decides; an edit that keeps a file's size and its nanosecond mtime goes
unseen, and deleting ``.distillgen-cache/`` forces a full build.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .assets import walk_tree
from .cache import Cache, digest

MANIFEST_KEY = "0" * 16


def _stat_tree(root: Path, skip: set[Path], with_inode: bool) -> list[bytes]:
    """One row per file; bytes, because a file name need not be valid UTF-8."""
    rows: list[bytes] = []
    root = root.absolute()
    if not root.is_dir():
        return rows
    for path in walk_tree(root, skip):
        try:
            info = path.lstat()
        except OSError:
            continue
        row = f"{path.relative_to(root).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}"
        if with_inode:
            row += f"\0{info.st_ino}"
        rows.append(os.fsencode(row))
    return rows


def inputs_digest(root: Path, out_dir: Path, cache_dir: Path, options: Any) -> str:
    """Everything a build reads, as sizes and times, with the code version and options."""
    from .fingerprint import code_version
    from .templates import THEME_DIR

    skip = {out_dir.absolute(), cache_dir.absolute()}
    rows = _stat_tree(root.absolute(), skip, with_inode=False)
    rows += _stat_tree(THEME_DIR, set(), with_inode=False)
    return digest(code_version(), repr(options), *rows)


def outputs_digest(out_dir: Path) -> str:
    """The output folder as it is on disk now."""
    return digest(*_stat_tree(out_dir, set(), with_inode=True))


def unchanged(cache_dir: Path, inputs: str, out_dir: Path) -> dict | None:
    """The summary of the last build if neither its inputs nor its output changed since."""
    record = Cache(cache_dir, "manifest").get(MANIFEST_KEY)
    if not (isinstance(record, dict) and record.get("inputs") == inputs):
        return None
    if record.get("outputs") != outputs_digest(out_dir):
        return None
    return record.get("summary")


def remember(cache_dir: Path, inputs: str, out_dir: Path, summary: dict) -> None:
    """Record a successful build, after its output is in place."""
    Cache(cache_dir, "manifest").put(MANIFEST_KEY, {"inputs": inputs,
                                                    "outputs": outputs_digest(out_dir),
                                                    "summary": summary})


def forget(cache_dir: Path) -> None:
    """Drop the record (before a build that may fail or change the output)."""
    Cache(cache_dir, "manifest").prune(set())
