"""Reading an output tree as it is on disk: every entry by stat, never following a link."""

from __future__ import annotations

import os
import pathlib
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..model import Blob, Content
from .files import CHUNK, DIR_MODE, FILE_MODE

ROOT = PurePosixPath(".")


@dataclass(frozen=True)
class Tree:
    """What a folder holds now: every non-folder entry and every folder (with its mode)."""

    files: dict[PurePosixPath, os.stat_result]
    dir_modes: dict[PurePosixPath, int]

    @property
    def exists(self) -> bool:
        return bool(self.dir_modes)


def scan_tree(root: pathlib.Path, ignore: Iterable[str] = ()) -> Tree:
    """Every entry under ``root`` without following symlinks; empty when it does not exist.
    Top-level names in ``ignore`` are left out."""
    files: dict[PurePosixPath, os.stat_result] = {}
    dir_modes: dict[PurePosixPath, int] = {}
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return Tree(files, dir_modes)
    if not stat.S_ISDIR(info.st_mode):
        return Tree(files, dir_modes)
    dir_modes[ROOT] = stat.S_IMODE(info.st_mode)
    ignored = set(ignore)
    pending: list[tuple[str, PurePosixPath]] = [(os.fspath(root), ROOT)]
    while pending:
        folder, rel_folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if rel_folder == ROOT and entry.name in ignored:
                    continue
                rel = rel_folder / entry.name
                entry_info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(entry_info.st_mode):
                    dir_modes[rel] = stat.S_IMODE(entry_info.st_mode)
                    pending.append((entry.path, rel))
                else:
                    files[rel] = entry_info
    return Tree(files, dir_modes)


def needed_dirs(entries: Iterable[tuple[PurePosixPath, Content]]) -> set[PurePosixPath]:
    return {parent for rel, _ in entries for parent in rel.parents} | {ROOT}


def dirs_match(old: Tree, entries: list[tuple[PurePosixPath, Content]],
               in_place: bool = False) -> bool:
    """Whether the old folders are exactly the new ones, with the expected mode (a mount
    point keeps the mode it was given: it is never replaced)."""
    wanted = dict.fromkeys(needed_dirs(entries), DIR_MODE)
    if in_place:
        wanted[ROOT] = old.dir_modes.get(ROOT, DIR_MODE)
    return old.dir_modes == wanted


def matches_old_file(out_dir: pathlib.Path, rel: PurePosixPath, content: Content, old: Tree,
                     blob_path: Callable[[Blob], pathlib.Path | None]) -> bool:
    """Whether the old site already has this exact file (bytes and mode), so it can be kept.
    Read and compared: a tree the cache knows nothing about is trusted by nothing else."""
    info = old.files.get(rel)
    if info is None or not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != FILE_MODE:
        return False
    old_path = out_dir.joinpath(*rel.parts)
    if isinstance(content, bytes):
        return info.st_size == len(content) and old_path.read_bytes() == content
    if isinstance(content, Blob):
        path = blob_path(content)
        if path is None:
            return False
        if os.lstat(path).st_ino == info.st_ino:
            return True  # the old file is the (checked) blob itself
        return info.st_size == os.lstat(path).st_size and same_file_bytes(path, old_path)
    source = content.stat()
    return (stat.S_ISREG(source.st_mode) and info.st_size == source.st_size
            and same_file_bytes(content, old_path))


def same_file_bytes(first: pathlib.Path, second: pathlib.Path) -> bool:
    """Compare two files chunk by chunk, so large assets never sit in memory twice."""
    with first.open("rb") as a, second.open("rb") as b:
        while True:
            chunk = a.read(CHUNK)
            if chunk != b.read(CHUNK):
                return False
            if not chunk:
                return True
