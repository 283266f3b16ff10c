"""Which lines of a display are numbered (amsmath's rules), and where the numbers go."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from distillgen.markdown.math import MathError, Numbering, tex_to_mathml
from distillgen.markdown.math.numbering import scan, tag_text

NS = "{http://www.w3.org/1998/Math/MathML}"


def numbered(tex: str, labelled: bool = False) -> list[tuple[bool, str | None, str | None]]:
    layout = scan(tex, labelled=labelled)
    return [(row.numbered, row.label, row.tag) for row in layout.rows]


@pytest.mark.parametrize(("tex", "rows"), [
    ("x", [(False, None, None)]),
    (r"x \label{a}", [(True, "a", None)]),
    (r"x \label{a} \nonumber", [(False, "a", None)]),
    (r"x \tag{3}", [(False, None, "3")]),
    (r"\begin{equation} x \end{equation}", [(True, None, None)]),
    (r"\begin{equation*} x \label{a} \end{equation*}", [(False, "a", None)]),
    (r"\begin{equation}\begin{split} a &= b \\ &= c \end{split}\label{s}\end{equation}",
     [(True, "s", None)]),
    (r"\begin{align} a &= b \label{r} \\ c &= d \notag \\ e &= f \tag{*} \\ \end{align}",
     [(True, "r", None), (False, None, None), (True, None, "*")]),
    (r"\begin{align*} a &= b \\ c &= d \tag{x} \end{align*}",
     [(False, None, None), (False, None, "x")]),
    (r"\begin{gather} a \\ b \end{gather}", [(True, None, None), (True, None, None)]),
    (r"\begin{multline} a \label{m} \\ b \end{multline}", [(False, None, None), (True, "m", None)]),
    (r"\begin{multline*} a \\ b \end{multline*}", [(False, None, None), (False, None, None)]),
    (r"x = \begin{align} a \end{align}", [(False, None, None)]),
])
def test_rows_are_numbered_as_amsmath_numbers_them(tex: str, rows) -> None:
    assert numbered(tex) == rows


def test_a_quarto_label_numbers_the_whole_display_once() -> None:
    assert numbered(r"\begin{align} a \\ b \end{align}", labelled=True) == [(True, None, None)]
    assert numbered("x", labelled=True) == [(True, None, None)]


@pytest.mark.parametrize(("tex", "message"), [
    (r"x \label{a} \label{b}", r"a second \label on one line: b"),
    (r"x \tag{1} \tag{2}", r"only one \tag per line"),
    (r"\begin{multline} a \label{x} \\ b \label{y} \end{multline}", r"a second \label"),
    (r"x \label", r"\label needs its name in braces"),
])
def test_two_labels_or_tags_on_one_line_are_errors(tex: str, message: str) -> None:
    with pytest.raises(MathError, match=message.replace("\\", "\\\\")):
        scan(tex)


def test_a_tag_shows_in_parentheses_unless_starred() -> None:
    (row,) = scan(r"x \tag*{A.1}").rows
    assert tag_text(row, None) == "A.1"
    (row,) = scan(r"x \label{a}").rows
    assert tag_text(row, 4) == "(4)"


def rows_of(mathml: str) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(mathml)
    return list(next(root.iter(NS + "mtable")))


def test_row_numbers_stand_in_a_last_column_at_the_right_margin() -> None:
    numbering = Numbering(("(1)", None, "(2)"), ("eq-a", None, None), per_row=True)
    mathml = tex_to_mathml(r"\begin{align} a &= b \\ c &= d \notag \\ e &= f \end{align}",
                           display=True, numbering=numbering)
    rows = rows_of(mathml)
    assert [row.get("id") for row in rows] == ["eq-a", None, None]
    assert ["".join(row[-1].itertext()) for row in rows] == ["(1)", "", "(2)"]
    assert all("width:50%" in row[0].get("style") and not len(row[0]) for row in rows)
    assert all(row[-1].get("class") == "math-number" for row in rows)
    assert '<semantics style="width:100%">' in mathml and "math-tag" not in mathml


def test_a_whole_display_number_follows_the_math() -> None:
    mathml = tex_to_mathml(r"E = mc^2 \label{e}", display=True,
                           numbering=Numbering(("(7)",)))
    assert mathml.endswith('</math><span class="math-tag">(7)</span>')


def test_numbering_a_short_row_still_ends_in_the_number_column() -> None:
    numbering = Numbering(("(1)", "(2)"), (), per_row=True)
    rows = rows_of(tex_to_mathml(r"\begin{align} a &= b & c &= d \\ e &= f \end{align}",
                                 display=True, numbering=numbering))
    assert [len(row) for row in rows] == [6, 6]
