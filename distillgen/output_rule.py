"""Which folder may be the output: the one rule for ``output_dir``, ``--output`` and the dev
server. The output folder is replaced wholesale on every build, so it may never be, hold or
lie inside anything the build reads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from .bibliography.csl import is_style_file
from .layout import ASSETS_DIR, CACHE_DIR, TEMPLATES_DIR, THEME_DIR

READ_PATH_SETTINGS = ("bibliography", "csl", "macros")
"""Settings naming a file the build reads: the output may not hold it, nor its folder.
``bibliography`` may name several; ``csl`` names a file only when it is a path."""


def output_refusal(root: Path, output: Path, settings: Mapping[str, str]) -> str | None:
    """Why ``output`` may not be the output folder, or None: the one rule for
    ``output_dir``, ``--output`` and the dev server.

    The output folder is replaced wholesale on every build, so it may never be, contain or
    lie inside a folder the build reads (content, assets, templates, the folder of the
    bibliography and of every other file a setting names, the theme), nor be the cache, .git,
    the site folder, a folder holding it, the home folder or the filesystem root. Paths are
    compared as written and with links resolved. ``settings``: the path settings, relative
    to ``root``. The message reads after the output's name: "`site` <message>".
    """
    root = Path(os.path.abspath(root))
    out = Path(os.path.abspath(output))
    real_out = Path(os.path.realpath(out))
    if out.parent == out or real_out.parent == real_out:
        return "is the filesystem root"
    if _same(out, root):
        return "is the site folder itself"
    if _holds(out, root):
        return "contains the site folder"
    home = Path(os.path.expanduser("~"))
    if home.parent != home and (_same(out, home) or _holds(out, home)):
        return "is or contains your home folder"
    folders = [
        ("the content folder", settings.get("content_dir", "content")),
        ("the assets folder", ASSETS_DIR),
        ("the templates folder", TEMPLATES_DIR),
        ("the cache folder", CACHE_DIR),
        ("the git repository", ".git"),
    ]
    for key in READ_PATH_SETTINGS:
        for written in _read_paths(key, settings.get(key)):
            parent = PurePosixPath(os.path.normpath(written)).parent
            if str(parent) not in ("", "."):
                folders.append((f"the folder of `{key}`", str(parent)))
            folders.append((f"`{key}`", written))
    folders.append(("distillgen's theme", str(THEME_DIR)))
    for what, relative in folders:
        folder = root / relative
        shown = relative if not Path(relative).is_absolute() else str(folder)
        if _same(out, folder):
            return f"is {what} ({shown}), which the build reads"
        if _holds(folder, out):
            return f"lies inside {what} ({shown}), which the build reads"
        if _holds(out, folder):
            return f"contains {what} ({shown}), which the build reads"
    return None


def _read_paths(key: str, value: Any) -> tuple[str, ...]:
    """The files a read-path setting names: one or several bibliographies, a .csl file."""
    if not value:
        return ()
    if key == "csl":
            return (value,) if is_style_file(value) else ()
    return (value,) if isinstance(value, str) else tuple(value)


def _same(first: Path, second: Path) -> bool:
    """The same folder, as written or once links are resolved."""
    return (Path(os.path.normpath(first)) == Path(os.path.normpath(second))
            or Path(os.path.realpath(first)) == Path(os.path.realpath(second)))


def _holds(outer: Path, inner: Path) -> bool:
    """``inner`` lies inside ``outer``, as written or once links are resolved."""
    written = Path(os.path.normpath(outer)) in Path(os.path.normpath(inner)).parents
    return written or Path(os.path.realpath(outer)) in Path(os.path.realpath(inner)).parents
