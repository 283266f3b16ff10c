r"""Step 3: check latex2mathml's element tree for silent failures and fix what browsers would
render wrongly.

Checks: the library's entity strings decode, no ``\command`` or raw ``&`` leaked into the
text, no script, fraction or root lacks a part, no token element holds markup. Fixes:
``mathvariant`` letters become Unicode math letters (Chromium ignores the attribute), ``\big``
delimiters become stretchy, accents are marked as accents, a few symbols get TeX's class
(``\infty`` ordinary, ``\pm``/``\implies`` operators, ``\langle`` a fence, ``;`` punctuation),
capital Greek is upright as in TeX (``<mi>Σ</mi>`` was italic), a period or slash is no
operator (``b.`` was spaced like ``b . c``, ``1/n`` like ``1 / n``), symbols marked with a
TeX class get its spaces, two relations side by side touch (``:=``), and operator names get
TeX's thin spaces (``<mi>log</mi><mi>p</mi>`` reads "logp").
"""

from __future__ import annotations

import re
import unicodedata
from xml.etree import ElementTree

from .errors import MathError
from .operators import CLASS_SPACING
from .vocabulary import ACCENTS, RESTORE, STYLED

_ENTITY_RE = re.compile(r"&#x([0-9A-Fa-f]+);")
_LEAK_RE = re.compile(r"\\[A-Za-z]+|\\.")

_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "munder": 2, "mover": 2,
          "munderover": 3, "mroot": 2}
_TOKEN_ELEMENTS = frozenset({"mi", "mn", "mo", "mtext", "ms", "mspace"})

_ORDINARY_SYMBOLS = {"\u221e": None, "\u2205": None, "\u2202": None, "\u2207": "normal"}
"""Symbols TeX treats as ordinary that latex2mathml emits as operators (value: mathvariant)."""
_UNSPACED = frozenset({"|", "\u2016", "!"})
_UPRIGHT = frozenset(chr(code) for code in range(0x0391, 0x03AA)) - {"\u03a2"}
"""Capital Greek (Α … Ω): TeX sets it upright, browsers italicise a one-letter ``<mi>``."""
_RELATIONS = frozenset("=<>\u2260\u2264\u2265\u2261\u2248\u223c\u2243\u2245\u221d"
                       "\u2254\u2255\u2208\u2209\u2282\u2283\u2286\u2287\u2192"
                       "\u2190\u21a6\u21d2\u21d4\u27f9\u27fa\u226a\u226b\u227a\u227b")
"""Common relations (``=``, ``≤``, ``≈``, ``∈``, ``→`` …), for spacing them against ``:``."""

_ROW_LIKE = frozenset({"mrow", "mtd", "mstyle", "msqrt", "mpadded", "mphantom", "menclose"})
"""Elements that lay their children out in a row (where spacing between them is ours)."""
_SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover"})
_THIN_SPACE = "0.1667em"


def polish(root: ElementTree.Element, source: str, operators: dict[str, str],
           classes: dict[str, str] | None = None) -> None:
    """Check the tree for silent failures and fix what browsers would render wrongly.

    ``operators``: placeholder names -> their text; ``classes``: placeholder names -> the TeX
    class whose spacing the symbol gets (see :mod:`.operators`).
    """
    classes = classes or {}
    for element in root.iter():
        _mark_accent(element)  # before the entity strings are decoded
    for element in root.iter():
        spacing = classes.get(element.text or "") if element.tag == "mo" else None
        if element.text:
            element.text = _polish_text(element, element.text, source, operators)
        if spacing is not None:
            element.set("lspace", CLASS_SPACING[spacing][0])
            element.set("rspace", CLASS_SPACING[spacing][1])
        if element.tail and element.tail.strip():
            raise MathError("cannot convert this formula", "text outside an element")
        element.tail = None
        for key, value in list(element.attrib.items()):
            if "\\" in value:
                raise _leak_error(value, source)
            if not value:
                del element.attrib[key]
        _check_shape(element)
        variant = element.get("mathvariant")
        if variant and variant != "normal" and element.tag in ("mi", "mn") and element.text:
            styled = [STYLED.get((variant, char)) for char in element.text]
            if all(styled):
                element.text = "".join(char for char in styled if char)
                del element.attrib["mathvariant"]
        if element.tag == "mo" and "minsize" in element.attrib:
            element.set("stretchy", "true")
        _classify_symbol(element)
        if element.tag == "mo" and element.text in _UNSPACED and "lspace" not in element.attrib:
            # TeX sets |, \| and ! as ordinary or closing symbols: no space around them
            # (browsers would space "|S|!" like "| S | !" as infix operators).
            element.set("lspace", "0")
            element.set("rspace", "0")
    _join_relations(root)
    _space_operator_names(root)


