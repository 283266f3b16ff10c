"""GFM tables that a keyboard can scroll: wide tables scroll sideways inside the column, and
a scrollable region must be reachable without a mouse, so tables take focus."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token


def tables_plugin(md: MarkdownIt) -> None:
    """Enable GFM tables, rendered with ``tabindex="0"``."""
    md.enable("table")

    def render_table_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        tokens[idx].attrSet("tabindex", "0")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("table_open", render_table_open)
