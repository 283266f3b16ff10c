"""Write the planned site to disk so that readers only ever see a whole site.

A build that fails, is interrupted or is killed at any moment must leave the output folder
exactly as the last good build left it, or exactly as the new build wants it: never a mix,
never missing. So the new tree is built in a hidden staging folder beside the output folder
(same parent, hence same filesystem) and then swapped in with one atomic
``renameat2(RENAME_EXCHANGE)``. Files whose bytes did not change are hard links to the old
files, which keeps their inode and mtime (servers, rsync and browsers see them as unchanged)
and makes a no-op rebuild cheap. Nothing ever writes into an existing file, so sharing inodes
with the old tree is safe: the old tree is only ever deleted.

Where ``renameat2`` is missing (not Linux, old C library, a filesystem that refuses the
exchange) the fallback renames the old tree aside and the new one into place. Between those two
renames the output folder is briefly absent; a run killed right there leaves the old tree under
a ``.<name>.old-*`` name, and the next run puts it back before doing anything else.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import pathlib
import secrets
import shutil
import stat
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

Content = bytes | pathlib.Path
Plan = Mapping[PurePosixPath, Content]
"""Output-relative path -> the file's bytes, or a source file to copy."""

FILE_MODE = 0o644
DIR_MODE = 0o755
_CHUNK = 1 << 20
_ROOT = PurePosixPath(".")


@dataclass(frozen=True)
class WriteStats:
    """What a write did, for the build summary."""

    written: int
    """Files whose bytes are new or changed."""
    unchanged: int
    """Files kept as they were (same inode) because their bytes are identical."""
    removed: int
    """Files of the old site that the new site no longer has."""


@dataclass(frozen=True)
class _OldTree:
    """What the output folder holds now: every non-directory entry and every directory."""

    files: dict[PurePosixPath, os.stat_result]
    dir_modes: dict[PurePosixPath, int]


def write_output(plan: Plan, out_dir: pathlib.Path, *,
                 site_root: pathlib.Path | None = None) -> WriteStats:
    """Make ``out_dir`` hold exactly ``plan``, switching from old to new in one atomic step.

    ``site_root``, when given, is a folder the output must never be, nor contain.
    Raises ValueError for a malformed plan or an unsafe ``out_dir``: both are bugs upstream.
    """
    entries = _validated_entries(plan)
    out_dir = _checked_out_dir(out_dir, site_root)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _locked_directory(out_dir.parent):
        _recover_leftovers(out_dir)
        old = _scan_tree(out_dir)
        kept = {rel for rel, content in entries if _matches_old_file(out_dir, rel, content, old)}
        removed = len(old.files.keys() - {rel for rel, _ in entries})
        if len(kept) == len(entries) and not removed and _dirs_match(old, entries):
            return WriteStats(written=0, unchanged=len(kept), removed=0)
        staging = _build_staging(entries, kept, out_dir)
        try:
            _swap_into_place(staging, out_dir, old_exists=bool(old.dir_modes))
        finally:
            # Holds the old tree after a swap, or the unused new one if the swap failed.
            shutil.rmtree(staging, ignore_errors=True)
    return WriteStats(written=len(entries) - len(kept), unchanged=len(kept), removed=removed)


# --- checking the inputs -------------------------------------------------------------------


def _validated_entries(plan: Plan) -> list[tuple[PurePosixPath, Content]]:
    """The plan as sorted (path, content) pairs, refusing paths that could escape the output."""
    entries = []
    for key, content in plan.items():
        rel = _validated_path(key)
        if not isinstance(content, (bytes, pathlib.Path)):
            raise TypeError(f"plan entry {rel}: content must be bytes or a Path, "
                            f"not {type(content).__name__}")
        entries.append((rel, content))
    entries.sort(key=lambda entry: entry[0])
    files = {rel for rel, _ in entries}
    if len(files) != len(entries):
        raise ValueError("plan names the same output path twice")
    for rel in files:
        clash = next((parent for parent in rel.parents if parent in files), None)
        if clash is not None:
            raise ValueError(f"plan entry {rel} needs {clash} to be a folder, but it is a file")
    return entries


