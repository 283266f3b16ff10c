"""Putting a new tree in place of the old one in one step, and undoing what a killed run
left.

``renameat2(RENAME_EXCHANGE)`` swaps two folders atomically: at every instant the output
folder is the old tree or the new one. Where it is missing (not Linux, old C library, a
filesystem that refuses the exchange) the fallback renames the old tree aside and the new one
into place; between those two renames the output folder is briefly absent, and a run killed
right there leaves the old tree under a ``.<name>.old-*`` name, which the next run puts back
before doing anything else.
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
import sys
from collections.abc import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]


def swap_into_place(staging: pathlib.Path, out_dir: pathlib.Path, *, old_exists: bool) -> None:
    """Make the staging tree the output folder; the old tree, if any, ends up at ``staging``."""
    if not old_exists:
        os.rename(staging, out_dir)
    elif not exchange(staging, out_dir):
        replace_with_gap(staging, out_dir)


def exchange(first: pathlib.Path, second: pathlib.Path) -> bool:
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
        raise MountPoint()
    raise OSError(code, os.strerror(code), os.fspath(first), None, os.fspath(second))


class MountPoint(Exception):
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


def replace_with_gap(staging: pathlib.Path, out_dir: pathlib.Path) -> None:
    """Fallback without an atomic exchange: old aside, new in, old to ``staging``.

    ``out_dir`` is absent between the first two renames; if the process dies there,
    :func:`recover_leftovers` restores the old tree on the next run. The old tree leaves the
    ``.old-`` name before it is deleted, so a half-deleted tree is never restored.
    """
    backup = sibling(out_dir, "old")
    try:
        os.rename(out_dir, backup)
    except OSError as problem:
        if problem.errno in (errno.EBUSY, errno.EXDEV):
            raise MountPoint() from None
        raise
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(backup, out_dir)
        raise
    os.rename(backup, staging)


def sibling(out_dir: pathlib.Path, kind: str) -> pathlib.Path:
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


def recover_leftovers(out_dir: pathlib.Path) -> None:
    """Undo what a killed run left: restore an old tree caught between the fallback's two
    renames, and delete staging folders (half-built new trees or half-deleted old ones)."""
    backups = _siblings(out_dir, "old")
    if backups and not os.path.lexists(out_dir):
        os.rename(backups.pop(), out_dir)
    for leftover in backups + _siblings(out_dir, "staging"):
        shutil.rmtree(leftover, ignore_errors=True)


def _siblings(out_dir: pathlib.Path, kind: str) -> list[pathlib.Path]:
    """Existing names made by :func:`sibling` of this kind, sorted."""
    prefix = _sibling_prefix(out_dir, kind)
    return sorted(path for path in out_dir.parent.iterdir() if path.name.startswith(prefix))


@contextlib.contextmanager
def locked_directory(folder: pathlib.Path) -> Iterator[None]:
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
