"""Numbers for figures, tables, theorem-like blocks and sections, registered as targets.

A core rule, run once the post is parsed: figures and tables with a ``fig-``/``tbl-`` id are
numbered per kind in document order (as Quarto does), theorem-like blocks per kind, and
sections with a ``sec-`` id hierarchically over the heading levels the post uses ("2.1").
Each numbered thing with an id becomes a :class:`~.targets.Target` in ``RenderState.targets``
before anything renders, so a reference may come before its target. Captions and theorem
titles show the number; :func:`render_previews` fills each target's preview.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections import Counter
from string import ascii_lowercase

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .crossref import register_target
from .fenced_divs import THEOREM_KINDS
from .locations import closing_index
from .state import RenderState, state_of
from .targets import KIND_NAMES, Target


def numbering_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("dg_number_targets", number_targets)


def _register(state: RenderState, env, kind: str, label: str, number: str, token: Token,
              span: tuple[int, int]) -> None:
    line = (token.map[0] if token.map else 0) + state.line_offset + 1
    target = Target(kind=kind, label=label, anchor=label, number=number, line=line)
    if register_target(state, target, state.location(token)):  # else a duplicate-label
        state.target_ranges[label] = span


def number_targets(state: StateCore) -> None:
    """Number and register every target of the post."""
    tokens = state.tokens
    render_state = state_of(state.env)
    counts: Counter[str] = Counter()
    section_levels = sorted({int(t.tag[1]) for t in tokens
                             if t.type == "heading_open" and t.level == 0
                             and not t.meta.get("unnumbered")})
    section_counters = [0] * len(section_levels)
    figure_parent: list[tuple[int, str, list[int]]] = []  # (close index, number, subcount)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        while figure_parent and index > figure_parent[-1][0]:
            figure_parent.pop()
        ident = str(token.attrs.get("id", "")) if token.attrs else ""
        if token.type == "heading_open" and token.level == 0 and section_levels \
                and not token.meta.get("unnumbered"):
            depth = section_levels.index(int(token.tag[1]))
            section_counters[depth] += 1
            section_counters[depth + 1:] = [0] * (len(section_counters) - depth - 1)
            if ident.startswith("sec-"):
                number = ".".join(str(n) for n in section_counters[:depth + 1] if n) or "1"
                _register(render_state, state.env, "sec", ident, number, token,
                          (index + 1, index + 1))
        elif token.type in ("figure_open", "dg_div_open") and ident.startswith("fig-") \
                and (token.type == "figure_open" or token.meta.get("role") == "figure"):
            close = closing_index(tokens, index)
            if figure_parent:
                parent = figure_parent[-1]
                letter = ascii_lowercase[parent[2][0] % 26]
                parent[2][0] += 1
                number, shown = parent[1] + letter, f"({letter})"
            else:
                counts["fig"] += 1
                number = shown = str(counts["fig"])
                shown = f"{KIND_NAMES['fig']} {number}"
            _caption_prefix(tokens, index, close, shown)
            _register(render_state, state.env, "fig", ident, number, token, (index, close))
            if token.type == "dg_div_open":
                figure_parent.append((close, number, [0]))
        elif token.type == "table_open" and ident.startswith("tbl-"):
            counts["tbl"] += 1
            number = str(counts["tbl"])
            close = closing_index(tokens, index)
            caption = next((i for i in range(index, close) if tokens[i].type ==
                            "dg_table_caption_open"), None)
            if caption is not None:
                tokens[caption].meta["prefix"] = f"{KIND_NAMES['tbl']} {number}"
                span = (caption, caption + 2)
            else:
                span = (index, close)
            _register(render_state, state.env, "tbl", ident, number, token, span)
        elif token.type == "dg_div_open" and token.meta.get("role") == "theorem":
            kind = token.meta["kind"]
            counts[kind] += 1
            number = str(counts[kind])
            _theorem_title(state, tokens, index, THEOREM_KINDS[kind], number,
                           token.meta.get("name", ""))
            if ident:
                _register(render_state, state.env, kind, ident, number, token,
                          (index, closing_index(tokens, index)))
        elif token.type == "dg_div_open" and token.meta.get("role") == "proof":
            _theorem_title(state, tokens, index, token.meta["word"], "",
                           token.meta.get("name", ""), proof=True)
        index += 1


def _caption_prefix(tokens: list[Token], index: int, close: int, shown: str) -> None:
    """Put "Figure 1" in front of the figure's caption (an image's alt text or a div's)."""
    for position in range(close - 1, index, -1):
        candidate = tokens[position]
        if candidate.type == "dg_caption_open" and candidate.level == tokens[index].level + 1:
            candidate.meta["prefix"] = shown
            return
    if tokens[index].type == "figure_open":
        inline = tokens[index + 1]
        for child in inline.children or []:
            if child.type == "image" and child.meta.get("figure"):
                child.meta["caption_prefix"] = shown
                return


def _theorem_title(state: StateCore, tokens: list[Token], index: int, word: str, number: str,
                   name: str, *, proof: bool = False) -> None:
    """"Theorem 1 (Name)." at the start of the block's first paragraph."""
    label = f"{word} {number}".strip()
    css = "proof-title" if proof else "theorem-title"
    opening = Token("dg_title_open", "span", 1)
    opening.meta = {"kind": "theorem",
                    "html": f'<span class="{css}">{html.escape(label)}' + (" (" if name else "")}
    closing = Token("dg_title_close", "span", -1)
    closing.meta = {"kind": "theorem", "html": (")" if name else "") + ".</span> "}
    inserted = [opening]
    if name:
        inline = Token("inline", "", 0)
        inline.content = name
        inline.map = tokens[index].map
        inline.children = []
        state.md.inline.parse(name, state.md, state.env, inline.children)
        inserted.append(inline)
    inserted.append(closing)
    first = index + 1
    if first < len(tokens) and tokens[first].type == "paragraph_open":
        tokens[first + 1:first + 1] = inserted
    else:
        tokens[first:first] = [Token("paragraph_open", "p", 1), *inserted,
                               Token("paragraph_close", "p", -1)]


_ID_ATTR = re.compile(r'\s(?:id|aria-describedby)="[^"]*"')


def render_previews(md: MarkdownIt, tokens: list[Token], env) -> None:
    """Fill every target's ``preview_html`` before the body renders, so a reference that
    comes first can show it. Previews render like the feed copy (no hover cards inside a
    card), citations by author and year (their numbers are not known yet), without element
    ids (the page already has them); whatever the pass records is undone."""
    state = state_of(env)
    ranges = state.target_ranges
    if not ranges:
        return
    saved = (dict(state.cited), set(state.cite_anchors), state.ids_used, len(state.diagnostics),
             dict(state.assets), list(state.links), set(state.files_looked_up),
             state.settings)
    state.for_feed = True
    state.settings = dataclasses.replace(state.settings, citation_style="author-year")
    try:
        for label, (first, last) in ranges.items():
            target = state.targets.get(label)
            if target is None or target.preview_html:
                continue
            piece = tokens[first:last + 1]
            if target.kind == "sec" and piece and piece[0].type == "inline":
                rendered = md.renderer.renderInline(  # type: ignore[attr-defined]
                    piece[0].children or [], md.options, env)
            else:
                rendered = md.renderer.render(piece, md.options, env)
            target.preview_html = _ID_ATTR.sub("", rendered).strip()
    finally:
        state.for_feed = False
        (state.cited, state.cite_anchors, state.ids_used, count, state.assets, state.links,
         state.files_looked_up, state.settings) = saved
        del state.diagnostics[count:]
