"""The output's twin and what each output tree holds.

The writer keeps a second copy of the output, the twin, one generation behind, in
``twins/<id>`` (``<id>`` names the output folder: several outputs have a twin each). A build
brings the twin up to date, changing only the files that differ (what the last build changed
and what this one changes), then exchanges it with the output in one step. To know which
files differ without reading them, it records, for each of the two trees (by the folder's
device and inode, which the exchange keeps), every file's SHA-256 with the stat signature it
had when it was written: a file whose signature is still the same holds the same bytes.

The twin sits inside the cache so that it needs no ignore rule of its own (the cache is
ignored by git and backup tools); it is used only when the cache shares the output's file
system, which an exchange needs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .store import Cache, digest

NAMESPACE = "trees"
TWINS = "twins"

FileRecord = tuple[str, int, int, int, int]
"""SHA-256, inode, size, modification time (ns), mode."""
TreeRecord = dict[str, FileRecord]
"""Output-relative path -> its file."""


class OutputTrees:
    """The twin of one output folder and the records of its two trees."""

    def __init__(self, cache_dir: Path, out_dir: Path):
        self.cache_dir = Path(cache_dir)
        self.name = digest(os.path.abspath(out_dir))[:16]
        self.twin = self.cache_dir / TWINS / self.name
        self._cache = Cache(cache_dir, NAMESPACE)

    def usable_for(self, out_dir: Path) -> bool:
        """Whether the twin can be exchanged with ``out_dir``: the cache is a real folder on
        the mount of the output's parent."""
        from ..write.mount import same_mount

        try:
            if not stat.S_ISDIR(os.lstat(self.cache_dir).st_mode):
                return False
        except OSError:
            return False
        return out_dir.parent.is_dir() and same_mount(self.cache_dir, out_dir.parent)

    def prepare(self) -> None:
        """The ``twins`` folder; whatever else is planted where it goes (a file, a link) is
        removed, never followed: everything in the cache is the cache's own."""
        self._cache._mark_cache_directory()
        folder = self.cache_dir / TWINS
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            os.mkdir(folder, 0o755)
            return
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(folder)
            os.mkdir(folder, 0o755)

    def load(self) -> dict[tuple[int, int], TreeRecord]:
        value = self._cache.get(self.name)
        return value if isinstance(value, dict) else {}

    def save(self, trees: dict[tuple[int, int], TreeRecord]) -> None:
        self._cache.put(self.name, trees)
