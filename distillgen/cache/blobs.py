"""Built pages as files named by the SHA-256 of their bytes, hard-linked into the output.

A page is written once, by the worker process that rendered it, into ``pages/<sha256>``; the
writer then links it into the site instead of copying its bytes. Nothing ever writes into an
existing blob (a new one is a new file, renamed into place), so a blob and the published
page it is linked to stay the same bytes, and a blob is whole or absent.

A page is written without first reading what may be there under its name: a new file is
renamed over it (the published copy keeps the old inode). A blob of an earlier build is read,
and its SHA-256 checked, before it is published or served: a blob damaged since (a disk
error, a published page edited in place, which edits the blob it shares an inode with) is
deleted and counts as missing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
from pathlib import Path

from .store import Cache, _read_regular_file, _unwritable

NAMESPACE = "pages"
FILE_MODE = 0o644
"""The mode of a published file: blobs are published as they are."""
_NAME = re.compile(r"[0-9a-f]{64}")


def blob_name(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """The ``pages`` folder of one cache; ``read_only`` (``distillgen check``) never writes."""

    def __init__(self, directory: Path, *, read_only: bool = False):
        self.directory = Path(directory)
        self.folder = self.directory / NAMESPACE
        self.read_only = read_only
        self._marker = Cache(directory, NAMESPACE, read_only=read_only)
        self._ready = False
        self._verified: set[str] = set()
        """Blobs written or checked by this process: whole, and not read again."""
        self._owned: bool | None = None
        """Whether the folders are real (not links), as :meth:`present` first found them."""

    def put(self, data: bytes) -> str:
        """Store ``data``; its name. Raises CacheUnwritable when the cache folder cannot be
        written (and ValueError for a read-only store: a bug)."""
        if self.read_only:
            raise ValueError("a read-only blob store cannot store")
        name = blob_name(data)
        try:
            self._prepare()
            _write_new(self.folder / name, data)
        except OSError as problem:
            raise _unwritable(problem, self.directory) from None
        self._verified.add(name)
        return name

    def _prepare(self) -> None:
        """The cache folder marked and the ``pages`` folder made, once per store; whatever
        else is planted where the folder goes is removed, a link is never followed."""
        if self._ready:
            return
        self._marker._mark_cache_directory()
        try:
            info = os.lstat(self.folder)
        except FileNotFoundError:
            # Worker processes start together: another may make the folder first.
            with contextlib.suppress(FileExistsError):
                os.mkdir(self.folder)
            info = os.lstat(self.folder)
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(self.folder)
            os.mkdir(self.folder)
        self._ready = True

    def present(self, name: str) -> bool:
        """Whether the blob is there as a plain file (its bytes are checked when it is
        published)."""
        if not name or _NAME.fullmatch(name) is None:
            return False
        if self._owned is None:  # asked once per blob of the site: the folders once per store
            self._owned = self._marker._own_folders()
        return self._owned and _is_regular(os.path.join(self.folder, name))

    def path(self, name: str) -> Path | None:
        """Where the blob ``name`` is, once checked to hold the bytes its name promises;
        None if it is missing, not a plain file, or damaged (then deleted)."""
        if not isinstance(name, str) or not _NAME.fullmatch(name) or \
                not self._marker._own_folders():
            return None
        path = self.folder / name
        if name in self._verified:
            return path if _is_regular(path) else None
        try:
            data = _read_regular_file(path)
        except OSError:
            data = None
        if data is not None and blob_name(data) == name:
            self._verified.add(name)
            return path
        if os.path.lexists(path) and not self.read_only:
            with contextlib.suppress(OSError):
                os.unlink(path)
        return None

    def read(self, name: str) -> bytes | None:
        """The bytes of a blob, checked on every read; None when it is missing or damaged."""
        if not isinstance(name, str) or not _NAME.fullmatch(name) or \
                not self._marker._own_folders():
            return None
        try:
            data = _read_regular_file(self.folder / name)
        except OSError:
            return None
        if blob_name(data) != name:
            self._verified.discard(name)
            return None
        return data

    def prune(self, keep: set[str]) -> None:
        """Delete every blob not named in ``keep`` (after a successful build), and what
        killed writers left."""
        if self.read_only or not self._marker._own_folders():
            return
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if name not in keep:
                self._verified.discard(name)
                path = self.folder / name
                with contextlib.suppress(OSError):
                    if os.path.isdir(path) and not os.path.islink(path):
                        import shutil

                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        os.unlink(path)


def _is_regular(path: Path | str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _write_new(path: Path, data: bytes) -> None:
    """A new file with ``data`` renamed to ``path``: readers see no blob or a whole one. A
    folder planted at ``path`` is removed first (a rename cannot replace it)."""
    temp = path.with_name(f".tmp-{secrets.token_hex(8)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), FILE_MODE)  # the umask must not change published files
            file.write(data)
        try:
            os.rename(temp, path)
        except OSError as problem:
            if problem.errno not in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
                raise
            import shutil

            shutil.rmtree(path, ignore_errors=True)
            os.rename(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
