"""The site index: what the last build read and made, in one entry read once per build.

It holds, by source path, each Markdown file's stat signature and parsed front matter (so an
unchanged file is not read again), each post's render summary (what listings show, what it
looked up while rendering, its page and its diagnostics) and, by output path, each generated
page's key and bytes. A build compares what is on disk now with it and redoes only what an
edit reaches; a dev server keeps it in memory between builds. A build that succeeds writes it
once, at its end.

Bodies and full renders are not in it: a post that must render again is read again, and a
template edit reads the full renders from their packs (:mod:`.renders`).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .store import Cache

NAMESPACE = "index"
KEY = "0" * 16
FORMAT = 3


@dataclass
class SourceRecord:
    """A Markdown file as the last build read it."""

    signature: tuple[int, ...]
    """Size, modification time and inode: an unchanged signature is an unchanged file."""
    key: str
    """:func:`~distillgen.cache.keys.source_key` of its text."""
    post: Any
    """The parsed :class:`~distillgen.model.Post` without its body (None: it did not parse)."""
    diagnostics: tuple[Any, ...]
    post_digest: str
    """:func:`~distillgen.cache.keys.post_digest` of the whole parsed post."""


@dataclass
class PostRecord:
    """One post's last render, as the rest of the build needs it."""

    render_key: str
    keys_looked_up: tuple[str, ...]
    files_looked_up: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]
    """The other files of the post's folder, made with its page: name, bytes
    (``cite.bib``, ``cite.ris``, ``references.bib``)."""
    lookups: str
    """What those lookups resolved to (:func:`~distillgen.cache.keys.lookups_digest`)."""
    listing: Any
    """The :class:`~distillgen.model.RenderedPost` listings see: no body, no feed copy."""
    listing_digest: str
    feed_html: str
    """The feed copy, for a post the feed carries ("" when it was not rendered)."""
    links: tuple[tuple[str, int, int], ...]
    page_ids: frozenset[str]
    """Every id on the post's page, for fragments of links to it."""
    diagnostics: tuple[Any, ...]
    page_key: str
    page: str
    """The page's blob."""
    pack: str
    """The pack holding the full render (to apply changed templates to it)."""


@dataclass
class GeneratedRecord:
    """A page the site generates (index, tag page, feed, sitemap…)."""

    key: str
    blob: str
    uses_site: bool
    """Its templates read the whole site (every post) when it was last rendered."""


@dataclass
class SiteIndex:
    format: int = FORMAT
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    posts: dict[str, PostRecord] = field(default_factory=dict)
    generated: dict[str, GeneratedRecord] = field(default_factory=dict)
    images: dict[str, tuple[tuple[int, ...], Any]] = field(default_factory=dict)
    """Image path -> (signature, pixel size) of the asset index."""
    files: dict[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)
    """A file the site copies, by path -> (signature, SHA-256)."""
    lookups_world: str = ""
    """:func:`~distillgen.cache.keys.lookups_world` when the posts were rendered."""


def load(directory: Path, *, read_only: bool = False) -> SiteIndex:
    """The index of the last successful build, or an empty one (no cache, damaged, another
    format: every such index reads as empty and the build starts cold)."""
    gc.disable()  # tens of thousands of small objects: nothing to collect while they load
    try:
        value = Cache(directory, NAMESPACE, read_only=read_only).get(KEY)
    finally:
        gc.enable()
    if isinstance(value, SiteIndex) and value.format == FORMAT:
        return value
    return SiteIndex()


def save(directory: Path, index: SiteIndex) -> None:
    """Write the index (after a successful build); raises CacheUnwritable."""
    Cache(directory, NAMESPACE).put(KEY, index)


def forget(directory: Path) -> None:
    """Drop the index (its entries no longer describe the cache)."""
    Cache(directory, NAMESPACE).prune(set())
