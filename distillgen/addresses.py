"""Where a source file publishes: a post or a page, its folder in the site, and the old
addresses (aliases) that redirect to it.

A Markdown file under ``<content_dir>/blog/`` is a post; every other one is a page. Its folder
is its path under the content folder with the file name replaced by its slug:
``content/blog/foo.md`` -> ``blog/foo``; an ``index.md`` is a page bundle and publishes at its
folder (``content/blog/x/index.md`` -> ``blog/x``).
"""

from __future__ import annotations

import urllib.parse
from pathlib import PurePosixPath

from .config import SiteConfig
from .model import PAGE, POST
from .names import slugify
from .settings import ParseSettings

_ALIAS_SUFFIXES = (".html", ".htm")


def alias_problem(alias: str) -> str | None:
    """Why an alias cannot be an address on this site, or None."""
    parts = urllib.parse.urlsplit(alias)
    if parts.scheme or parts.netloc or alias.startswith("//"):
        return "names another site; an alias is a path on this one"
    if parts.query or parts.fragment or "?" in alias or "#" in alias:
        return "has a query or a fragment; a static file cannot answer those"
    if "\\" in alias or any(char.isspace() or ord(char) < 0x20 for char in alias):
        return "contains a space, a backslash or a control character"
    segments = [segment for segment in alias.split("/") if segment]
    if not segments:
        return "is the site's home page"
    if any(segment in (".", "..") for segment in segments):
        return "contains a `.` or `..` segment"
    last = segments[-1]
    if not alias.endswith("/") and "." in last and not last.lower().endswith(_ALIAS_SUFFIXES):
        return "ends in a file that is not .html; write a folder (/old/path/) or an .html file"
    return None


def normalise_alias(alias: str) -> str:
    """The alias relative to the site root: no leading slash, single slashes, a folder ending
    in ``/``: ``/old//path`` -> ``old/path/``."""
    segments = [segment for segment in alias.split("/") if segment]
    path = "/".join(segments)
    return path if path.lower().endswith(_ALIAS_SUFFIXES) else path + "/"


POSTS_FOLDER = "blog"
"""Markdown files under ``<content_dir>/blog/`` are posts; all others are pages."""


def document_kind(source_path: str, config: SiteConfig | ParseSettings) -> str:
    """:data:`POST` for a file under ``content/blog/``, :data:`PAGE` for any other file of
    the content folder. A file from outside the content folder (tests, tools) is a post."""
    path = PurePosixPath(source_path)
    content = PurePosixPath(config.content_dir)
    if content not in path.parents:
        return POST
    inside = path.relative_to(content).parts
    return POST if len(inside) > 1 and inside[0] == POSTS_FOLDER else PAGE


def default_slug(source_path: str, config: SiteConfig | ParseSettings) -> str:
    """The file's name, or for ``index.md`` (a page bundle) its folder's name; empty for the
    content folder's own ``index.md``."""
    path = PurePosixPath(source_path)
    if path.name != "index.md":
        return slugify(path.stem)
    folder = path.parent
    content = PurePosixPath(config.content_dir)
    if folder == content or folder == PurePosixPath("."):
        return ""
    return slugify(folder.name)


def site_folder(source_path: str, slug: str, config: SiteConfig | ParseSettings) -> PurePosixPath:
    """The post's folder in the site: its path under the content folder, slug as the name.
    A page bundle (``content/blog/x/index.md``) is its folder: ``blog/x``."""
    path = PurePosixPath(source_path)
    content = PurePosixPath(config.content_dir)
    if content in path.parents:  # else a source from elsewhere (tests, tools): keep its folders
        path = path.relative_to(content)
    if path.name == "index.md":
        path = path.parent
    return path.parent / slug
