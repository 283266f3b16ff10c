"""What the writer refuses: malformed plans, outputs that are not ours to replace, and what
the operating system refuses, said in words."""

from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import stat
from collections.abc import Mapping
from pathlib import PurePosixPath

from ..model import Blob, Content

MARKER = ".distillgen-output"
"""Name of the marker file in every output folder distillgen writes (deployed with the site)."""
MARKER_CONTENT = b"This folder is written by distillgen; each build replaces what is in it.\n"


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


Entries = list[tuple[PurePosixPath, Content]]


def validated_entries(plan: Mapping[PurePosixPath, Content]) -> Entries:
    """The plan as sorted (path, content) pairs, refusing paths that could escape the output."""
    entries = []
    for key, content in plan.items():
        rel = validated_path(key)
        if not isinstance(content, (bytes, pathlib.Path, Blob)):
            raise TypeError(f"plan entry {rel}: content must be bytes, a Path or a Blob, "
                            f"not {type(content).__name__}")
        entries.append((rel, content))
    entries.sort(key=lambda entry: entry[0])
    files = {str(rel) for rel, _ in entries}
    if len(files) != len(entries):
        raise ValueError("plan names the same output path twice")
    for name in files:
        cut = name.rfind("/")
        while cut > 0:
            if name[:cut] in files:
                raise ValueError(f"plan entry {name} needs {name[:cut]} to be a folder, but it "
                                 "is a file")
            cut = name.rfind("/", 0, cut)
    if MARKER in files:
        raise ValueError(f"plan names {MARKER}, the writer's own marker file")
    return entries


def validated_path(key: PurePosixPath | str) -> PurePosixPath:
    """A relative, normalised path inside the output, or ValueError."""
    rel = key if type(key) is PurePosixPath else PurePosixPath(key)  # immutable: kept as is
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


def checked_out_dir(out_dir: pathlib.Path, site_root: pathlib.Path | None) -> pathlib.Path:
    """The output folder as an absolute path, refused when replacing it would destroy more
    than a generated site: a file, a symlink, the filesystem root, or a folder holding the
    site root, the working directory or the home directory."""
    out_dir = pathlib.Path(os.path.abspath(out_dir))
    shown_dir = shown(out_dir)
    if out_dir.parent == out_dir:
        raise OutputError("the output folder is the filesystem root",
                          "build into a folder of its own, such as site/")
    if out_dir.is_symlink():
        raise OutputError(f"the output folder {shown_dir} is a symbolic link; the whole folder "
                          "is replaced on every build, so it must be a real folder",
                          "delete the link, or give the folder it points to as the output")
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise OutputError(f"the output folder {shown_dir} exists and is not a folder",
                          "move that file away, or choose another output folder")
    real_out = pathlib.Path(os.path.realpath(out_dir))
    protected = [pathlib.Path.cwd(), pathlib.Path(os.path.expanduser("~"))]
    if site_root is not None:
        protected.append(pathlib.Path(site_root))
    for folder in protected:
        real = pathlib.Path(os.path.realpath(folder))
        if real == real_out or real_out in real.parents:
            raise OutputError(f"the output folder {shown_dir} is or contains {folder}",
                              "build into a folder of its own, such as site/")
    return out_dir


def check_sources_outside(entries: Entries, out_dir: pathlib.Path) -> None:
    """A file to copy must not come from inside the output folder: the build would replace
    the folder, and publish the last site inside the next one."""
    real_out = os.path.realpath(out_dir)
    inside = real_out.rstrip(os.sep) + os.sep
    folders: dict[str, str] = {}
    for rel, content in entries:
        if isinstance(content, pathlib.Path):
            real = _real_path(os.path.abspath(content), folders)
            if real == real_out or real.startswith(inside):
                raise OutputError(f"`{rel}` would be copied from {shown(content)}, inside "
                                  "the output folder itself",
                                  "keep the files the site publishes outside the output folder")


def _real_path(path: str, folders: dict[str, str]) -> str:
    """``os.path.realpath(path)``, resolving each folder once (``folders`` remembers them):
    a file that is not a link is its real folder joined with its name."""
    folder, name = os.path.split(path)
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        is_link = True  # let realpath say what it is
    if is_link or not name:
        return os.path.realpath(path)
    real_folder = folders.get(folder)
    if real_folder is None:
        real_folder = folders[folder] = os.path.realpath(folder)
    return os.path.join(real_folder, name)


def check_ours(out_dir: pathlib.Path) -> None:
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
            f"the output folder {shown(out_dir)} already holds files that distillgen did not "
            f"write (it has no {MARKER} file); building would replace them",
            "choose another output folder, or move that folder away (delete it if it is the "
            "output of an older distillgen)")


def shown(path: pathlib.Path) -> str:
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


def os_failure(problem: OSError, out_dir: pathlib.Path) -> OutputError:
    """The operating system's refusal, in words, for the whole output folder."""
    reason, hint = _FAILURES.get(problem.errno or 0,
                                 (problem.strerror or str(problem), "check the output folder"))
    return OutputError(f"cannot write the site to {shown(out_dir)}: {reason}", hint,
                       code="write-failed")
