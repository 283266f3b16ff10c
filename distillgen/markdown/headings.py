"""Heading ids (stable, from the heading text) and the table of contents they feed."""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

from ..model import TocEntry

TOC_LEVELS = (2, 3)


def heading_slug(title: str) -> str:
    """GitHub-like ids: lowercase words joined by hyphens; never empty."""
    text = unicodedata.normalize("NFKC", title).lower().strip()
    text = re.sub(r"[^\w\s-]", "", text)
    text = re.sub(r"[\s_-]+", "-", text).strip("-")
    return text or "section"


def headings_plugin(md: MarkdownIt) -> None:
    """Ids on h1–h4 headings; explicit ``{#id}`` attributes win."""
    md.use(anchors_plugin, min_level=1, max_level=4, slug_func=heading_slug)


def _toc_children(children: list[Token]) -> list[Token]:
    """A heading's inline tokens without links, citations and note markers (no nested links)."""
    skipped = {"citation", "footnote_ref", "link_open", "link_close"}
    return [child for child in children if child.type not in skipped]


def table_of_contents(md: MarkdownIt, tokens: list[Token], env) -> tuple[TocEntry, ...]:
    """Every h2/h3 of the body, with its id and inline HTML (math kept)."""
    entries = []
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML)  # the only renderer make_markdown sets up
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or int(token.tag[1]) not in TOC_LEVELS:
            continue
        inline = tokens[index + 1]
        inner = renderer.renderInline(_toc_children(inline.children or []), md.options, env)
        entries.append(TocEntry(level=int(token.tag[1]), anchor=str(token.attrGet("id")),
                                html=inner.strip()))
    return tuple(entries)
