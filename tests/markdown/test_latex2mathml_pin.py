"""latex2mathml is pinned to 3.81 because the converter relies on its internals: the tables it
reads (:mod:`distillgen.markdown.math.vocabulary`) and the quirks its rewrites work around.

These tests fail when a new release changes any of that, naming what to review. Update the
pin in pyproject.toml only once they pass again (and the workaround a fixed quirk needed is
gone).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from importlib.metadata import version
from xml.etree import ElementTree

from latex2mathml import commands, converter
from latex2mathml.symbols_parser import SYMBOLS


def test_the_installed_version_is_the_pinned_one() -> None:
    assert version("latex2mathml").startswith("3.81."), (
        "latex2mathml changed: run these tests against it, review the workarounds they name, "
        "then move the pin in pyproject.toml")


def test_every_internal_the_converter_reads_exists_with_its_shape() -> None:
    for name in ("STYLES", "MSTYLE_SIZES", "GLOBAL_FONTS", "BIG", "BIG_OPEN_CLOSE",
                 "COMMANDS_WITH_ONE_PARAMETER", "COMMANDS_WITH_TWO_PARAMETERS",
                 "EXTENSIBLE_ARROWS", "DIACRITICS", "MATH_NON_FONT_COMMANDS"):
        assert hasattr(commands, name), f"latex2mathml.commands.{name} is gone"
    assert all(isinstance(value, tuple) and len(value) == 2
               for value in commands.DIACRITICS.values())
    assert isinstance(converter.MOVABLE_LIMIT_TEXTS, dict)
    assert isinstance(converter.OPERATORS, frozenset)
    assert all(len(code) >= 4 and int(code, 16) for code in SYMBOLS.values())
    assert callable(converter.convert_to_element)


def _canonical(value: object) -> object:
    """Plain, ordered data: the same tables give the same digest in every process. A
    defaultdict (the font tables) grows a default entry at each lookup of a missing key, so
    only its entries with other values count."""
    if isinstance(value, defaultdict) and value.default_factory is not None:
        default = value.default_factory()
        return sorted((str(key), _canonical(item)) for key, item in value.items()
                      if item != default)
    if isinstance(value, dict):
        return sorted((str(key), _canonical(item)) for key, item in value.items())
    if isinstance(value, set | frozenset):
        return sorted(map(str, map(_canonical, value)))
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return type(value).__name__


def _tables_digest() -> str:
    """A digest of the library tables vocabulary.py reads (not of our additions)."""
    tables = {key: _canonical(value) for key, value in vars(commands).items() if key.isupper()}
    data = [tables, _canonical(SYMBOLS), _canonical(converter.MOVABLE_LIMIT_TEXTS),
            _canonical(converter.OPERATORS)]
    return hashlib.sha256(json.dumps(data, ensure_ascii=True).encode("ascii")).hexdigest()


PINNED_TABLES = "41ca3942acadc85f6022a23d87bf84fe9389975f0067fb0502d12396556ed16e"
"""Measured on latex2mathml 3.81.1."""


def test_the_tables_read_from_latex2mathml_are_the_pinned_ones() -> None:
    assert _tables_digest() == PINNED_TABLES, (
        "latex2mathml's command or symbol tables changed: review vocabulary.py (known "
        "commands, argument counts, switches, accents, styled letters) and the corpus "
        "tests, then record the new digest here")


def _convert(tex: str) -> ElementTree.Element:
    return converter.convert_to_element(tex, display="block")


def _cells(tex: str) -> list[int]:
    table = next(_convert(tex).iter("mtable"))
    return [len(row) for row in table]


def test_quirk_a_last_row_with_an_empty_last_cell_is_dropped() -> None:
    # environments.EnvironmentRules._fill_last_cell puts {} in that cell.
    assert _cells(r"\begin{array}{cc} a & b \\ c & \end{array}") == [2]


def test_quirk_a_leading_bracket_or_letter_group_is_read_as_column_alignment() -> None:
    # environments.EnvironmentRules._begin puts {} first, which is read (and dropped) instead.
    assert _cells(r"\begin{pmatrix}{} [x] & y \end{pmatrix}") == [2]
    assert _cells(r"\begin{pmatrix}[r] 1 & 2 \end{pmatrix}") == [2]
    cell = next(_convert(r"\begin{pmatrix}[r] 1 & 2 \end{pmatrix}").iter("mtd"))
    assert cell.get("columnalign") == "right"


def test_quirk_text_comes_as_entity_strings() -> None:
    # polish decodes them.
    assert next(_convert(r"\alpha").iter("mi")).text == "&#x003B1;"


def test_align_star_is_the_right_left_table_aligned_is_mapped_to() -> None:
    table = next(_convert(r"\begin{align*} a &= b \end{align*}").iter("mtable"))
    assert table.get("columnspacing") == "0em 2em"
    assert [cell.get("columnalign") for cell in table[0]] == ["right", "left"]
    assert table[0][1][0].tag == "mi" and not table[0][1][0].text  # the empty <mi> before =


def test_operatorname_gives_one_operator_with_the_placeholder_text() -> None:
    # operators.OperatorRules relies on it for names and for symbols spaced by class.
    (mo,) = _convert(r"\operatorname*{Dgmathopmarka}").iter("mo")
    assert mo.text == "Dgmathopmarka" and mo.get("movablelimits") == "true"


def test_displaylines_is_a_one_column_table() -> None:
    # gathered, gather, multline and top-level line breaks are given to it.
    assert _cells(r"{\displaylines{a \\ b}}") == [1, 1]
