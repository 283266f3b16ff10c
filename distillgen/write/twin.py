"""Writing through a twin: the work of a build is what changed, not the size of the site.

The output folder has a twin, a second real tree one generation behind (kept by
:class:`~distillgen.cache.trees.OutputTrees`). A build brings the twin to the new site by
changing only the files that differ from it, then exchanges the two folders with one
``renameat2``: the output is the old tree or the new one at every instant, and the old one
becomes the twin for the next build. A file that did not change since the last build is
linked from the output, so it keeps its inode and modification time.

Which files differ is known without reading them: each tree's files are recorded with their
SHA-256 and their stat signature as written; a file whose signature still matches holds the
recorded bytes (as ``make`` decides). While the twin is changed it is named ``<id>.writing``:
one left by a killed build is dirty, and its files are read and checked in full once. A tree
the records do not know (written without a cache) is read and checked in full once too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

# The package's own modules by their full names: ``from . import`` would name the
# package, whose __init__ imports this module.
import distillgen.write.files as files

from ..model import Blob, Content
from .files import DIR_MODE, FILE_MODE
from .swap import exchange, replace_with_gap

FileRecord = tuple[str, int, int, int, int]
TreeRecord = dict[str, FileRecord]


class Trees(Protocol):
    """Where the twin is and what the trees held (see :mod:`distillgen.cache.trees`)."""

    twin: Path

    def prepare(self) -> None: ...
    def load(self) -> dict[tuple[int, int], TreeRecord]: ...
    def save(self, trees: dict[tuple[int, int], TreeRecord]) -> None: ...


@dataclass(frozen=True)
class Scan:
    """A tree by stat: files (path -> stat) and folders (path -> mode), paths as text."""

    files: dict[str, os.stat_result]
    dirs: dict[str, int]


def scan(root: Path) -> Scan | None:
    """Every entry under ``root`` (links not followed); None when it is not a folder."""
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    found: dict[str, os.stat_result] = {}
    dirs = {"": stat.S_IMODE(info.st_mode)}
    pending = [(os.fspath(root), "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                entry_info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(entry_info.st_mode):
                    dirs[rel] = stat.S_IMODE(entry_info.st_mode)
                    pending.append((entry.path, rel + "/"))
                else:
                    found[rel] = entry_info
    return Scan(found, dirs)


def _signature(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_mode)


def known(tree: Scan, record: TreeRecord | None, root: Path) -> dict[str, str]:
    """Path -> SHA-256 of every file of ``tree`` that holds what is recorded of it (a plain
    file of the published mode whose signature is unchanged). Without a record every plain
    file is read and hashed: a tree the records do not describe is trusted by its bytes."""
    result = {}
    for rel, info in tree.files.items():
        if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != FILE_MODE:
            continue
        if record is None:
            result[rel] = _file_sha(root / rel)
        else:
            recorded = record.get(rel)
            if recorded is not None and recorded[1:] == _signature(info):
                result[rel] = recorded[0]
    return result


def _file_sha(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(files.CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _tree_id(path: Path) -> tuple[int, int]:
    info = os.lstat(path)
    return info.st_dev, info.st_ino


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def write_twin(entries: list[tuple[PurePosixPath, Content]], out_dir: Path, trees: Trees,
               content_sha: Callable[[Content], str], blob_path: Callable[[Blob], Path | None],
               uncounted: str) -> tuple[int, int, int]:
    """Make ``out_dir`` hold exactly ``entries`` through its twin; (files written, files
    unchanged, files removed), the file ``uncounted`` (the marker) counted in neither of the
    first two.

    Raises :class:`~distillgen.write.swap.MountPoint` (nothing changed in ``out_dir``) when
    the exchange is refused because the output is a mount point the checks missed."""
    plan = [(str(rel), content, content_sha(content)) for rel, content in entries]
    wanted = {rel for rel, _, _ in plan}
    wanted_dirs = {""} | {parent for rel in wanted for parent in _parents(rel)}
    records = trees.load()
    live = scan(out_dir)
    live_id = _tree_id(out_dir) if live is not None else None
    live_known = known(live, records.get(live_id), out_dir) \
        if live is not None and live_id is not None else {}
    changed = {rel for rel, _, sha in plan if live_known.get(rel) != sha}
    removed = len(live.files.keys() - wanted) if live is not None else 0
    counted = len(plan) - (uncounted in wanted)
    written = len(changed - {uncounted})
    if live is not None and not changed and not removed and \
            live.dirs == dict.fromkeys(wanted_dirs, DIR_MODE):
        return 0, counted, 0

    twin, twin_known, clean = _open_twin(trees, records)
    files.check_blobs((content for rel, content, sha in plan  # before anything changes
                       if live_known.get(rel) != sha and twin_known.get(rel) != sha), blob_path)
    writing = clean.with_name(clean.name + ".writing")
    os.rename(clean, writing)  # from here on, a killed build leaves it dirty
    _apply(plan, wanted, wanted_dirs, twin, twin_known, writing, out_dir, live, live_known,
           blob_path)
    new_record = _record(plan, writing, live, live_known, twin, twin_known)
    kept = {live_id: {rel: (sha, *_signature(live.files[rel])) for rel, sha in live_known.items()}
            } if live is not None and live_id is not None else {}
    trees.save({_tree_id(writing): new_record, **kept})
    if live is None:
        os.rename(writing, out_dir)
    else:
        try:
            if not exchange(writing, out_dir):
                replace_with_gap(writing, out_dir)
        except BaseException:
            os.rename(writing, trees.twin)  # whole and recorded: a twin as good as any
            raise
        os.rename(writing, trees.twin)
    return written, counted - written, removed


def _open_twin(trees: Trees, records: dict[tuple[int, int], TreeRecord]
               ) -> tuple[Scan, dict[str, str], Path]:
    """The twin as it is, what of it can be trusted, and where it is."""
    trees.prepare()
    clean, writing = trees.twin, trees.twin.with_name(trees.twin.name + ".writing")
    dirty = False
    if os.path.lexists(writing):
        if os.path.lexists(clean):
            files.remove(writing)
        else:
            os.rename(writing, clean)
            dirty = True
    twin = scan(clean)
    if twin is None:
        files.remove(clean)
        files.make_dir(clean)
        twin = Scan({}, {"": DIR_MODE})
    twin_known = known(twin, records.get(_tree_id(clean)), clean)
    if dirty:  # a build died changing it: trust no file until its bytes are checked
        twin_known = {rel: sha for rel, sha in twin_known.items()
                      if _file_sha(clean / rel) == sha}
    return twin, twin_known, clean


def _apply(plan: list[tuple[str, Content, str]], wanted: set[str], wanted_dirs: set[str],
           twin: Scan, twin_known: dict[str, str], writing: Path, out_dir: Path,
           live: Scan | None, live_known: dict[str, str],
           blob_path: Callable[[Blob], Path | None]) -> None:
    """Change the twin (named ``writing``) into the new tree."""
    for rel in sorted(twin.files.keys() - wanted):
        os.unlink(writing / rel)
    for rel in sorted(twin.dirs.keys() - wanted_dirs):
        if rel.rpartition("/")[0] in wanted_dirs:  # the topmost folder no longer needed
            shutil.rmtree(writing / rel)
    for rel in sorted(wanted_dirs):  # parents first
        mode = twin.dirs.get(rel)
        if mode is None:
            files.make_dir(writing / rel)
        elif mode != DIR_MODE:
            os.chmod(writing / rel, DIR_MODE)
    live_files = live.files if live is not None else {}
    for rel, content, sha in plan:
        present = twin.files.get(rel)
        in_twin = twin_known.get(rel) == sha
        if live_known.get(rel) == sha:
            if present is not None and in_twin and present.st_ino == live_files[rel].st_ino:
                continue  # the same file in both trees: nothing to do (most of them)
            target = writing / rel
            if present is not None:
                os.unlink(target)
            os.link(out_dir / rel, target, follow_symlinks=False)
        elif in_twin:
            continue
        else:
            target = writing / rel
            if present is not None:
                os.unlink(target)
            files.put(target, content, blob_path)


def _record(plan: list[tuple[str, Content, str]], writing: Path, live: Scan | None,
            live_known: dict[str, str], twin: Scan, twin_known: dict[str, str]) -> TreeRecord:
    """What the new tree holds, for the next build: files linked from the output or kept
    from the twin have the signature seen in the scan; the others are read from disk."""
    record: TreeRecord = {}
    for rel, _, sha in plan:
        if live is not None and live_known.get(rel) == sha:
            info = live.files[rel]
        elif twin_known.get(rel) == sha:
            info = twin.files[rel]
        else:
            info = os.lstat(writing / rel)
        record[rel] = (sha, *_signature(info))
    return record
