r"""Which lines of a displayed formula are numbered, and how, as amsmath decides.

A display is numbered when it carries a ``\label`` (or Quarto's ``{#eq-…}``); ``equation``
is numbered once; ``align``, ``gather``, ``flalign``, ``alignat`` and ``eqnarray`` number each
row; ``multline`` numbers its last line. ``\tag{…}`` sets a row's tag instead of a number,
``\notag``/``\nonumber`` leave a row unnumbered, and the starred environments number nothing.
An environment that is not the whole formula (``x = \begin{align}…``) numbers nothing
itself: it is laid out like ``aligned``.

:func:`scan` reads this from the TeX; the post's numbers are handed out in document order by
the math plugin, and the converter puts them where :class:`Numbering` says.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import MathError
from .vocabulary import TOKEN_RE

ROW_ENVIRONMENTS = frozenset({"align", "gather", "flalign", "alignat", "eqnarray"})
"""Environments that number every row."""
_SINGLE = frozenset({"equation"})
_LAST_ROW = frozenset({"multline"})
NUMBERING_ENVIRONMENTS = frozenset(
    {name + star for name in ROW_ENVIRONMENTS | _SINGLE | _LAST_ROW for star in ("", "*")})


@dataclass(frozen=True)
class Row:
    """One line of a display as far as numbering goes."""

    numbered: bool
    """Gets the next number, unless it has a tag."""
    label: str | None = None
    label_offset: int = 0
    """Offset of the ``\\label`` in the TeX, for errors."""
    tag: str | None = None
    """The text of a ``\\tag{…}`` as written."""
    tag_starred: bool = False
    """``\\tag*{…}``: shown without parentheses."""


@dataclass(frozen=True)
class Layout:
    """The numbered lines of a display."""

    rows: tuple[Row, ...]
    per_row: bool
    """Numbers stand at each row of the formula's table (else one number for the whole)."""


@dataclass(frozen=True)
class Numbering:
    """What the converter shows: each row's tag as displayed, and each row's element id."""

    tags: tuple[str | None, ...]
    """``(1)``, ``A.1`` (a starred tag) or None, one per row."""
    anchors: tuple[str | None, ...] = ()
    """Element ids for the rows of a per-row layout (the container carries a single one)."""
    per_row: bool = False


def scan(tex: str, *, labelled: bool = False) -> Layout:
    """The numbering of display math ``tex``; ``labelled``: Quarto's ``{#eq-…}`` follows it.

    Raises MathError for two labels or two tags on one line. Anything else wrong with the
    TeX is left to the converter, which reports it with its own message.
    """
    tokens = [(match.group(), match.start()) for match in TOKEN_RE.finditer(tex)
              if match.group()[0] != "%"]
    significant = [i for i, (text, _) in enumerate(tokens) if not text.isspace()]
    environment = _whole_environment(tokens, significant)
    if environment is None or labelled:
        row = _row(tokens, 0, len(tokens), numbered=None)
        if labelled and row.label is None:
            row = Row(True, None, 0, row.tag, row.tag_starred)
        return Layout((row,), per_row=False)
    name, body_start, body_end = environment
    base = name.rstrip("*")
    starred = name.endswith("*")
    if base in _SINGLE:
        return Layout((_row(tokens, body_start, body_end, numbered=not starred),), False)
    bounds = _row_bounds(tokens, body_start, body_end)
    if base in _LAST_ROW:
        rows = [_row(tokens, first, last, numbered=False) for first, last in bounds]
        suppressed = any(text in (r"\notag", r"\nonumber")
                         for text, _ in tokens[body_start:body_end])
        merged = _merge(rows, numbered=not starred and not suppressed)
        return Layout((*(Row(False) for _ in rows[:-1]), merged), per_row=True)
    rows = [_row(tokens, first, last, numbered=not starred) for first, last in bounds]
    return Layout(tuple(rows), per_row=True)


def _whole_environment(tokens: list[tuple[str, int]],
                       significant: list[int]) -> tuple[str, int, int] | None:
    """(name, body start, body end) when the formula is one numbering environment."""
    if len(significant) < 8 or tokens[significant[0]][0] != r"\begin":
        return None
    name = _group_text(tokens, significant[0] + 1)
    if name is None or name[0] not in NUMBERING_ENVIRONMENTS:
        return None
    environment, body_start = name
    closing = [r"\end", "{", *environment, "}"]
    tail = [tokens[i][0] for i in significant[-len(closing):]]
    if "".join(tail) != "".join(closing):
        return None
    end = significant[-len(closing)]
    depth = 0
    for index in range(body_start, end):
        text = tokens[index][0]
        depth += text == r"\begin"
        depth -= text == r"\end"
        if depth < 0:
            return None  # the first \begin closes before the end: two environments
    return (environment, body_start, end) if depth == 0 else None