def _classify_symbol(element: ElementTree.Element) -> None:
    """Fix the few symbols whose mi/mo choice in latex2mathml gives TeX-unlike spacing."""
    text = element.text or ""
    if len(text) != 1 or element.tag not in ("mi", "mo") or element.attrib:
        return
    if element.tag == "mi" and text in _UPRIGHT:
        element.set("mathvariant", "normal")
    elif element.tag == "mo" and text in "./":
        element.set("lspace", "0")  # a period and a slash are ordinary in TeX, no operators
        element.set("rspace", "0")
    elif element.tag == "mi" and text == ";":
        element.tag = "mo"  # punctuation: no space before, a thin one after
    elif element.tag == "mo" and text in _ORDINARY_SYMBOLS:
        element.tag = "mi"
        variant = _ORDINARY_SYMBOLS[text]
        if variant:
            element.set("mathvariant", variant)
    elif element.tag == "mi" and text != "\u00ac" and unicodedata.category(text) == "Sm":
        element.tag = "mo"  # ±, ⟹, ⟂, ⧵ ...: relations and operators, spaced as such
    elif element.tag == "mi" and unicodedata.category(text) in ("Ps", "Pe"):
        element.tag = "mo"  # ⟨ ⟩ ⌊ ⌋ ...: fences
        element.set("stretchy", "false")


def _join_relations(root: ElementTree.Element) -> None:
    """Two relations side by side touch, as in TeX: ``:=`` is no ``: =``."""
    for parent in root.iter():
        children = list(parent)
        for first, second in zip(children, children[1:], strict=False):
            if _is_relation(first) and _is_relation(second):
                first.set("rspace", "0")
                second.set("lspace", "0")


def _is_relation(element: ElementTree.Element) -> bool:
    if element.tag != "mo":
        return False
    return element.text in _RELATIONS or (element.text == ":" and element.get("lspace")
                                          == CLASS_SPACING["rel"][0])


def _operator_name(element: ElementTree.Element) -> ElementTree.Element | None:
    """The ``mi``/``mo`` holding a name like log, max or arg min (maybe under scripts)."""
    core = element[0] if element.tag in _SCRIPTED and len(element) else element
    text = core.text or ""
    if core.tag in ("mi", "mo") and len(text) > 1 and text[0].isalpha():
        return core
    return None


def _space_operator_names(root: ElementTree.Element) -> None:
    """Space operator names as TeX does: a thin space against ordinary neighbours.

    Browsers put no space between ``<mi>log</mi><mi>p</mi>`` ("logp") and a thick one
    around an unknown ``<mo>``; TeX puts a thin space between an operator name and the
    letter, number or other operator name beside it, and none before a parenthesis.
    """
    for parent in [element for element in root.iter() if element.tag in _ROW_LIKE]:
        children = list(parent)
        if not any(_operator_name(child) is not None for child in children):
            continue
        spaced: list[ElementTree.Element] = []
        for position, child in enumerate(children):
            core = _operator_name(child)
            if core is None:
                spaced.append(child)
                continue
            if core.tag == "mo":
                core.set("lspace", "0")
                core.set("rspace", "0")
            if spaced and _is_ordinary(spaced[-1]):
                spaced.append(_thin_space())
            spaced.append(child)
            following = children[position + 1] if position + 1 < len(children) else None
            if following is not None and (_is_ordinary(following)
                                          or _operator_name(following) is not None):
                spaced.append(_thin_space())
        parent[:] = spaced


def _is_ordinary(element: ElementTree.Element) -> bool:
    """Not an operator, fence or space (those bring their own spacing)."""
    if element.tag in ("mo", "mspace") or _operator_name(element) is not None:
        return False
    # A \\left( … \\right) group starts with its fence.
    return not (element.tag == "mrow" and len(element) and element[0].tag == "mo")


def _thin_space() -> ElementTree.Element:
    return ElementTree.Element("mspace", {"width": _THIN_SPACE})


def _mark_accent(element: ElementTree.Element) -> None:
    """An accent (\\hat, \\vec, \\overline ...) sits tight on its base, at full size."""
    attribute = {"mover": "accent", "munder": "accentunder"}.get(element.tag)
    if attribute and len(element) == 2 and element[1].tag == "mo" and (
            element[1].text in ACCENTS):
        element.set(attribute, "true")


def _polish_text(element: ElementTree.Element, raw: str, source: str,
                 operators: dict[str, str]) -> str:
    if raw == "&" and element.tag in ("mi", "mo"):
        raise MathError("& outside a table environment",
                        r"write \& for an ampersand", source.find("&") if "&" in source else None)
    text = _ENTITY_RE.sub(lambda m: chr(int(m.group(1), 16)), raw)
    if operators and text in operators:
        return operators[text]
    if _LEAK_RE.search(text):
        raise _leak_error(text, source)
    return text.translate(RESTORE)


def _leak_error(text: str, source: str) -> MathError:
    match = _LEAK_RE.search(text)
    command = match.group() if match else text
    offset = source.find(command)
    return MathError(f"latex2mathml cannot convert {command}",
                     "rewrite this part of the formula", offset if offset >= 0 else None)


def _check_shape(element: ElementTree.Element) -> None:
    expected = _ARITY.get(element.tag)
    if expected is not None and len(element) != expected:
        raise MathError(f"incomplete formula: <{element.tag}> has {len(element)} of its "
                        f"{expected} parts", "check that every \\frac, ^, _ and \\sqrt[n] has "
                        "all its arguments")
    if element.tag in _TOKEN_ELEMENTS and len(element):
        raise MathError(f"cannot convert this formula: <{element.tag}> would hold markup",
                        r"a construct such as \mathop{…} around math is not supported")
