"""Tables: GFM pipe tables, pandoc grid tables, and pandoc's table captions.

Wide tables scroll sideways inside the column, and a scrollable region must be reachable
without a mouse, so tables take focus. A paragraph starting ``Table:`` or ``:`` right before
or after a table is its ``<caption>`` (attributes at its end, ``{#tbl-x}``, go to the table).
Grid tables (``+---+---+`` borders, ``+===+`` under the header) hold Markdown blocks in their
cells, multi-line ones included; a cell running across a missing ``|`` spans those columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .attributes import apply, parse_attributes
from .locations import closing_index, source_lines

_CAPTION = re.compile(r"^(?:Table)?:\s+|^Table:\s*")
_CAPTION_ATTRIBUTES = re.compile(r"\s*(\{[^{}]*\})\s*$")
_GRID_BORDER = re.compile(r"\+(?:[-=:]+\+)+\s*")


def tables_plugin(md: MarkdownIt) -> None:
    """GFM tables with ``tabindex="0"``, grid tables, and captions."""
    md.enable("table")
    md.block.ruler.before("table", "dg_grid_table", grid_table,
                          {"alt": ["paragraph", "reference"]})
    md.core.ruler.after("block", "dg_table_captions", table_captions)

    def render_table_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        tokens[idx].attrSet("tabindex", "0")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("table_open", render_table_open)
    md.add_render_rule("dg_table_caption_open", render_caption_open)
    md.add_render_rule("dg_table_caption_close",
                       lambda self, tokens, idx, options, env: "</caption>\n")


def render_caption_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    prefix = tokens[idx].meta.get("prefix")
    if prefix:
        return f'<caption><span class="table-number">{prefix}</span>: '
    return "<caption>"


# --------------------------------------------------------------------------- captions


def _caption_paragraph(tokens: list[Token], index: int) -> bool:
    return (index + 2 < len(tokens) and tokens[index].type == "paragraph_open"
            and tokens[index + 1].type == "inline" and tokens[index + 2].type == "paragraph_close"
            and _CAPTION.match(tokens[index + 1].content) is not None)


def table_captions(state: StateCore) -> None:
    """Turn ``Table: …`` / ``: …`` paragraphs next to a table into its caption."""
    tokens = state.tokens
    body_lines = source_lines(state)
    index = 0
    while index < len(tokens):
        if tokens[index].type != "table_open":
            index += 1
            continue
        table = tokens[index]
        close = closing_index(tokens, index)
        caption: Token | None = None
        row = _caption_row(tokens, index, close, body_lines)
        if row is not None:
            start, end, caption = row
            del tokens[start:end + 1]
            close -= end + 1 - start
            _drop_empty_body(tokens, index)
            close = closing_index(tokens, index)
        elif _caption_paragraph(tokens, close + 1):
            caption = tokens[close + 2]
            del tokens[close + 1:close + 4]
        elif index >= 3 and _caption_paragraph(tokens, index - 3) \
                and tokens[index - 3].level == table.level:
            caption = tokens[index - 2]
            del tokens[index - 3:index]
            index -= 3
        if caption is not None:
            _attach_caption(tokens, index, caption)
        index += 1


def _caption_row(tokens: list[Token], index: int, close: int, body_lines: list[str]):
    """A GFM table swallows a ``: Caption`` line right below it as a last row: take it back."""
    last_open = max((i for i in range(index, close) if tokens[i].type == "tr_open"), default=None)
    if last_open is None or not tokens[last_open].map:
        return None
    line = tokens[last_open].map[0]  # type: ignore[index]  # checked above
    source = body_lines[line].strip() if line < len(body_lines) else ""
    if "|" in source or _CAPTION.match(source) is None:
        return None
    row_close = closing_index(tokens, last_open)
    inline = Token("inline", "", 0)
    inline.content = source
    inline.map = [line, line + 1]
    inline.children = []
    return last_open, row_close, inline


def _drop_empty_body(tokens: list[Token], index: int) -> None:
    close = closing_index(tokens, index)
    for position in range(index, close):
        if tokens[position].type == "tbody_open" and tokens[position + 1].type == "tbody_close":
            del tokens[position:position + 2]
            return


def _attach_caption(tokens: list[Token], index: int, inline: Token) -> None:
    text = _CAPTION.sub("", inline.content, count=1)
    match = _CAPTION_ATTRIBUTES.search(text)
    if match:
        parsed = parse_attributes(match.group(1))
        if parsed is not None and parsed[1] == len(match.group(1)):
            apply(tokens[index], parsed[0])
            text = text[:match.start()]
    inline.content = text.strip()
    opening = Token("dg_table_caption_open", "caption", 1)
    opening.meta = {}
    closing = Token("dg_table_caption_close", "caption", -1)
    tokens[index + 1:index + 1] = [opening, inline, closing]


# --------------------------------------------------------------------------- grid tables


def grid_table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    indent = state.bMarks[start_line] + state.tShift[start_line]
    first = state.src[indent:state.eMarks[start_line]]
    if not _GRID_BORDER.fullmatch(first):
        return False
    lines = [first.rstrip()]
    line = start_line + 1
    while line < end_line:
        text = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]].rstrip()
        if not text or text[0] not in "+|":
            break
        lines.append(text)
        line += 1
    table = _parse_grid(lines)
    if table is None:
        return False
    if silent:
        return True
    _emit_grid(state, table, start_line, line)
    state.line = line
    return True


def _parse_grid(lines: list[str]):
    """(alignments, header rows, body rows); a row is a list of (text, colspan). None when the
    lines do not form a grid table."""
    if len(lines) < 3 or not _GRID_BORDER.fullmatch(lines[-1]):
        return None
    width = len(lines[0])
    boundaries = [i for i, char in enumerate(lines[0]) if char == "+"]
    if any(len(line) != width for line in lines):
        return None
    header_end = next((i for i, line in enumerate(lines) if i and "=" in line
                       and _GRID_BORDER.fullmatch(line)), None)
    aligning = lines[header_end] if header_end is not None else lines[0]
    alignments = []
    for left, right in zip(boundaries, boundaries[1:], strict=False):
        segment = aligning[left + 1:right]
        starts, ends = segment.startswith(":"), segment.endswith(":")
        alignments.append("center" if starts and ends else "left" if starts else
                          "right" if ends else "")
    rows: list[list[tuple[str, int]]] = []
    head_rows = 0
    current: list[str] = []
    for number, line in enumerate(lines[1:], start=1):
        if _GRID_BORDER.fullmatch(line):
            if not current:
                return None
            row = _row_cells(current, boundaries)
            if row is None:
                return None
            rows.append(row)
            current = []
            if number == header_end:
                head_rows = len(rows)
            continue
        if line[0] != "|" or line[-1] != "|":
            return None
        current.append(line)
    if current:
        return None
    return alignments, rows[:head_rows], rows[head_rows:]


def _row_cells(lines: list[str], boundaries: list[int]) -> list[tuple[str, int]] | None:
    present = [b for b in boundaries if all(line[b] == "|" for line in lines)]
    if present[0] != boundaries[0] or present[-1] != boundaries[-1]:
        return None
    cells = []
    for left, right in zip(present, present[1:], strict=False):
        span = boundaries.index(right) - boundaries.index(left)
        text = "\n".join(line[left + 1:right] for line in lines)
        cells.append((_dedent(text), span))
    return cells


def _dedent(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines).strip("\n")


def _emit_grid(state: StateBlock, table, start_line: int, end_line: int) -> None:
    alignments, head, body = table
    token = state.push("table_open", "table", 1)
    token.map = [start_line, end_line]
    for section, rows, cell_tag in (("thead", head, "th"), ("tbody", body, "td")):
        if not rows:
            continue
        state.push(f"{section}_open", section, 1)
        for row in rows:
            state.push("tr_open", "tr", 1).map = [start_line, end_line]
            column = 0
            for text, span in row:
                cell = state.push(f"{cell_tag}_open", cell_tag, 1)
                if span > 1:
                    cell.attrSet("colspan", str(span))
                if alignments[column]:
                    cell.attrSet("style", f"text-align:{alignments[column]}")
                column += span
                _cell_blocks(state, text, start_line)
                state.push(f"{cell_tag}_close", cell_tag, -1)
            state.push("tr_close", "tr", -1)
        state.push(f"{section}_close", section, -1)
    state.push("table_close", "table", -1)


def _cell_blocks(state: StateBlock, text: str, line: int) -> None:
    """A cell's Markdown blocks; a cell of one paragraph shows no ``<p>``."""
    if not text.strip():
        return
    inner: list[Token] = []
    state.md.block.parse(text, state.md, state.env, inner)
    for token in inner:
        token.level += state.level
        if token.map:
            token.map = [line + token.map[0], line + token.map[1]]
    paragraphs = [t for t in inner if t.type == "paragraph_open" and t.level == state.level]
    if len(paragraphs) == 1 and len(inner) == 3:
        inner[0].hidden = inner[2].hidden = True
    state.tokens.extend(inner)
