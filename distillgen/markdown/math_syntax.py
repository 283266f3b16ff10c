r"""Where math is in a post: the parse rules for ``$…$``, ``$$…$$``, ``\(…\)`` and ``\[…\]``.

- Inline ``$…$`` and ``$$…$$`` are mdit-py-plugins' dollarmath rule with no space just inside
  the dollars, and no digit right before the opening or after the closing one (``$5 and
  $10`` stays text). That check is ours: the plugin reads ``src[pos - 1]`` at ``pos == 0``,
  i.e. the paragraph's last character, so ``$x$ is 1`` at the start of a paragraph, list item,
  table cell or heading ending in a digit was not math.
- ``\(…\)`` is inline math, ``\[…\]`` display math, as MathJax users write them; in the
  middle of a paragraph ``\[…\]`` must look like math (a command, ``^``, ``_``, ``=``,
  braces or a line break), so an escaped ``\[1\]`` stays brackets.
- Display math on lines of its own (``$$`` or ``\[`` starting a block, the closing delimiter
  ending a line) is a block. Quarto's ``{#eq-x}`` after the closing delimiter labels it, in a
  block or inline. So is an ``equation``, ``align``, ``gather`` or ``multline`` environment
  written without delimiters, as MathJax (and al-folio's example post) lets authors write it.
- Display math inside a paragraph stays in the paragraph (``<math display="block">`` is
  phrasing content), and its lines are never read as Markdown: a ``=`` or ``-`` line inside
  ``$$ … $$`` made the line above a heading, a ``- x`` line started a list.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from .locations import recording_offsets
from .math.numbering import NUMBERING_ENVIRONMENTS

_LABEL_RE = re.compile(r"[ \t]*\{#([^\s{}]+)\}")
"""Quarto's label after display math: ``$$ … $$ {#eq-black-scholes}``."""
_CLOSING_LINE_RE = {
    "$$": re.compile(r"\$\$(?:[ \t]*\{#([^\s{}]+)\})?[ \t]*$"),
    "\\[": re.compile(r"\\\](?:[ \t]*\{#([^\s{}]+)\})?[ \t]*$"),
}
MATH_SIGNS = r"\\^_={}<>|\n"
r"""Characters (a regex class's contents) that make ``\[…\]`` inside a paragraph math: a
command, ``^``, ``_``, ``=``, braces, a line break. Without one it is escaped brackets."""
_LOOKS_LIKE_MATH_RE = re.compile(f"[{MATH_SIGNS}]")
_BEGIN_RE = re.compile(r"\\begin\{([a-z]+\*?)\}")
_dollar_rule = math_inline_dollar(allow_space=False, allow_digits=True, allow_double=True)


def math_syntax(md: MarkdownIt) -> None:
    """Register the inline and block math rules."""
    md.inline.ruler.before("escape", "math_inline", recording_offsets(dollar_math))
    md.inline.ruler.before("escape", "math_backslash", recording_offsets(backslash_math))
    md.block.ruler.before("fence", "math_block", display_block)
    md.block.ruler.before("lheading", "math_paragraph", math_paragraph)


def dollar_math(state: StateInline, silent: bool) -> bool:
    """``$…$`` and ``$$…$$`` inside text."""
    src, start = state.src, state.pos
    if src[start] != "$" or (start > 0 and src[start - 1].isdigit()):
        return False
    if not _dollar_rule(state, True):
        return False
    end = state.pos
    state.pos = start
    if end < len(src) and src[end].isdigit():
        return False  # "$5 and $10": a price, not math
    if silent:
        state.pos = end
    else:
        _dollar_rule(state, False)
    if state.src.startswith("$$", start):
        _take_label(state, silent)
    return True


def backslash_math(state: StateInline, silent: bool) -> bool:
    """``\\(…\\)`` (inline) and ``\\[…\\]`` (display) inside text."""
    src, start = state.src, state.pos
    if src[start] != "\\" or src[start + 1:start + 2] not in ("(", "["):
        return False
    display = src[start + 1] == "["
    closing = "\\]" if display else "\\)"
    end = src.find(closing, start + 2)
    while end != -1 and _escaped(src, end):
        end = src.find(closing, end + 1)
    if end == -1 or end + 2 > state.posMax:
        return False
    content = src[start + 2:end]
    if not content.strip() or (display and not _LOOKS_LIKE_MATH_RE.search(content)):
        return False
    if not silent:
        token = state.push("math_inline_double" if display else "math_inline", "math", 0)
        token.content = content
        token.markup = src[start:start + 2]
    state.pos = end + 2
    if display:
        _take_label(state, silent)
    return True


