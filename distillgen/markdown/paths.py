"""Local paths an author writes: which references are files, where a file is published, and
the one rule for "this names a place on the web, not a file of the site".

Images, raw HTML attributes, Markdown links to files and page bundles resolve a reference
against the Markdown file the same way, so they share these functions.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from urllib.parse import unquote

from markdown_it.token import Token

from ..model import AssetInfo, AssetRef
from ..names import suggest_file, url_path
from .state import RenderState

EXTERNAL_URL_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:|//)")
"""A reference with a scheme (``https:``, ``mailto:``, ``data:``) or protocol-relative."""

PAGE_EXTENSIONS = frozenset({"", ".html", ".htm", ".md", ".php", ".xml"})
"""Suffixes of references that are pages (checked by the link checker), not files to copy."""


def is_file_link(url: str) -> bool:
    """Whether a link names a file to publish (``data.csv``, ``talk.pdf#page=3``), not a page
    or a folder."""
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    if not path or path.endswith("/"):
        return False
    return posixpath.splitext(path)[1].lower() not in PAGE_EXTENSIONS


def in_bundle(state: RenderState, href: str) -> bool:
    """Whether a reference names a file inside the post's bundle folder."""
    if state.bundle_dir is None or not href or href.startswith(("#", "/", "?")) \
            or EXTERNAL_URL_RE.match(href):
        return False
    path = unquote(re.split(r"[?#]", href, maxsplit=1)[0])
    if not path or path.endswith("/") or path.endswith(".md"):
        return False
    joined = posixpath.normpath(posixpath.join(str(state.source_dir), path))
    return joined.startswith(str(state.bundle_dir) + "/")


def resolve_local_file(state: RenderState, src: str, token: Token | None
                       ) -> tuple[str, AssetInfo, PurePosixPath] | None:
    """(page-relative URL, AssetInfo, output path) for a local file, recording it for copying.

    Returns None for external URLs and for files that are missing or outside the site (both
    reported as located errors).
    """
    if not src or src.startswith("#") or EXTERNAL_URL_RE.match(src):
        return None
    path_part = re.split(r"[?#]", src, maxsplit=1)[0]
    relative = unquote(path_part)
    if relative.startswith("/"):
        joined = posixpath.normpath(relative.lstrip("/"))
    else:
        joined = posixpath.normpath(posixpath.join(str(state.source_dir), relative))
    if joined == ".." or joined.startswith("../") or posixpath.isabs(joined):
        state.report("outside-site", f"`{src}` points outside the site folder", token,
                     hint="keep images inside the site, e.g. under assets/")
        return None
    state.files_looked_up.add(joined)
    info = state.assets_on_disk.get(joined)
    if info is None:
        suggestion = state.suggest("file", joined, state.assets_on_disk.keys, suggest_file)
        hint = f"did you mean `{suggestion}`?" if suggestion else \
            "paths are relative to the Markdown file"
        state.report("missing-asset", f"file not found: `{src}` (looked for `{joined}`)", token,
                     hint=hint)
        return None
    target = _output_path(state, PurePosixPath(joined))
    state.assets[joined] = AssetRef(source=joined, target=target)
    url = url_path(posixpath.relpath(str(target), str(state.page_dir)))
    return url + src[len(path_part):], info, target


def _output_path(state: RenderState, source: PurePosixPath) -> PurePosixPath:
    """Files of a page bundle go beside the page; other files under the content folder drop
    that prefix; others keep their site path."""
    if state.bundle_dir is not None and state.bundle_dir in source.parents:
        return state.page_dir / source.relative_to(state.bundle_dir)
    try:
        return source.relative_to(state.content_dir)
    except ValueError:
        return source