def _group_text(tokens: list[tuple[str, int]], index: int) -> tuple[str, int] | None:
    """The text of the ``{…}`` group at ``index`` (spaces before it skipped), and the index
    after it."""
    while index < len(tokens) and tokens[index][0].isspace():
        index += 1
    if index >= len(tokens) or tokens[index][0] != "{":
        return None
    close = index + 1
    while close < len(tokens) and tokens[close][0] != "}":
        if tokens[close][0] == "{":
            return None
        close += 1
    if close >= len(tokens):
        return None
    return "".join(text for text, _ in tokens[index + 1:close]).strip(), close + 1


def _row_bounds(tokens: list[tuple[str, int]], start: int, end: int) -> list[tuple[int, int]]:
    """Token ranges of the rows of an environment's body: split at its own ``\\\\``; an empty
    last row (after a final ``\\\\``) is none, as in TeX."""
    bounds = []
    depth = 0
    first = start
    for index in range(start, end):
        text = tokens[index][0]
        if text in ("{", r"\begin", r"\left"):
            depth += 1
        elif text in ("}", r"\end", r"\right"):
            depth -= 1
        elif text == r"\\" and depth == 0:
            bounds.append((first, index))
            first = index + 1
    bounds.append((first, end))
    if len(bounds) > 1 and not _has_content(tokens, *bounds[-1]):
        bounds.pop()
    return bounds


def _has_content(tokens: list[tuple[str, int]], start: int, end: int) -> bool:
    """Whether a row holds more than spaces, row spacing, ``\\notag`` and the like."""
    skip = {r"\notag", r"\nonumber", "*"}
    return any(not text.isspace() and text not in skip for text, _ in tokens[start:end])


def _row(tokens: list[tuple[str, int]], start: int, end: int, *,
         numbered: bool | None) -> Row:
    """The labels, tag and numbering marks of one row. ``numbered=None``: numbered when it
    has a label (a display outside the numbering environments)."""
    label: str | None = None
    label_offset = 0
    tag: str | None = None
    starred = False
    suppressed = False
    index = start
    while index < end:
        text, offset = tokens[index]
        if text in (r"\notag", r"\nonumber"):
            suppressed = True
        elif text == r"\label":
            found = _group_text(tokens, index + 1)
            if found is None:
                raise MathError(r"\label needs its name in braces", None, offset)
            if label is not None:
                raise MathError(rf"a second \label on one line: {found[0]}",
                                "one equation line has one label; put the other on its own "
                                "line or remove it", offset)
            label, label_offset = found[0], offset
            index = found[1]
            continue
        elif text == r"\tag":
            is_starred = index + 1 < end and tokens[index + 1][0] == "*"
            found = _group_text(tokens, index + 2 if is_starred else index + 1)
            if found is None:
                raise MathError(r"\tag needs its text in braces", None, offset)
            if tag is not None:
                raise MathError(r"only one \tag per line", None, offset)
            tag, starred = " ".join(found[0].split()), is_starred
            index = found[1]
            continue
        index += 1
    if numbered is None:
        numbered = label is not None
    return Row(numbered and not suppressed, label, label_offset, tag, starred)


def _merge(rows: list[Row], *, numbered: bool) -> Row:
    """multline: one number for all its lines, with the label and tag written in any line."""
    labels = [row for row in rows if row.label is not None]
    tags = [row for row in rows if row.tag is not None]
    if len(labels) > 1:
        raise MathError(rf"a second \label in one equation: {labels[1].label}", None,
                        labels[1].label_offset)
    if len(tags) > 1:
        raise MathError(r"only one \tag per equation", None, None)
    label = labels[0] if labels else None
    tag = tags[0] if tags else None
    return Row(numbered, label.label if label else None, label.label_offset if label else 0,
               tag.tag if tag else None, tag.tag_starred if tag else False)


def tag_text(row: Row, number: int | None) -> str | None:
    """What a row shows: its ``\\tag`` (in parentheses unless starred), or ``(number)``."""
    if row.tag is not None:
        return row.tag if row.tag_starred else f"({row.tag})"
    return f"({number})" if number is not None else None


def explicit_numbering(layout: Layout) -> Numbering:
    """The numbering of a display outside a post: its tags only, no automatic numbers."""
    return Numbering(tuple(tag_text(row, None) for row in layout.rows), (), layout.per_row)
