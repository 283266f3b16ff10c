"""Markdown inside HTML blocks, as pandoc's ``markdown_in_html_blocks`` reads it.

CommonMark keeps everything from a ``<div>`` line to the next blank line as raw HTML: math,
citations and emphasis inside it reach the reader as source, and a paragraph written right
after a ``</div>`` line is swallowed. Here an element such as ``<div class="caption">``,
``<aside>``, ``<details>``, ``<figure>`` or ``<figcaption>`` whose opening tag starts a line
and whose closing tag ends one is raw HTML for its two tags only: what lies between is
Markdown, and the element's own indentation does not make its content a code block. A line
of tags alone (an unmatched ``</div>``, a ``<br>``) is raw HTML for that line only, as in
pandoc. ``<pre>``, ``<script>``, ``<style>`` and ``<textarea>`` keep their content verbatim,
as in CommonMark.

Tags are paired once per document (outside fenced code), so finding each element's end
costs nothing more however deeply they nest.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

CONTAINERS = frozenset({
    "div", "aside", "details", "summary", "figure", "figcaption", "section", "article",
    "header", "footer", "main", "nav", "blockquote", "center", "dl", "dt", "dd", "ul", "ol",
    "li", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "p", "h1", "h2",
    "h3", "h4", "h5", "h6", "hgroup", "address", "fieldset", "legend", "form",
    "d-article", "d-appendix", "d-figure", "d-title", "d-byline",
})
"""Elements whose content is Markdown."""
VERBATIM = frozenset({"pre", "script", "style", "textarea"})
"""Elements whose content stays as written (CommonMark's first kind of HTML block)."""
PHRASING = frozenset({"p", "summary", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
                      "legend", "figcaption"})
"""Elements whose content reads as one paragraph: no ``<p>`` inside them."""

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|"
                  r"[^\s\"'=<>`]+))?)*)\s*(/?)>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_ONLY_TAGS = re.compile(r"(?:\s*<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>)+\s*")
PAIRS_KEY = "dg_html_pairs"


def html_blocks_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("code", "dg_html_container", html_container,
                          {"alt": ["paragraph", "reference", "blockquote"]})


def html_pairs(state: StateBlock) -> dict[int, tuple[int, int, str]]:
    """Opening tag start -> (opening tag end, closing tag start, closing tag end)."""
    cached = state.env.get(PAIRS_KEY) if isinstance(state.env, dict) else None
    if cached is not None and cached[0] is state.src:
        return cached[1]
    src = state.src
    skip = _skipped_ranges(src)
    pairs: dict[int, tuple[int, int, str]] = {}
    stacks: dict[str, list[tuple[int, int]]] = {}
    skip_index = 0
    for match in _TAG.finditer(src):
        start = match.start()
        while skip_index < len(skip) and skip[skip_index][1] <= start:
            skip_index += 1
        if skip_index < len(skip) and skip[skip_index][0] <= start:
            continue
        name = match.group(2).lower()
        if name not in CONTAINERS or match.group(4):
            continue
        if match.group(1):
            stack = stacks.get(name)
            if stack:
                opening, opening_end = stack.pop()
                pairs[opening] = (opening_end, start, match.group(0))
        else:
            stacks.setdefault(name, []).append((start, match.end()))
    if isinstance(state.env, dict):
        state.env[PAIRS_KEY] = (src, pairs)
    return pairs


def _skipped_ranges(src: str) -> list[tuple[int, int]]:
    """Fenced code and comments, where tags are not tags."""
    ranges = [(m.start(), m.end()) for m in _COMMENT.finditer(src)]
    fence: tuple[str, int] | None = None
    for match in _FENCE_LINE.finditer(src):
        marker = match.group(1)
        if fence is None:
            fence = (marker, match.start())
        elif marker[0] == fence[0][0] and len(marker) >= len(fence[0]):
            line_end = src.find("\n", match.end())
            if not src[match.end():line_end if line_end >= 0 else len(src)].strip():
                ranges.append((fence[1], match.end()))
                fence = None
    if fence is not None:
        ranges.append((fence[1], len(src)))
    return sorted(ranges)


def _line_of(state: StateBlock, position: int, start: int, end: int) -> int | None:
    for line in range(start, end):
        if state.bMarks[line] <= position <= state.eMarks[line]:
            return line
    return None


def html_container(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4 and state.parentType != "dg_html":
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    line_end = state.eMarks[start_line]
    if begin >= line_end or state.src[begin] != "<":
        return False
    match = _TAG.match(state.src, begin)
    if match is None or match.group(2).lower() in VERBATIM:
        return False
    is_container = match.group(2).lower() in CONTAINERS
    pair = html_pairs(state).get(begin) if not match.group(1) and is_container else None
    close_line = None
    if pair is not None:
        close_line = _line_of(state, pair[1], start_line, min(end_line, state.lineMax))
        if close_line is not None and state.src[pair[1] + len(pair[2]):
                                                state.eMarks[close_line]].strip():
            close_line = None  # something follows the closing tag on its line
    if close_line is None:
        only = _ONLY_TAGS.fullmatch(state.src, begin, line_end)
        if only is None or any(name.lower() in VERBATIM
                               for _, name in _ONLY_TAGS_NAMES.findall(state.src[begin:line_end])):
            return False
        if silent:
            return True
        token = state.push("html_block", "", 0)
        token.map = [start_line, start_line + 1]
        token.content = state.src[begin:line_end] + "\n"
        state.line = start_line + 1
        return True
    if silent:
        return True
    assert pair is not None
    open_container(state, start_line, close_line, match.end(), pair, match.group(2).lower())
    return True


_ONLY_TAGS_NAMES = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


def open_container(state: StateBlock, start_line: int, close_line: int, content_start: int,
               pair: tuple[int, int, str], name: str) -> None:
    begin = state.bMarks[start_line] + state.tShift[start_line]
    close_start = pair[1]
    opening = state.push("html_block", "", 0)
    opening.map = [start_line, start_line + 1]
    opening.content = state.src[begin:content_start] + "\n"
    level = state.level

    on_open_line = bool(state.src[content_start:state.eMarks[start_line]].strip())
    saved = {line: (state.bMarks[line], state.eMarks[line], state.tShift[line],
                    state.sCount[line]) for line in (start_line, close_line)}
    old = (state.blkIndent, state.lineMax, state.parentType)
    first = start_line if on_open_line else start_line + 1
    if on_open_line:
        _cut_start(state, start_line, content_start)
    last = close_line + 1
    cut_end = bool(state.src[state.bMarks[close_line]:close_start].strip()) or \
        close_line == start_line
    if cut_end:
        state.eMarks[close_line] = close_start
    else:
        last = close_line
    indents = [state.sCount[line] for line in range(first, last)
               if state.bMarks[line] + state.tShift[line] < state.eMarks[line]]
    if first == start_line and indents:
        indents = indents[1:] or [state.blkIndent]
    state.blkIndent = max(min(indents, default=state.blkIndent), 0)
    state.lineMax = last
    state.parentType = "dg_html"
    first_token = len(state.tokens)
    if first < last:
        state.md.block.tokenize(state, first, last)
    state.blkIndent, state.lineMax, state.parentType = old
    if cut_end:
        _end_lines_at_cut(state, first_token, close_line, close_start)
    for line, (b_mark, e_mark, shift, count) in saved.items():
        state.bMarks[line], state.eMarks[line] = b_mark, e_mark
        state.tShift[line], state.sCount[line] = shift, count
    inner = [t for t in state.tokens[first_token:] if t.level == level]
    paragraphs = [t for t in inner if t.type == "paragraph_open"]
    if name in PHRASING or (on_open_line and len(paragraphs) == 1 and len(inner) == 3):
        for token in state.tokens[first_token:]:
            if token.type in ("paragraph_open", "paragraph_close") and token.level == level:
                token.hidden = True
    closing = state.push("html_block", "", 0)
    closing.map = [close_line, close_line + 1]
    closing.content = pair[2] + "\n"
    state.line = close_line + 1


def _end_lines_at_cut(state: StateBlock, first_token: int, line: int, cut: int) -> None:
    """A block rule that keeps its last line end (raw HTML, code) reads one character past a
    line's end, which on the line cut before the closing tag is that tag's ``<``, not a line
    break: give those blocks their line break back."""
    stray = state.src[cut]
    for token in state.tokens[first_token:]:
        if token.map and token.map[1] == line + 1 and token.content.endswith(stray) and \
                token.type in ("html_block", "code_block", "fence"):
            token.content = token.content[:-1] + "\n"


def _cut_start(state: StateBlock, line: int, position: int) -> None:
    """Make ``line`` start at ``position`` (after the opening tag)."""
    text_start = position
    while text_start < state.eMarks[line] and state.src[text_start] in " \t":
        text_start += 1
    state.bMarks[line] = position
    state.tShift[line] = text_start - position
    state.sCount[line] = state.blkIndent