def _validated_path(key: PurePosixPath | str) -> PurePosixPath:
    """A relative, normalised path inside the output, or ValueError."""
    rel = PurePosixPath(key)
    if isinstance(key, str) and str(rel) != key:
        raise ValueError(f"plan path {key!r} is not normalised (it reads as {str(rel)!r})")
    if rel.is_absolute():
        raise ValueError(f"plan path {key!r} is absolute")
    if not rel.parts:
        raise ValueError("plan path is empty")
    if ".." in rel.parts:
        raise ValueError(f"plan path {key!r} climbs out of the output folder")
    if any("\0" in part for part in rel.parts):
        raise ValueError(f"plan path {key!r} contains a NUL character")
    return rel


def _checked_out_dir(out_dir: pathlib.Path, site_root: pathlib.Path | None) -> pathlib.Path:
    """The output folder as an absolute path, refused when replacing it would destroy more
    than a generated site: a file, a symlink, the filesystem root, or a folder holding the
    site root, the working directory or the home directory."""
    out_dir = pathlib.Path(os.path.abspath(out_dir))
    if out_dir.parent == out_dir:
        raise ValueError(f"output folder {out_dir} is the filesystem root")
    if out_dir.is_symlink():
        raise ValueError(f"output folder {out_dir} is a symbolic link; the whole folder is "
                         "replaced on every build, so it must be a real folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"output folder {out_dir} exists and is not a folder")
    real_out = pathlib.Path(os.path.realpath(out_dir))
    protected = [pathlib.Path.cwd(), pathlib.Path(os.path.expanduser("~"))]
    if site_root is not None:
        protected.append(pathlib.Path(site_root))
    for folder in protected:
        real = pathlib.Path(os.path.realpath(folder))
        if real == real_out or real_out in real.parents:
            raise ValueError(f"output folder {out_dir} is or contains {folder}")
    return out_dir


# --- reading the old site ------------------------------------------------------------------


def _scan_tree(root: pathlib.Path) -> _OldTree:
    """Every entry under ``root`` without following symlinks; empty when it does not exist."""
    files: dict[PurePosixPath, os.stat_result] = {}
    dir_modes: dict[PurePosixPath, int] = {}
    if not root.is_dir():
        return _OldTree(files, dir_modes)
    dir_modes[_ROOT] = stat.S_IMODE(root.stat().st_mode)
    pending = [(root, _ROOT)]
    while pending:
        folder, rel_folder = pending.pop()
        with os.scandir(folder) as scan:
            for entry in scan:
                rel = rel_folder / entry.name
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    dir_modes[rel] = stat.S_IMODE(info.st_mode)
                    pending.append((pathlib.Path(entry.path), rel))
                else:
                    files[rel] = info
    return _OldTree(files, dir_modes)


def _matches_old_file(out_dir: pathlib.Path, rel: PurePosixPath, content: Content,
                      old: _OldTree) -> bool:
    """Whether the old site already has this exact file (bytes and mode), so it can be kept."""
    info = old.files.get(rel)
    if info is None or not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != FILE_MODE:
        return False
    old_path = out_dir.joinpath(*rel.parts)
    if isinstance(content, bytes):
        return info.st_size == len(content) and old_path.read_bytes() == content
    return info.st_size == content.stat().st_size and _same_file_bytes(content, old_path)


def _same_file_bytes(first: pathlib.Path, second: pathlib.Path) -> bool:
    """Compare two files chunk by chunk, so large assets never sit in memory twice."""
    with first.open("rb") as a, second.open("rb") as b:
        while True:
            chunk = a.read(_CHUNK)
            if chunk != b.read(_CHUNK):
                return False
            if not chunk:
                return True


def _needed_dirs(entries: list[tuple[PurePosixPath, Content]]) -> set[PurePosixPath]:
    return {parent for rel, _ in entries for parent in rel.parents} | {_ROOT}


def _dirs_match(old: _OldTree, entries: list[tuple[PurePosixPath, Content]]) -> bool:
    """Whether the old folders are exactly the new ones, with the expected mode."""
    return old.dir_modes == dict.fromkeys(_needed_dirs(entries), DIR_MODE)


# --- building the new tree -----------------------------------------------------------------


def _build_staging(entries: list[tuple[PurePosixPath, Content]], kept: set[PurePosixPath],
                   out_dir: pathlib.Path) -> pathlib.Path:
    """The complete new site in a hidden folder beside ``out_dir``; removed again on failure."""
    staging = _sibling(out_dir, "staging")
    _make_dir(staging)
    try:
        for rel in sorted(_needed_dirs(entries) - {_ROOT}):
            _make_dir(staging.joinpath(*rel.parts))
        for rel, content in entries:
            target = staging.joinpath(*rel.parts)
            if rel in kept:
                _keep_old_file(out_dir.joinpath(*rel.parts), target, content)
            elif isinstance(content, bytes):
                _write_bytes(target, content)
            else:
                _copy_file(content, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _make_dir(path: pathlib.Path) -> None:
    os.mkdir(path, DIR_MODE)
    os.chmod(path, DIR_MODE)  # mkdir honours the umask; the output must not


def _keep_old_file(old_path: pathlib.Path, target: pathlib.Path, content: Content) -> None:
    """Hard-link the unchanged old file; where links are refused, copy it with its mtime."""
    try:
        os.link(old_path, target, follow_symlinks=False)
    except OSError:
        old_mtime = old_path.stat().st_mtime_ns
        if isinstance(content, bytes):
            _write_bytes(target, content)
        else:
            _copy_file(content, target)
        os.utime(target, ns=(old_mtime, old_mtime))


def _write_bytes(target: pathlib.Path, content: bytes) -> None:
    """Create a new file (never an existing one) holding ``content``."""
    with _new_file(target) as out:
        out.write(content)


def _copy_file(source: pathlib.Path, target: pathlib.Path) -> None:
    """Copy a source file's bytes into a new file; a hard link to it would let later edits of
    the source change the published site in place."""
    with source.open("rb") as src, _new_file(target) as out:
        shutil.copyfileobj(src, out, _CHUNK)


@contextlib.contextmanager
def _new_file(target: pathlib.Path) -> Iterator:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask must not change the output
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "wb") as out:
        yield out


# --- putting it in place -------------------------------------------------------------------


def _swap_into_place(staging: pathlib.Path, out_dir: pathlib.Path, *, old_exists: bool) -> None:
    """Make the staging tree the output folder; the old tree, if any, ends up at ``staging``."""
    if not old_exists:
        os.rename(staging, out_dir)
    elif not _exchange(staging, out_dir):
        _replace_with_gap(staging, out_dir)


def _exchange(first: pathlib.Path, second: pathlib.Path) -> bool:
    """Swap two paths atomically; False where the system or filesystem cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                       _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(first), None, os.fspath(second))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@functools.cache
def _renameat2():
    """libc's ``renameat2``, or None where there is none (not Linux, glibc before 2.28)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _replace_with_gap(staging: pathlib.Path, out_dir: pathlib.Path) -> None:
    """Fallback without an atomic exchange: old aside, new in, old to ``staging``.

    ``out_dir`` is absent between the first two renames; if the process dies there,
    :func:`_recover_leftovers` restores the old tree on the next run. The old tree leaves the
    ``.old-`` name before it is deleted, so a half-deleted tree is never restored.
    """
    backup = _sibling(out_dir, "old")
    os.rename(out_dir, backup)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(backup, out_dir)
        raise
    os.rename(backup, staging)


def _sibling(out_dir: pathlib.Path, kind: str) -> pathlib.Path:
    """A fresh hidden name beside ``out_dir``: ``.site.staging-1f2e...``."""
    return out_dir.with_name(f".{out_dir.name}.{kind}-{secrets.token_hex(8)}")


def _recover_leftovers(out_dir: pathlib.Path) -> None:
    """Undo what a killed run left: restore an old tree caught between the fallback's two
    renames, and delete staging folders (half-built new trees or half-deleted old ones)."""
    backups = _siblings(out_dir, "old")
    if backups and not os.path.lexists(out_dir):
        os.rename(backups.pop(), out_dir)
    for leftover in backups + _siblings(out_dir, "staging"):
        shutil.rmtree(leftover, ignore_errors=True)


def _siblings(out_dir: pathlib.Path, kind: str) -> list[pathlib.Path]:
    """Existing names made by :func:`_sibling` of this kind, sorted."""
    prefix = f".{out_dir.name}.{kind}-"
    return sorted(path for path in out_dir.parent.iterdir() if path.name.startswith(prefix))


@contextlib.contextmanager
def _locked_directory(folder: pathlib.Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` so two builds never share leftovers; the kernel
    drops it when the process dies, so a killed build never blocks the next one."""
    if fcntl is None:  # pragma: no cover - not a POSIX system
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
