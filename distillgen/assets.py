"""The files a post may reference (images, media, downloads), found once per build.

Rendering never touches the disk: it looks files up in this index, which also knows each
image's pixel size so pages can reserve its space (no layout shift while it loads).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .model import AssetInfo

MEDIA_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp", ".tif", ".tiff",
    ".mp4", ".webm", ".ogg", ".mp3", ".wav", ".pdf", ".csv", ".json", ".txt", ".zip",
    ".apng", ".mov", ".m4v", ".ogv", ".vtt", ".html", ".htm", ".js", ".mjs", ".css",
})
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "venv", "env", "site-packages"})


def _image_size(path: Path) -> tuple[int | None, int | None]:
    import imagesize

    try:
        width, height = imagesize.get(str(path))
    except (OSError, ValueError):
        return None, None
    if width <= 0 or height <= 0:
        return None, None
    return int(width), int(height)


def walk_tree(root: Path, skip: Iterable[Path] = (),
              skip_names: frozenset[str] = SKIPPED_DIRS) -> Iterator[Path]:
    """Every file under ``root`` in a fixed order. Hidden folders, folders named in
    ``skip_names`` and the folders in ``skip`` are left out; links to folders are never
    followed, so nothing outside the site can be pulled in (links to files are yielded: the
    caller decides)."""
    skipped = {Path(p).absolute() for p in skip}
    root = Path(root).absolute()
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in skip_names
                         and here / d not in skipped)
        for name in sorted(files):
            yield here / name


def walk_files(root: Path, skip: Iterable[Path] = ()) -> list[str]:
    """Site-relative paths of the media files under root (not hidden, not links)."""
    root = Path(root).absolute()
    return [path.relative_to(root).as_posix() for path in walk_tree(root, skip)
            if not path.name.startswith(".") and path.suffix.lower() in MEDIA_SUFFIXES
            and not path.is_symlink()]


def index_assets(root: Path, skip: Iterable[Path] = ()) -> dict[str, AssetInfo]:
    """Every media file under the site root, with pixel sizes for images."""
    index = {}
    for relative in walk_files(root, skip):
        path = root / relative
        width = height = None
        if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"):
            width, height = _image_size(path)
        index[relative] = AssetInfo(width=width, height=height)
    return index


def site_asset_files(folder: Path) -> dict[str, Path]:
    """The site's own ``assets/`` folder, every file, by path inside it.

    A folder that is a link to somewhere outside the site is not followed: building a site
    someone else wrote must never publish files from elsewhere on the machine.
    """
    if not folder.is_dir() or not folder.resolve().is_relative_to(folder.parent.resolve()):
        return {}
    return {path.relative_to(folder.absolute()).as_posix(): path
            for path in walk_tree(folder, skip_names=frozenset())
            if not path.name.startswith(".") and not path.is_symlink()}
