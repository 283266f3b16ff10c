"""What a build reads besides the Markdown: every bibliography, checked addresses, the feed.

Each function takes plain data and reports problems as diagnostics; the build's stages
(:mod:`distillgen.stages`) call them in order.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from . import errors
from .assemble import newest_first
from .bibliography import Bibliography
from .bibliography import load_bibliography as read_bib
from .cache import Cache
from .cache.keys import code_version
from .config import SiteConfig
from .errors import Diagnostic, SourceLocation
from .model import Post


def feed_sources(config: SiteConfig, posts: list[Post]) -> frozenset[str]:
    """The posts ``feed.xml`` will carry in full: the newest ``feed_limit`` ones."""
    newest = sorted((p for p in posts if not p.is_page), key=newest_first)
    return frozenset(p.source_path for p in newest[: config.feed_limit or len(newest)])


def check_unique_urls(posts: list[Post], diagnostics: list[Diagnostic]) -> list[Post]:
    """Two posts may not write the same page; the second one is reported."""
    seen: dict[str, Post] = {}
    unique = []
    for post in posts:
        key = str(post.url_path)
        if key in seen:
            diagnostics.append(errors.error(
                "duplicate-slug",
                f"`{post.source_path}` and `{seen[key].source_path}` both publish `{key}/`",
                SourceLocation(post.source_path, 1, 1),
                hint="give one of them a different `slug:` in its front matter"))
            continue
        seen[key] = post
        unique.append(post)
    return unique


def load_bibliographies(config: SiteConfig, posts: list[Post], diagnostics: list[Diagnostic],
                        cache: Cache | None = None) -> tuple[Bibliography | None,
                                                             dict[str, Bibliography]]:
    """The site's .bib (if any) and every post-local one, each parsed once."""
    site_bib = None
    path = config.bibliography_path()

    def load_bibliography(file: Path, display: str) -> Bibliography:
        return read_bib(file, display, cache, code_version())

    if path.is_file():
        site_bib = load_bibliography(path, _display(config, path))
        diagnostics.extend(site_bib.diagnostics)
    local: dict[str, Bibliography] = {}
    for post in posts:
        if not post.meta.bibliography:
            continue
        # Keyed by the path as written (normalised), which is how rendering looks it up.
        display = posixpath.normpath(posixpath.join(posixpath.dirname(post.source_path),
                                                    post.meta.bibliography))
        bib_path = config.root / display
        if display in local:
            continue
        if not bib_path.resolve().is_relative_to(config.root.resolve()):
            diagnostics.append(errors.error(
                "outside-site", f"`{post.meta.bibliography}` leads outside the site folder",
                SourceLocation(post.source_path, 1, 1),
                hint="keep the .bib inside the site (a link may not point out of it)"))
            continue
        if not bib_path.is_file():
            diagnostics.append(errors.error(
                "missing-bibliography", f"bibliography file not found: `{post.meta.bibliography}`",
                SourceLocation(post.source_path, 1, 1),
                hint="the path is relative to the Markdown file"))
            continue
        local[display] = load_bibliography(bib_path, display)
        diagnostics.extend(local[display].diagnostics)
    return site_bib, local


def _display(config: SiteConfig, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path)
