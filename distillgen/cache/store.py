"""Checked entries on disk: the storage every kind of cache entry is made of.

Each entry is one file, ``<directory>/<namespace>/<key[:2]>/<key>``, holding a header (magic,
format version, namespace, SHA-256 of the key and the payload) and then the pickled value. The
checksum covers the key, so an entry copied or renamed under another key is a miss, never
another post's page. A writer fills
a temporary file in the same folder and renames it over the entry, so an entry is either
absent or complete; the checksum catches what the rename cannot (a torn write after a power
loss, a disk error, a file edited by hand), and every such entry reads as a miss. No fsync:
the checksum makes a lost write a cache miss, never a wrong answer, and a miss only costs a
re-render.

The values are pickles, so the cache is trusted like the rest of the site folder (its
templates run code too); the folder is git-ignored so it is never shared by accident.

A cache that cannot be written (not a folder, read-only, a full disk) raises
:class:`CacheUnwritable`, on which the build starts again without a cache; something planted
inside the cache folder where an entry or a shard goes is removed, since every name in there
is the cache's own. A read-only cache (``distillgen check``) reads entries and writes nothing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import pathlib
import pickle
import re
import shutil
import stat
import struct
from typing import Any

from ..files import write_atomically

MAGIC = b"DGCACHE\0"
FORMAT_VERSION = 2
_HEADER = struct.Struct(">8sHH")
"""Magic, format version, length of the namespace that follows."""
_DIGEST_SIZE = hashlib.sha256().digest_size
_KEY = re.compile(r"[0-9a-f]{16,64}")
_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_PICKLE_PROTOCOL = 5

CACHEDIR_TAG = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by distillgen.\n"
    b"# It tells backup tools to skip this folder; it only holds rebuildable data.\n"
)
GITIGNORE = b"*\n"


def digest(*parts: bytes | str) -> str:
    """A hex SHA-256 over ``parts``, each length-prefixed so that ("ab", "c") and ("a", "bc")
    give different keys."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else bytes(part)
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


class CacheUnwritable(Exception):
    """The cache folder cannot be written; the message says why, for a warning."""


def usable(directory: pathlib.Path) -> str | None:
    """Why the cache folder cannot be used (it is a file, read-only, the disk is full), or
    None when a test entry could be written there."""
    probe = Cache(directory, "probe")
    try:
        probe.put("0" * 16, None)
    except CacheUnwritable as problem:
        return str(problem)
    return None


def _unwritable(problem: OSError, directory: pathlib.Path) -> CacheUnwritable:
    reasons = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
               errno.EROFS: "it is on a read-only file system",
               errno.EACCES: "permission denied", errno.EPERM: "the operation is not permitted",
               errno.ENOTDIR: "it is not a folder", errno.EEXIST: "it is not a folder",
               errno.ELOOP: "it is a symbolic link (the cache is never written through one)"}
    reason = reasons.get(problem.errno or 0, problem.strerror or str(problem))
    return CacheUnwritable(f"cannot write the cache {directory.name}/: {reason}")


