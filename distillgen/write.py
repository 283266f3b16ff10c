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

An output folder that is a mount point (a Docker volume, a tmpfs) cannot be renamed at all, so
there the new tree is staged inside the folder and its top-level entries are exchanged one by
one: each entry flips atomically, the folder as a whole does not.

The writer replaces only what it wrote. Every output folder it creates holds a small marker
file, :data:`MARKER`; an existing folder that is neither empty nor marked (``notes/``, another
site, a home folder) is refused, and so is a plan that would copy a file from inside the
output folder. Whatever the operating system refuses (a full disk, a read-only file system,
a name too long) is an :class:`OutputError` that says so in words, never a bare traceback.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import pathlib
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

Content = bytes | pathlib.Path
Plan = Mapping[PurePosixPath, Content]
"""Output-relative path -> the file's bytes, or a source file to copy."""

MARKER = ".distillgen-output"
"""Name of the marker file in every output folder distillgen writes (deployed with the site)."""
MARKER_CONTENT = b"This folder is written by distillgen; each build replaces what is in it.\n"
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


class OutputError(Exception):
    """The output folder cannot be written, or may not be replaced: the author's problem to
    fix (a message and a hint), not a bug. Nothing was changed when it is raised.

    ``code`` is the diagnostic code: ``unsafe-output`` for a refusal, ``write-failed`` for
    what the operating system refused."""

    def __init__(self, message: str, hint: str | None = None, code: str = "unsafe-output"):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


@dataclass(frozen=True)
class _OldTree:
    """What the output folder holds now: every non-directory entry and every directory."""

    files: dict[PurePosixPath, os.stat_result]
    dir_modes: dict[PurePosixPath, int]


def write_output(plan: Plan, out_dir: pathlib.Path, *,
                 site_root: pathlib.Path | None = None) -> WriteStats:
    """Make ``out_dir`` hold exactly ``plan`` (and the marker file), switching from old to
    new in one atomic step where the file system allows it.

    ``site_root``, when given, is a folder the output must never be, nor contain.
    Raises OutputError when the folder may not be replaced or cannot be written (the old
    site is then untouched), ValueError or TypeError for a malformed plan (a bug upstream).
    """
    entries = _validated_entries(plan)
    if any(rel == PurePosixPath(MARKER) for rel, _ in entries):
        raise ValueError(f"plan names {MARKER}, the writer's own marker file")
    try:
        out_dir = _checked_out_dir(out_dir, site_root)
        _check_sources_outside(entries, out_dir)
        return _write(entries, out_dir)
    except OSError as problem:
        raise _os_failure(problem, pathlib.Path(os.path.abspath(out_dir))) from None


def check_output(out_dir: pathlib.Path, site_root: pathlib.Path | None = None) -> None:
    """Raise OutputError now if ``write_output`` would refuse ``out_dir`` (a file, a link, a
    folder distillgen did not write...), so a build stops before doing any work. The writer
    checks again when it writes."""
    try:
        _check_ours(_checked_out_dir(out_dir, site_root))
    except OSError as problem:
        raise _os_failure(problem, pathlib.Path(os.path.abspath(out_dir))) from None


def _write(entries: list[tuple[PurePosixPath, Content]], out_dir: pathlib.Path) -> WriteStats:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _locked_directory(out_dir.parent):
        _recover_leftovers(out_dir)
        _check_ours(out_dir)
        in_place = _is_mount_point(out_dir)
        if in_place:
            _recover_leftovers_inside(out_dir)
        counted = len(entries)
        entries = sorted([*entries, (PurePosixPath(MARKER), MARKER_CONTENT)])
        old = _scan_tree(out_dir, ignore=_inside_names(out_dir) if in_place else ())
        kept = {rel for rel, content in entries if _matches_old_file(out_dir, rel, content, old)}
        kept_counted = len(kept - {PurePosixPath(MARKER)})
        removed = len(old.files.keys() - {rel for rel, _ in entries})
        if len(kept) == len(entries) and not removed and _dirs_match(old, entries, in_place):
            return WriteStats(written=0, unchanged=kept_counted, removed=0)
        if not in_place:
            staging = _build_staging(entries, kept, out_dir, _sibling(out_dir, "staging"))
            try:
                _swap_into_place(staging, out_dir, old_exists=bool(old.dir_modes))
            except _MountPoint:
                in_place = True  # a mount point the checks could not see (a bind mount)
            finally:
                # Holds the old tree after a swap, or the unused new one if the swap failed.
                shutil.rmtree(staging, ignore_errors=True)
        if in_place:
            staging = _build_staging(entries, kept, out_dir, _inside(out_dir, "staging"))
            try:
                _replace_entries(staging, out_dir)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return WriteStats(written=counted - kept_counted, unchanged=kept_counted, removed=removed)


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
    shown = _shown(out_dir)
    if out_dir.parent == out_dir:
        raise OutputError("the output folder is the filesystem root",
                          "build into a folder of its own, such as site/")
    if out_dir.is_symlink():
        raise OutputError(f"the output folder {shown} is a symbolic link; the whole folder "
                          "is replaced on every build, so it must be a real folder",
                          "delete the link, or give the folder it points to as the output")
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise OutputError(f"the output folder {shown} exists and is not a folder",
                          "move that file away, or choose another output folder")
    real_out = pathlib.Path(os.path.realpath(out_dir))
    protected = [pathlib.Path.cwd(), pathlib.Path(os.path.expanduser("~"))]
    if site_root is not None:
        protected.append(pathlib.Path(site_root))
    for folder in protected:
        real = pathlib.Path(os.path.realpath(folder))
        if real == real_out or real_out in real.parents:
            raise OutputError(f"the output folder {shown} is or contains {folder}",
                              "build into a folder of its own, such as site/")
    return out_dir


