"""The files a post may reference (images, media, downloads), found once per build.

Rendering never touches the disk: it looks files up in this index, which also knows each
image's pixel size so pages can reserve its space (no layout shift while it loads).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

import imagesize

from .errors import Diagnostic, SourceLocation, warning
from .model import AssetInfo
from .text import shown_file_name

MEDIA_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp", ".tif", ".tiff",
    ".mp4", ".webm", ".ogg", ".mp3", ".wav", ".pdf", ".csv", ".json", ".txt", ".zip",
    ".apng", ".mov", ".m4v", ".ogv", ".vtt", ".html", ".htm", ".js", ".mjs", ".css",
})
TOOL_FOLDERS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", "site-packages"})
"""Folders that belong to tools, never to a site's content: not indexed, not fingerprinted."""
ENVIRONMENT_MARKERS = ("pyvenv.cfg", "conda-meta")
"""A folder holding one of these is a Python or conda environment, whatever its name (a
folder named ``env`` or ``venv`` may as well hold images)."""


def is_tool_folder(folder: Path) -> bool:
    """Whether a folder is a tool's (version control, packages, an environment): one rule for
    the asset index and the no-change fingerprint, so both see the same files."""
    if folder.name in TOOL_FOLDERS:
        return True
    return any(os.path.lexists(folder / marker) for marker in ENVIRONMENT_MARKERS)


def is_regular_file(path: Path) -> bool:
    """A regular file (links followed); FIFOs, sockets and devices are not."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def special_file_warning(path: Path, root: Path) -> Diagnostic:
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    return warning("special-file", "skipped: not a regular file (a FIFO, socket or device)",
                   SourceLocation(shown_file_name(shown)),
                   "only regular files are published; delete it or move it out of the site")


def _image_size(path: Path) -> tuple[int | None, int | None]:
    try:
        width, height = imagesize.get(str(path))
    except (OSError, ValueError):
        return None, None
    if width <= 0 or height <= 0:
        return None, None
    return int(width), int(height)


def walk_tree(root: Path, skip: Iterable[Path] = (), *,
              tool_folders: bool = False) -> Iterator[Path]:
    """Every file under ``root`` in a fixed order. Hidden folders, the folders in ``skip``
    and (unless ``tool_folders``) tools' folders (:func:`is_tool_folder`) are left out; links
    to folders are never followed, so nothing outside the site can be pulled in (links to
    files are yielded: the caller decides)."""
    skipped = {Path(p).absolute() for p in skip}
    root = Path(root).absolute()
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and here / d not in skipped
                         and (tool_folders or not is_tool_folder(here / d)))
        for name in sorted(files):
            yield here / name


def walk_files(root: Path, skip: Iterable[Path] = (),
               content: Path | None = None,
               diagnostics: list[Diagnostic] | None = None) -> list[str]:
    """Site-relative paths of the media files under root (not hidden, not links, regular),
    and of every other file under ``content`` but Markdown (a page bundle's scripts, data,
    pages); a FIFO, socket or device gets a warning in ``diagnostics``."""
    return [relative for relative, _info in _media_files(root, skip, content, diagnostics)]


def _media_files(root: Path, skip: Iterable[Path], content: Path | None,
                 diagnostics: list[Diagnostic] | None
                 ) -> Iterator[tuple[str, os.stat_result]]:
    """:func:`walk_files` with each file's status (one ``lstat`` a file: a link is skipped,
    so its status is the file's own)."""
    root = Path(root).absolute()
    inside = Path(content).absolute() if content is not None else None
    for path in walk_tree(root, skip):
        if path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        wanted = suffix in MEDIA_SUFFIXES or (
            inside is not None and suffix != ".md" and path.is_relative_to(inside))
        if not wanted:
            continue
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISLNK(info.st_mode):
            continue
        if not stat.S_ISREG(info.st_mode):
            if diagnostics is not None:
                diagnostics.append(special_file_warning(path, root))
            continue
        yield path.relative_to(root).as_posix(), info


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif")
ImageSizes = dict[str, tuple[tuple[int, ...], tuple[int | None, int | None]]]
"""Image path -> (stat signature, pixel size): sizes known from an earlier build."""


def index_assets(root: Path, skip: Iterable[Path] = (), content: Path | None = None,
                 diagnostics: list[Diagnostic] | None = None, *,
                 known: ImageSizes | None = None, seen: ImageSizes | None = None
                 ) -> dict[str, AssetInfo]:
    """Every media file under the site root (and every file of the content folder), with
    pixel sizes for images. An image whose signature (size, times, inode) is the one in
    ``known`` is not opened again; every image's signature and size go into ``seen``."""
    index = {}
    for relative, info in _media_files(root, skip, content, diagnostics):
        width = height = None
        if relative.lower().endswith(IMAGE_SUFFIXES):
            signature = (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)
            before = known.get(relative) if known is not None else None
            if before is not None and before[0] == signature:
                width, height = before[1]
            else:
                width, height = _image_size(root / relative)
            if seen is not None:
                seen[relative] = (signature, (width, height))
        index[relative] = AssetInfo(width=width, height=height)
    return index


def site_asset_files(folder: Path, diagnostics: list[Diagnostic] | None = None,
                     skip: Iterable[Path] = ()) -> dict[str, Path]:
    """The site's own ``assets/`` folder, every regular file, by path inside it.

    A folder that is a link to somewhere outside the site is not followed: building a site
    someone else wrote must never publish files from elsewhere on the machine. A FIFO,
    socket or device is left out with a warning in ``diagnostics``; folders in ``skip`` (the
    output and the cache, should they lie in there) are never published.
    """
    if not folder.is_dir() or not folder.resolve().is_relative_to(folder.parent.resolve()):
        return {}
    files = {}
    for path in walk_tree(folder, skip, tool_folders=True):
        if path.name.startswith(".") or path.is_symlink():
            continue
        if not is_regular_file(path):
            if diagnostics is not None:
                diagnostics.append(special_file_warning(path, folder.parent.absolute()))
            continue
        files[path.relative_to(folder.absolute()).as_posix()] = path
    return files
