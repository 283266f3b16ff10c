"""Headings: pandoc attributes, levels, stable ids, and the table of contents they feed.

``## Title {#sec-intro .unnumbered}`` sets the id and classes (``-`` is ``.unnumbered``;
``.unlisted`` keeps a heading out of the contents; ``.appendix`` moves its section to the
appendix, as in R distill). The page title is the ``<h1>``, so a post whose sections are
``#`` headings has every body heading moved one level down; the table of contents lists the
two highest levels the post uses, whichever they are.
"""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

from ..model import TocEntry
from .attributes import apply, parse_attributes

TOC_DEPTH = 2
"""How many of the post's heading levels the table of contents lists."""
_TRAILING_ATTRIBUTES = re.compile(r"\s*(\{[^{}]*\})\s*$")


def heading_slug(title: str) -> str:
    """GitHub-like ids: lowercase words joined by hyphens; never empty."""
    text = unicodedata.normalize("NFKC", title).lower().strip()
    text = re.sub(r"[^\w\s-]", "", text)
    text = re.sub(r"[\s_-]+", "-", text).strip("-")
    return text or "section"


def headings_plugin(md: MarkdownIt) -> None:
    """Heading attributes and levels first, then ids on h1–h6 (explicit ``{#id}`` wins)."""
    md.core.ruler.after("inline", "dg_heading_attributes", heading_attributes)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_slug)


def heading_attributes(state: StateCore) -> None:
    """Take ``{…}`` off the end of each heading onto the heading; shift ``#`` sections."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        _take_attributes(token, inline)
    if any(t.type == "heading_open" and t.tag == "h1" and t.level == 0 for t in tokens):
        for token in tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


def _take_attributes(heading: Token, inline: Token) -> None:
    children = inline.children or []
    if not children or children[-1].type != "text":
        return
    last = children[-1]
    match = _TRAILING_ATTRIBUTES.search(last.content)
    if match is None:
        return
    parsed = parse_attributes(match.group(1))
    if parsed is None or parsed[1] != len(match.group(1)) or parsed[0].raw_format:
        return
    attributes = parsed[0]
    last.content = last.content[:match.start()]
    if not last.content:
        children.pop()
    inline.content = _TRAILING_ATTRIBUTES.sub("", inline.content)
    for name in ("unnumbered", "unlisted", "appendix"):
        if name in attributes.classes:
            heading.meta[name] = True
    apply(heading, attributes)


def _toc_children(children: list[Token]) -> list[Token]:
    """A heading's inline tokens without links, citations and note markers (no nested links)."""
    skipped = {"citation", "footnote_ref", "link_open", "link_close"}
    return [child for child in children if child.type not in skipped]


def toc_levels(tokens: list[Token]) -> tuple[int, ...]:
    """The two highest heading levels of the body (headings inside blocks not counted)."""
    used = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open" and t.level == 0
                   and not t.meta.get("unlisted")})
    return tuple(used[:TOC_DEPTH])


def table_of_contents(md: MarkdownIt, tokens: list[Token], env) -> tuple[TocEntry, ...]:
    """The body's headings of the levels it uses most prominently, with ids and inline HTML."""
    levels = toc_levels(tokens)
    entries = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0 or token.meta.get("unlisted") \
                or int(token.tag[1]) not in levels:
            continue
        inline = tokens[index + 1]
        inner = md.renderer.renderInline(_toc_children(inline.children or []), md.options, env)
        entries.append(TocEntry(level=int(token.tag[1]), anchor=str(token.attrGet("id")),
                                html=inner.strip()))
    return tuple(entries)
