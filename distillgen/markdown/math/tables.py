r"""Tables in the form browsers lay out: column alignment and spacing as CSS on the cells.

latex2mathml marks alignment with ``columnalign`` on each ``<mtd>`` and spacing with
``columnspacing`` on the ``<mtable>``; MathML Core has neither, so Chromium centres every
cell and pads it 0.4em on each side: the ``=`` signs of an ``aligned`` derivation did not line
up. Each cell gets the same layout as a ``style`` (the attributes stay, for Firefox and Safari,
which also honour them): ``text-align`` (with the ``-webkit-`` spelling Chromium needs inside
a table cell of math), and paddings that realise the column spacing, so the right and left
halves of an ``align`` pair touch at the alignment point.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

_LENGTH_RE = re.compile(r"(-?\d*\.?\d+)em")


def lay_out_tables(root: ElementTree.Element) -> None:
    """Alignment and spacing styles on every cell of every table in ``root``."""
    for table in root.iter("mtable"):
        gaps = _gaps(table.get("columnspacing"))
        for row in table:
            cells = list(row)
            for column, cell in enumerate(cells):
                styles = []
                align = cell.get("columnalign")
                if align in ("left", "right"):
                    styles += [f"text-align:{align}", f"text-align:-webkit-{align}"]
                if gaps is not None:
                    left = _half(gaps, column - 1) if column else "0"
                    right = _half(gaps, column) if column < len(cells) - 1 else "0"
                    styles += [f"padding-left:{left}", f"padding-right:{right}"]
                if styles:
                    cell.set("style", ";".join(styles))


def _gaps(spacing: str | None) -> list[float] | None:
    """The gaps between columns, in em, from a ``columnspacing`` value (the last repeats)."""
    if spacing is None:
        return None
    values = [_LENGTH_RE.fullmatch(value) for value in spacing.split()]
    if not values or not all(values):
        return None
    return [float(value.group(1)) for value in values if value]


def _half(gaps: list[float], index: int) -> str:
    """Half of the gap after column ``index``, as a CSS length."""
    value = gaps[min(index, len(gaps) - 1)] / 2
    return "0" if value == 0 else f"{value:g}em"


_SIDE = "width:50%;padding:0"
"""The number column and the empty column balancing it: between them the formula stays
centred in the text column and each number stands at its right edge."""


def number_rows(root: ElementTree.Element, tags: tuple[str | None, ...],
                anchors: tuple[str | None, ...]) -> None:
    """Put each row's equation number in a last column of the formula's table.

    MathML Core has no ``mlabeledtr``. The outermost table spans the formula's width (so do
    the rows around it), an empty first column as wide as the number column keeps the rows
    centred, and a row with a label carries its anchor.
    """
    table = next(root.iter("mtable"), None)
    rows = [row for row in table if row.tag == "mtr"] if table is not None else []
    if table is None or len(rows) != len(tags):
        raise AssertionError(f"numbering expects {len(tags)} rows, the table has {len(rows)}")
    for element in _path_to(root, table):
        element.set("style", "width:100%")
    columns = max(len(row) for row in rows)
    for row, tag, anchor in zip(rows, tags, anchors or (None,) * len(rows), strict=True):
        for _ in range(columns - len(row)):
            ElementTree.SubElement(row, "mtd")  # a short row still ends in the number column
        row.insert(0, ElementTree.Element("mtd", {"style": _SIDE}))
        cell = ElementTree.SubElement(row, "mtd", {
            "class": "math-number", "style": _SIDE + ";text-align:right;text-align:-webkit-right"})
        if tag is not None:
            ElementTree.SubElement(cell, "mtext").text = tag
        if anchor is not None:
            row.set("id", anchor)


def _path_to(root: ElementTree.Element, target: ElementTree.Element) -> list[ElementTree.Element]:
    """The elements from ``root``'s child down to ``target``."""
    for child in root:
        if child is target:
            return [child]
        found = _path_to(child, target)
        if found:
            return [child, *found]
    return []
