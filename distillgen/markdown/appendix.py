"""Blocks the author moves to the appendix: ``::: {.appendix}``, a heading with
``{.appendix}`` (its whole section, as in R distill) and Distill's ``<d-appendix>``.

A core rule takes their tokens out of the body; :func:`render_appendix` renders them for the
page's appendix, after the article and before the notes and references.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .locations import closing_index
from .state import state_of


def appendix_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("dg_heading_attributes", "dg_appendix", move_to_appendix)


def move_to_appendix(state: StateCore) -> None:
    tokens = state.tokens
    moved: list[Token] = []
    body: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level == 0 and token.meta and token.meta.get("appendix"):
            if token.type == "heading_open":
                level = int(token.tag[1])
                end = index + 3
                while end < len(tokens) and not (
                        tokens[end].type == "heading_open" and tokens[end].level == 0
                        and int(tokens[end].tag[1]) <= level):
                    end += 1
                moved.extend(tokens[index:end])
                index = end
                continue
            end = closing_index(tokens, index)
            if token.type == "dg_div_open":
                moved.extend(tokens[index + 1:end])  # the div itself is only a marker
            else:
                moved.extend(tokens[index:end + 1])
            index = end + 1
            continue
        body.append(token)
        index += 1
    if moved:
        state.tokens = body
        state_of(state.env).appendix_tokens = moved


def render_appendix(md: MarkdownIt, env) -> str:
    """The appendix blocks' HTML ("" when there are none)."""
    tokens = state_of(env).appendix_tokens
    if not tokens:
        return ""
    return md.renderer.render(tokens, md.options, env)
