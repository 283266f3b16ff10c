"""GitHub's alerts: a blockquote starting ``> [!NOTE]`` (``TIP``, ``IMPORTANT``, ``WARNING``,
``CAUTION``) is a callout, the same element as Quarto's ``::: {.callout-note}``."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from .attributes import Attributes
from .fenced_divs import CALLOUT_TITLES, classify_div
from .locations import closing_index

_MARKER = re.compile(r"^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*(?:\n|$)", re.IGNORECASE)


def alerts_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("dg_classify_divs", "dg_alerts", alerts)


def alerts(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or index + 2 >= len(tokens):
            continue
        if tokens[index + 1].type != "paragraph_open" or tokens[index + 2].type != "inline":
            continue
        inline = tokens[index + 2]
        match = _MARKER.match(inline.content)
        if match is None:
            continue
        kind = match.group(1).lower()
        assert kind in CALLOUT_TITLES
        close = closing_index(tokens, index)
        token.type, token.tag = "dg_div_open", "div"
        tokens[close].type, tokens[close].tag = "dg_div_close", "div"
        token.meta = {"attributes": Attributes(classes=[f"callout-{kind}"]), "alert": True}
        rest = inline.content[match.end():]
        if rest.strip():
            inline.content = rest
            if inline.map:
                inline.map = [inline.map[0] + 1, inline.map[1]]
        else:
            del tokens[index + 1:index + 4]
        classify_div(state, tokens, index, token.meta["attributes"])
        token.meta["role"] = "callout"