def _escaped(src: str, position: int) -> bool:
    """Whether the character at ``position`` follows an odd number of backslashes."""
    count = 0
    while position - count - 1 >= 0 and src[position - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _take_label(state: StateInline, silent: bool) -> None:
    """Consume a ``{#eq-x}`` right after display math and keep it on its token."""
    match = _LABEL_RE.match(state.src, state.pos)
    if match is None or match.end() > state.posMax:
        return
    if not silent:
        token = state.tokens[-1]
        token.meta = {**(token.meta or {}), "dg_label": match.group(1)}
    state.pos = match.end()


def display_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """Display math on lines of its own: ``$$`` or ``\\[`` opens a block, and the closing
    delimiter (maybe followed by ``{#eq-x}``) ends a line."""
    if state.is_code_block(startLine):
        return False
    start = state.bMarks[startLine] + state.tShift[startLine]
    first = state.src[start:state.eMarks[startLine]]
    environment = _BEGIN_RE.match(first)
    if environment is not None and environment.group(1) in NUMBERING_ENVIRONMENTS:
        return _environment_block(state, startLine, endLine, silent, environment.group(1))
    opening = first[:2]
    if opening not in _CLOSING_LINE_RE:
        return False
    closing_line = _CLOSING_LINE_RE[opening]
    closing = "$$" if opening == "$$" else "\\]"
    line = startLine
    text_start = start + 2
    while True:
        text = state.src[text_start:state.eMarks[line]]
        found = closing_line.search(text)
        if found is not None and text.find(closing) == found.start():
            break
        if closing in text:
            return False  # closed in the middle of a line: math inside a paragraph
        line += 1
        if line >= endLine or state.isEmpty(line):
            return False
        text_start = state.bMarks[line]
    if silent:
        return True
    content_end = text_start + found.start()
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = _content(state, startLine, start + 2, line, content_end)
    token.markup = opening
    token.map = [startLine, line + 1]
    if found.group(1):
        token.meta = {"dg_label": found.group(1)}
    state.line = line + 1
    return True


def _environment_block(state: StateBlock, startLine: int, endLine: int, silent: bool,
                       name: str) -> bool:
    """``\\begin{equation}`` … ``\\end{equation}`` on lines of their own, without dollars."""
    start = state.bMarks[startLine] + state.tShift[startLine]
    closing = rf"\end{{{name}}}"
    line = startLine
    while True:
        text = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]].rstrip()
        if text.endswith(closing):
            break
        if closing in text:
            return False
        line += 1
        if line >= endLine or state.isEmpty(line):
            return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = _content(state, startLine, start, line,
                             state.src.rindex(closing, 0, state.eMarks[line]) + len(closing))
    token.info = "environment"
    token.map = [startLine, line + 1]
    state.line = line + 1
    return True


def _content(state: StateBlock, first_line: int, start: int, last_line: int, end: int) -> str:
    """The lines between the delimiters, without their containers' prefixes (``> ``)."""
    if first_line == last_line:
        return state.src[start:end]
    parts = [state.src[start:state.eMarks[first_line]]]
    parts += [state.src[state.bMarks[line]:state.eMarks[line]]
              for line in range(first_line + 1, last_line)]
    parts.append(state.src[state.bMarks[last_line]:end])
    return "\n".join(parts)


def math_paragraph(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """A paragraph with display math spanning lines: markdown-it's paragraph, except that a
    line inside the math never ends the paragraph or underlines a heading.

    Runs before ``lheading``; a paragraph whose math opens and closes on one line is left to
    the ordinary rules.
    """
    if state.is_code_block(startLine):
        return False
    terminators = state.md.block.ruler.getRules("paragraph")
    open_delimiter = _open_after(_line(state, startLine), None)
    next_line = startLine + 1
    closed_at = None
    """The line after the last one that closed math opened on an earlier line."""
    old_parent = state.parentType
    state.parentType = "paragraph"
    try:
        while next_line < endLine and not state.isEmpty(next_line):
            if open_delimiter is None and state.sCount[next_line] - state.blkIndent <= 3 \
                    and state.sCount[next_line] >= 0:
                if _is_underline(state, next_line):
                    return False  # a setext heading: lheading's to read
                if any(rule(state, next_line, endLine, True) for rule in terminators):
                    break
            was_open = open_delimiter is not None
            open_delimiter = _open_after(_line(state, next_line), open_delimiter)
            next_line += 1
            if was_open and open_delimiter is None:
                closed_at = next_line
    finally:
        state.parentType = old_parent
    if open_delimiter is not None:
        # A delimiter the paragraph never closes opens no math: what follows it reads as
        # usual (a fence or a heading may end the paragraph there).
        if closed_at is None:
            return False
        next_line = closed_at
    elif closed_at is None:
        return False
    if silent:
        return True
    content = state.getLines(startLine, next_line, state.blkIndent, False).strip()
    state.line = next_line
    token = state.push("paragraph_open", "p", 1)
    token.map = [startLine, next_line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [startLine, next_line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]


def _is_underline(state: StateBlock, line: int) -> bool:
    """A setext heading's underline: ``===`` or ``---`` and nothing else."""
    text = _line(state, line).rstrip()
    return bool(text) and text[0] in "=-" and text == text[0] * len(text)


_DELIMITERS = re.compile(r"\\[\s\S]?|\$\$")
"""What :func:`_open_after` looks at, left to right: a backslash with the character it escapes,
or ``$$``; everything else is skipped in C."""


def _open_after(text: str, open_delimiter: str | None) -> str | None:
    """Which display-math delimiter is still open after a line (given the one open before)."""
    if "\\" not in text and "$$" not in text:
        return open_delimiter
    for match in _DELIMITERS.finditer(text):
        pair = match.group()
        if pair == "$$":
            if open_delimiter != "\\[":
                open_delimiter = None if open_delimiter == "$$" else "$$"
        elif open_delimiter is None and pair == "\\[":
            open_delimiter = "\\["
        elif open_delimiter == "\\[" and pair == "\\]":
            open_delimiter = None
    return open_delimiter
