"""Source positions for inline tokens, which markdown-it does not track.

markdown-it gives block tokens a line range (``token.map``) but inline tokens none. Our inline
rules record the offset where they matched inside the paragraph's text; this module turns that
offset into a line and column of the original file, so an unknown citation or a bad formula in
the middle of a paragraph is reported where the author wrote it.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

InlineRule = Callable[[StateInline, bool], bool]

OFFSET = "dg_offset"
"""Token meta key: where the token's markup starts in its parent inline token's content."""
LINE = "dg_line"
"""Token meta key: 0-based line in the Markdown body."""
COLUMN = "dg_column"
"""Token meta key: 0-based column in that line."""
BODY_LINES = "dg_body_lines"
"""env key: the lines of the Markdown body as written, which locations refer to."""


def source_lines(state: Any) -> list[str]:
    """The body's lines as written: as the build passes them, else the parser's own source
    (a state of markdown-it's core, block or inline parser)."""
    return state.env.get(BODY_LINES) or state.src.split("\n")


def closing_index(tokens: list[Token], index: int) -> int:
    """Where the token that closes ``tokens[index]`` stands (the last token if none does)."""
    level = 0
    for position in range(index, len(tokens)):
        level += tokens[position].nesting
        if level == 0:
            return position
    return len(tokens) - 1


def recording_offsets(rule: InlineRule) -> InlineRule:
    """Wrap an inline rule so the tokens it pushes remember where the match started."""

    def located_rule(state: StateInline, silent: bool) -> bool:
        start = state.pos
        first_new = len(state.tokens)
        matched = rule(state, silent)
        if matched and not silent:
            for token in state.tokens[first_new:]:
                token.meta = {**(token.meta or {}), OFFSET: start}
        return matched

    return located_rule


def replace_inline_rule(md: MarkdownIt, name: str, rule: InlineRule) -> None:
    """Swap a registered inline rule for an offset-recording version of ``rule``."""
    md.inline.ruler.at(name, recording_offsets(rule))


def walk(tokens: list[Token]) -> Iterator[tuple[Token, Token | None]]:
    """Every token with the inline token that contains it (None for block tokens)."""
    for token in tokens:
        yield token, None
        for child in token.children or ():
            yield child, token
            # image alt text and similar nest once more
            for grandchild in child.children or ():
                yield grandchild, token


def assign_lines(state: StateCore) -> None:
    """Core rule: give located inline tokens a body line and column from their offsets."""
    body_lines = source_lines(state)
    newlines: dict[int, list[int]] = {}
    for token, parent in walk(state.tokens):
        if parent is None or not token.meta or OFFSET not in token.meta:
            continue
        if not parent.map:
            continue
        if id(parent) not in newlines:
            newlines[id(parent)] = newline_offsets(parent.content)
        line, column = line_and_column(parent, token.meta[OFFSET], body_lines, token.markup,
                                        newlines[id(parent)])
        token.meta[LINE] = line
        token.meta[COLUMN] = column


def locate_children(parent: Token, tokens: list[Token], body_lines: list[str]) -> None:
    """Give located tokens that belong to ``parent``'s text (but are not its children, such
    as the inside of an inline note) a line and column."""
    newlines = newline_offsets(parent.content)
    for token in tokens:
        if token.meta and OFFSET in token.meta and LINE not in token.meta:
            line, column = line_and_column(parent, token.meta[OFFSET], body_lines,
                                            token.markup, newlines)
            token.meta[LINE] = line
            token.meta[COLUMN] = column


def newline_offsets(text: str) -> list[int]:
    """Where ``text`` breaks lines (str.find runs in C; a loop over characters would not)."""
    offsets = []
    found = text.find("\n")
    while found >= 0:
        offsets.append(found)
        found = text.find("\n", found + 1)
    return offsets


def line_and_column(parent: Token, offset: int, body_lines: list[str], markup: str,
                     newlines: list[int]) -> tuple[int, int]:
    """``newlines``: where the parent's content has its line breaks, found once per parent so
    that a paragraph with many located tokens costs linear time, not quadratic."""
    content = parent.content
    line_in_block = bisect.bisect_left(newlines, offset)
    assert parent.map is not None  # assign_lines passes only mapped blocks
    line = parent.map[0] + line_in_block
    column_in_content = offset - (newlines[line_in_block - 1] + 1 if line_in_block else 0)
    source = body_lines[line] if 0 <= line < len(body_lines) else ""
    # The paragraph text lost the line's indentation and container markers ("> ", "- "):
    # find the markup in the real line, searching from where the content column suggests.
    indent = len(source) - len(source.lstrip())
    guess = column_in_content + indent
    needle = (markup or content[offset:offset + 8]).split("\n")[0]
    if needle:
        found = source.find(needle, max(0, guess - 4))
        if found < 0:
            found = source.find(needle)
        if found >= 0:
            return line, found
    return line, min(guess, max(len(source) - 1, 0))


def token_position(token: Token, block: Token | None = None) -> tuple[int, int]:
    """0-based (line, column) in the body for any token we can place."""
    meta: dict[str, Any] = token.meta or {}
    if LINE in meta:
        return meta[LINE], meta.get(COLUMN, 0)
    if token.map:
        return token.map[0], 0
    if block is not None and block.map:
        return block.map[0], 0
    return 0, 0