class Cache:
    """Pickled values by key under one namespace; a namespace isolates one kind of value
    (and its format) from another sharing the same cache folder. A ``read_only`` cache
    answers from what is on disk and keeps new values in memory only."""

    def __init__(self, directory: pathlib.Path, namespace: str, *, memo: bool = False,
                 read_only: bool = False):
        if not _NAMESPACE.fullmatch(namespace):
            raise ValueError(f"bad cache namespace {namespace!r}")
        self.directory = pathlib.Path(directory)
        self.namespace = namespace
        self.read_only = read_only
        self._memo = _MEMO.setdefault((str(self.directory.absolute()), namespace), {}) \
            if memo else None
        self._folder = self.directory / namespace
        self._header = (_HEADER.pack(MAGIC, FORMAT_VERSION, len(namespace.encode()))
                        + namespace.encode())
        self._marked = False

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None when absent or unreadable in any way; a
        damaged entry is deleted so it is rebuilt."""
        path = self._entry_path(key)
        if self._memo is not None and key in self._memo:
            return self._memo[key]
        if not self._own_folders():
            return None
        try:
            data = _read_regular_file(path)
        except FileNotFoundError:
            return None
        except OSError:
            _remove_quietly(path)
            return None
        value = _unpickled(self._payload(data, key))
        if value is _MISS:
            _remove_quietly(path)
            return None
        self._remember(key, value)
        return value

    def _remember(self, key: str, value: Any) -> None:
        if self._memo is not None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = value

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``; readers see the old entry or the new one, whole.
        Raises CacheUnwritable when the cache folder cannot be written."""
        path = self._entry_path(key)
        payload = pickle.dumps(value, protocol=_PICKLE_PROTOCOL)
        if not self.read_only:
            try:
                self._mark_cache_directory()
                _make_folder(self.directory, path.parent)
                write_atomically(path, self._header + _checksum(key, payload) + payload)
            except OSError as problem:
                raise _unwritable(problem, self.directory) from None
        self._remember(key, value)

    def prune(self, keep: set[str]) -> None:
        """Delete every entry of this namespace not in ``keep``, and stray temporary files
        of killed writers; meant to run after a successful build. A cache that cannot be
        listed or changed is left as it is."""
        if self.read_only or not self._own_folders() or not self._folder.is_dir():
            return
        with contextlib.suppress(OSError):
            self._prune(keep)

    def _own_folders(self) -> bool:
        """Whether the cache folder and this namespace's folder are real folders, not links:
        through a link, a prune would delete files somewhere else (``pages -> ~/pages``)."""
        return not (os.path.islink(self.directory) or os.path.islink(self._folder))

    def _prune(self, keep: set[str]) -> None:
        for shard in sorted(self._folder.iterdir()):
            if not shard.is_dir() or shard.is_symlink():
                _remove_quietly(shard)
                continue
            for entry in sorted(shard.iterdir()):
                if entry.name not in keep or entry.name[:2] != shard.name:
                    _remove_quietly(entry)
                    if self._memo is not None:
                        self._memo.pop(entry.name, None)
            with contextlib.suppress(OSError):
                shard.rmdir()  # only succeeds when it is now empty

    def _entry_path(self, key: str) -> pathlib.Path:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"bad cache key {key!r}: expected 16 to 64 lowercase hex digits")
        return self._folder / key[:2] / key

    def _payload(self, data: bytes, key: str) -> bytes | None:
        """The payload when header and checksum (of this key and the payload) are right."""
        start = len(self._header) + _DIGEST_SIZE
        if len(data) < start or not data.startswith(self._header):
            return None
        payload = data[start:]
        if _checksum(key, payload) != data[len(self._header):start]:
            return None
        return payload

    def _mark_cache_directory(self) -> None:
        """Tag the folder for backup tools and git, once per Cache object."""
        if self._marked:
            return
        if os.path.islink(self.directory):
            raise OSError(errno.ELOOP, "a symbolic link", os.fspath(self.directory))
        if os.path.lexists(self.directory) and not self.directory.is_dir():
            raise OSError(errno.ENOTDIR, "not a folder", os.fspath(self.directory))
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, content in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", GITIGNORE)):
            path = self.directory / name
            if not path.is_file():
                write_atomically(path, content)
        self._marked = True


def _checksum(key: str, payload: bytes) -> bytes:
    """SHA-256 of the key and the payload: an entry is only valid under its own key."""
    return hashlib.sha256(key.encode("ascii") + b"\0" + payload).digest()


def _make_folder(directory: pathlib.Path, folder: pathlib.Path) -> None:
    """Create ``folder`` (inside the cache ``directory``) and its parents; a file or a link
    planted where one of them goes is removed first: nothing in the cache is anyone's but
    the cache's, and writing through a link would write somewhere else."""
    current = directory
    for part in folder.relative_to(directory).parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            current.mkdir(exist_ok=True)
            continue
        if not stat.S_ISDIR(info.st_mode):
            current.unlink()
            current.mkdir()


_MISS = object()
_MEMO: dict[tuple[str, str], dict[str, Any]] = {}
"""Per process, per cache folder and namespace: values already read or written. Entries are
immutable once written, so a long-running process (the dev server) reads each one once."""
_MEMO_LIMIT = 50_000


def _unpickled(payload: bytes | None) -> Any:
    """The value in ``payload``, or ``_MISS`` when there is none or it no longer loads (a
    pickle of a class that has since changed or gone: any exception type is possible)."""
    if payload is None:
        return _MISS
    try:
        return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - every failure to load means the same: a miss
        return _MISS


def _read_regular_file(path: pathlib.Path) -> bytes:
    """Read ``path`` only if it is a regular file: a symlink, FIFO or device planted in the
    cache must not hang or redirect the build."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return file.read()


def _remove_quietly(path: pathlib.Path) -> None:
    """Delete a file, link or folder; a cache that cannot clean up still works."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()