def _check_sources_outside(entries: list[tuple[PurePosixPath, Content]],
                           out_dir: pathlib.Path) -> None:
    """A file to copy must not come from inside the output folder: the build would replace
    the folder, and publish the last site inside the next one."""
    real_out = pathlib.Path(os.path.realpath(out_dir))
    for rel, content in entries:
        if isinstance(content, pathlib.Path):
            real = pathlib.Path(os.path.realpath(content))
            if real == real_out or real_out in real.parents:
                raise OutputError(f"`{rel}` would be copied from {_shown(content)}, inside "
                                  "the output folder itself",
                                  "keep the files the site publishes outside the output folder")


def _check_ours(out_dir: pathlib.Path) -> None:
    """Refuse to replace a folder that holds something and has no marker: distillgen did not
    write it, so replacing it could destroy someone's files."""
    try:
        with os.scandir(out_dir) as scan:
            empty = next(scan, None) is None
    except FileNotFoundError:
        return
    if empty:
        return
    try:
        marked = stat.S_ISREG(os.lstat(out_dir / MARKER).st_mode)
    except FileNotFoundError:
        marked = False
    if not marked:
        raise OutputError(
            f"the output folder {_shown(out_dir)} already holds files that distillgen did not "
            f"write (it has no {MARKER} file); building would replace them",
            "choose another output folder, or move that folder away (delete it if it is the "
            "output of an older distillgen)")


def _shown(path: pathlib.Path) -> str:
    """A path for a message: relative to the working folder when inside it, and never longer
    than a line (a path beyond PATH_MAX is shown cut in the middle)."""
    text = os.fspath(path)
    with contextlib.suppress(ValueError):
        text = os.path.relpath(path)
        if text.startswith(".."):
            text = os.fspath(path)
    return text if len(text) <= 120 else f"{text[:60]}...{text[-57:]}"


_FAILURES = {
    errno.ENOSPC: ("the disk is full", "free some space and build again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space and build again"),
    errno.EROFS: ("the file system is read-only", "build into a folder on a writable disk"),
    errno.EACCES: ("permission denied", "check who owns the folder and its permissions"),
    errno.EPERM: ("the operation is not permitted",
                  "check the folder's permissions and attributes (lsattr: an immutable folder "
                  "cannot change)"),
    errno.ENAMETOOLONG: ("a file name or path is too long for the file system",
                         "choose a shorter output folder"),
    errno.ELOOP: ("a path has too many symbolic links", "choose another output folder"),
    errno.EMLINK: ("a folder holds too many entries", "choose another output folder"),
}


def _os_failure(problem: OSError, out_dir: pathlib.Path) -> OutputError:
    """The operating system's refusal, in words, for the whole output folder."""
    reason, hint = _FAILURES.get(problem.errno or 0,
                                 (problem.strerror or str(problem), "check the output folder"))
    return OutputError(f"cannot write the site to {_shown(out_dir)}: {reason}", hint,
                       code="write-failed")


# --- reading the old site ------------------------------------------------------------------


def _scan_tree(root: pathlib.Path, ignore: Iterable[str] = ()) -> _OldTree:
    """Every entry under ``root`` without following symlinks; empty when it does not exist.
    Top-level names in ``ignore`` are left out."""
    files: dict[PurePosixPath, os.stat_result] = {}
    dir_modes: dict[PurePosixPath, int] = {}
    if not root.is_dir():
        return _OldTree(files, dir_modes)
    dir_modes[_ROOT] = stat.S_IMODE(root.stat().st_mode)
    ignored = set(ignore)
    pending = [(root, _ROOT)]
    while pending:
        folder, rel_folder = pending.pop()
        with os.scandir(folder) as scan:
            for entry in scan:
                if rel_folder == _ROOT and entry.name in ignored:
                    continue
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
    source = content.stat()
    return (stat.S_ISREG(source.st_mode) and info.st_size == source.st_size
            and _same_file_bytes(content, old_path))


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


def _dirs_match(old: _OldTree, entries: list[tuple[PurePosixPath, Content]],
                in_place: bool = False) -> bool:
    """Whether the old folders are exactly the new ones, with the expected mode (a mount
    point keeps the mode it was given: it is never replaced)."""
    wanted = dict.fromkeys(_needed_dirs(entries), DIR_MODE)
    if in_place:
        wanted[_ROOT] = old.dir_modes.get(_ROOT, DIR_MODE)
    return old.dir_modes == wanted


