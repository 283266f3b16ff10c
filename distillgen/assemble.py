"""assemble_site: from rendered posts to the site's structure (order, tags, feed data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Post, RenderedPost
from .names import slugify as default_slugify
from .pages import MenuItem

_UNDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TagPage:
    """One tag and the posts carrying it, newest first."""

    name: str
    slug: str
    posts: tuple[RenderedPost, ...]


@dataclass(frozen=True)
class Site:
    """Everything the templates need, in a fixed order."""

    posts: tuple[RenderedPost, ...]
    """Posts to publish, newest first (ties broken by title, then path)."""
    featured: tuple[RenderedPost, ...]
    tags: tuple[TagPage, ...]
    """Tags sorted by name (case-insensitively), each with its posts."""
    include_drafts: bool = False
    pages: tuple[RenderedPost, ...] = ()
    """Standalone pages (``content/about.md``), by their address."""
    menu: tuple[MenuItem, ...] = ()
    """The header menu: pages with ``menu:``, in order."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """The ``[extra]`` table of distillgen.toml, for templates."""


def newest_first(item: RenderedPost | Post) -> tuple:
    """Sort key: newest first, ties by title, then by path (never by chance)."""
    post = item.post if isinstance(item, RenderedPost) else item
    meta = post.meta
    return (-(meta.pub_date or _UNDATED).timestamp(), meta.title.casefold(), post.source_path)


def assemble_site(rendered: list[RenderedPost], *, include_drafts: bool = False,
                  slugify=None, menu: tuple[MenuItem, ...] = (),
                  extra: Mapping[str, Any] | None = None) -> Site:
    """Order posts, leave drafts out (unless asked), group by tag; pages apart."""
    slugify = slugify or default_slugify
    shown = [p for p in rendered if include_drafts or not p.post.meta.draft]
    pages = sorted((p for p in shown if p.post.is_page), key=lambda p: str(p.post.url_path))
    posts = sorted((p for p in shown if not p.post.is_page), key=newest_first)
    by_slug: dict[str, tuple[str, list[RenderedPost]]] = {}
    for post in posts:
        for tag in post.post.meta.tags:
            slug = slugify(tag)
            name, members = by_slug.setdefault(slug, (tag, []))
            if not members or members[-1] is not post:  # two spellings, one slug
                members.append(post)
    tags = tuple(
        TagPage(name=name, slug=slug, posts=tuple(members))
        for slug, (name, members) in sorted(by_slug.items(),
                                            key=lambda item: (item[1][0].casefold(), item[0]))
    )
    featured = tuple(p for p in posts if p.post.meta.featured)
    return Site(posts=tuple(posts), featured=featured, tags=tags, include_drafts=include_drafts,
                pages=tuple(pages), menu=menu, extra=extra or {})
