"""Making the files of a new tree: never writing into an existing file.

Every file is created new (``O_EXCL``), so a file shared by two trees (a hard link) is never
changed under the other: the old tree can only be deleted, never altered.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import pathlib
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator

from ..model import Blob, Content
from .rules import OutputError, shown

FILE_MODE = 0o644
DIR_MODE = 0o755
CHUNK = 1 << 20


def make_dir(path: pathlib.Path) -> None:
    os.mkdir(path, DIR_MODE)
    os.chmod(path, DIR_MODE)  # mkdir honours the umask; the output must not


def write_bytes(target: pathlib.Path, content: bytes) -> None:
    """Create a new file (never an existing one) holding ``content``."""
    with new_file(target) as out:
        out.write(content)


def copy_file(source: pathlib.Path, target: pathlib.Path) -> None:
    """Copy a source file's bytes into a new file. A hard link to the source would let later
    edits of it change the published site in place."""
    with open_source(source) as src, new_file(target) as out:
        shutil.copyfileobj(src, out, CHUNK)


def file_sha(source: pathlib.Path) -> str:
    """The SHA-256 of a file to publish."""
    hasher = hashlib.sha256()
    with open_source(source) as src:
        while chunk := src.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


@contextlib.contextmanager
def open_source(source: pathlib.Path) -> Iterator:
    """A file to publish, opened for reading. Only a regular file is: a FIFO would block
    the build forever and a device could fill the disk."""
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError(f"{shown(source)} is not a regular file (a FIFO, socket or "
                              "device), so it cannot be published", "delete it or move it away",
                              code="write-failed")
        yield src


def link_blob(blob: Blob, target: pathlib.Path,
              blob_path: Callable[[Blob], pathlib.Path | None]) -> None:
    """Publish a blob of the cache, once checked (``blob_path``): a hard link to it when it
    is a plain file of the published mode on the same file system, else a copy of it."""
    path = blob_path(blob)
    if path is None:
        raise MissingBlob(blob)
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == FILE_MODE:
            os.link(path, target, follow_symlinks=False)
            return
    except OSError as problem:
        if problem.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES,
                                 errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    copy_file(path, target)


class MissingBlob(Exception):
    """Pages the plan names are no longer in the cache (deleted or damaged meanwhile)."""

    def __init__(self, *blobs: Blob):
        super().__init__(", ".join(blob.name for blob in blobs))
        self.blobs = blobs


def check_blobs(contents: Iterable[Content],
                blob_path: Callable[[Blob], pathlib.Path | None]) -> None:
    """Raise MissingBlob, before anything is written, naming every blob among ``contents``
    that is missing or damaged (``blob_path`` checks each, and deletes a damaged one)."""
    missing = [c for c in contents if isinstance(c, Blob) and blob_path(c) is None]
    if missing:
        raise MissingBlob(*missing)


def put(target: pathlib.Path, content: Content, blob_path: Callable[[Blob], pathlib.Path | None]
        ) -> None:
    """Create ``target`` holding ``content``."""
    if isinstance(content, bytes):
        write_bytes(target, content)
    elif isinstance(content, Blob):
        link_blob(content, target, blob_path)
    else:
        copy_file(content, target)


def keep_old_file(old_path: pathlib.Path, target: pathlib.Path, content: Content,
                  blob_path: Callable[[Blob], pathlib.Path | None]) -> None:
    """Hard-link the unchanged old file; where links are refused, copy it with its mtime."""
    try:
        os.link(old_path, target, follow_symlinks=False)
    except OSError:
        old_mtime = old_path.stat().st_mtime_ns
        put(target, content, blob_path)
        os.utime(target, ns=(old_mtime, old_mtime))


@contextlib.contextmanager
def new_file(target: pathlib.Path) -> Iterator:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask must not change the output
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "wb") as out:
        yield out


def remove(path: pathlib.Path) -> None:
    """Delete a file, a link or a whole folder (of a tree being rebuilt)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)