# --- building the new tree -----------------------------------------------------------------


def _build_staging(entries: list[tuple[PurePosixPath, Content]], kept: set[PurePosixPath],
                   out_dir: pathlib.Path, staging: pathlib.Path) -> pathlib.Path:
    """The complete new site in the hidden folder ``staging`` (beside ``out_dir``, or inside
    it when it is a mount point); removed again on failure."""
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
    the source change the published site in place. Only a regular file is copied: a FIFO
    would block the build forever and a device could fill the disk."""
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError(f"{_shown(source)} is not a regular file (a FIFO, socket or "
                              "device), so it cannot be published", "delete it or move it away",
                              code="write-failed")
        with _new_file(target) as out:
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
    if code in (errno.EBUSY, errno.EXDEV):
        raise _MountPoint()
    raise OSError(code, os.strerror(code), os.fspath(first), None, os.fspath(second))


class _MountPoint(Exception):
    """The output folder cannot be renamed (it is a mount point): write inside it instead."""


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
    try:
        os.rename(out_dir, backup)
    except OSError as problem:
        if problem.errno in (errno.EBUSY, errno.EXDEV):
            raise _MountPoint() from None
        raise
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(backup, out_dir)
        raise
    os.rename(backup, staging)


def _sibling(out_dir: pathlib.Path, kind: str) -> pathlib.Path:
    """A fresh hidden name beside ``out_dir``: ``.site.staging-1f2e...``."""
    return out_dir.with_name(f"{_sibling_prefix(out_dir, kind)}{secrets.token_hex(8)}")


_NAME_ROOM = 200
"""Bytes of the output folder's name that sibling names repeat: a name can be 255 bytes, and
``.<name>.staging-<16 hex>`` adds 25."""


def _sibling_prefix(out_dir: pathlib.Path, kind: str) -> str:
    """``.site.staging-``; a long name is cut and a hash of it added, so the sibling's name
    still fits and still belongs to this output folder alone."""
    name = out_dir.name
    if len(os.fsencode(name)) > _NAME_ROOM:
        import hashlib

        digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:12]
        cut = os.fsencode(name)[:_NAME_ROOM - 13].decode("utf-8", "ignore")
        name = f"{cut}~{digest}"
    return f".{name}.{kind}-"


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
    prefix = _sibling_prefix(out_dir, kind)
    return sorted(path for path in out_dir.parent.iterdir() if path.name.startswith(prefix))


# --- an output folder that is a mount point ------------------------------------------------

_INSIDE_PREFIX = ".distillgen-"


def _inside(out_dir: pathlib.Path, kind: str) -> pathlib.Path:
    """A fresh hidden name inside a mount-point output folder: ``.distillgen-staging-1f2e...``."""
    return out_dir / f"{_INSIDE_PREFIX}{kind}-{secrets.token_hex(8)}"


def _inside_names(out_dir: pathlib.Path) -> list[str]:
    """Names made by :func:`_inside` that are in ``out_dir`` now."""
    return sorted(name for name in os.listdir(out_dir)
                  if name.startswith((f"{_INSIDE_PREFIX}staging-", f"{_INSIDE_PREFIX}old-")))


def _recover_leftovers_inside(out_dir: pathlib.Path) -> None:
    """Delete what a killed in-place write left inside the folder (it is never restored: the
    entries it did not move yet are still the old ones)."""
    for name in _inside_names(out_dir):
        shutil.rmtree(out_dir / name, ignore_errors=True)


def _is_mount_point(path: pathlib.Path) -> bool:
    """Whether ``path`` is a mount point, bind mounts included (``os.path.ismount`` misses a
    bind mount of a folder of the same file system; /proc/self/mountinfo lists it)."""
    if not path.is_dir():
        return False
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", "rb") as table:
            mounted = {_unescape_mount(line.split()[4]) for line in table if line.count(b" ") > 4}
    except OSError:
        return False
    return os.fsencode(os.path.realpath(path)) in mounted


def _unescape_mount(field: bytes) -> bytes:
    """mountinfo writes space, tab, newline and backslash as octal escapes: ``\\040``."""
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), field)


def _replace_entries(staging: pathlib.Path, out_dir: pathlib.Path) -> None:
    """Make the mount point ``out_dir`` hold the tree in ``staging`` (inside it), swapping each
    top-level entry atomically; old entries end up in folders that are then deleted."""
    trash = _inside(out_dir, "old")
    _make_dir(trash)
    try:
        new_names = sorted(os.listdir(staging))
        for name in new_names:
            new, current = staging / name, out_dir / name
            if not os.path.lexists(current):
                os.rename(new, current)
            elif not _exchange_inside(new, current):
                os.rename(current, trash / name)
                os.rename(new, current)
        wanted = set(new_names) | {staging.name, trash.name}
        for name in sorted(os.listdir(out_dir)):
            if name not in wanted:
                os.rename(out_dir / name, trash / name)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _exchange_inside(first: pathlib.Path, second: pathlib.Path) -> bool:
    """:func:`_exchange` for two entries of one folder; False where it cannot be done."""
    try:
        return _exchange(first, second)
    except _MountPoint:
        return False


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
