"""Standalone pages and the site menu.

A Markdown file of the content folder outside ``content/blog/`` is a page (see
:func:`distillgen.addresses.document_kind`): it renders with the whole dialect, publishes
at its path (``content/about.md`` -> ``about/``) and is listed nowhere but the sitemap. A page
with ``menu: N`` is linked from the header of every page, menus ordered by N (then by title).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Post


@dataclass(frozen=True)
class MenuItem:
    """One link of the header menu."""

    title: str
    target: str
    """The page's folder from the site root, with a trailing slash: ``about/``."""
    order: int


@dataclass(frozen=True)
class SiteInfo:
    """What a post's or page's template sees as ``site``: the menu and ``[extra]``.

    Posts render before the site is assembled (in parallel, and cached), so their templates
    get this small record; listing pages get the whole :class:`~distillgen.assemble.Site`,
    which has the same two fields.
    """

    menu: tuple[MenuItem, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


def menu_items(documents: Iterable[Post]) -> tuple[MenuItem, ...]:
    """The pages that asked to be in the menu, by their number, then title, then path."""
    pages = [d for d in documents if d.is_page and d.meta.menu is not None]
    pages.sort(key=lambda d: (d.meta.menu, d.meta.title.casefold(), d.source_path))
    return tuple(MenuItem(d.meta.title, f"{d.url_path}/", d.meta.menu or 0) for d in pages)


def menu_digest(menu: tuple[MenuItem, ...]) -> str:
    """What the menu adds to every page's cache key: a menu change re-runs the templates."""
    return repr(menu)
