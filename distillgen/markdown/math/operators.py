r"""Operator names: ``\operatorname``, ``\operatorname*``, ``\mathop`` and the limit operators.

latex2mathml garbled any operator body that was not plain letters and put ``<mrow>`` inside
``<mo>``: here a text body becomes one ``<mo>`` holding the exact text (``arg\,min`` keeps its
thin space; a body with other characters travels as a placeholder name restored after
conversion), and ``\limits`` is added before a script of a starred form so its limits sit
under it. ``\lim``, ``\max``, ``\argmin`` … followed by a script become operators with
movable limits (they came out as plain subscripts).

TeX spaces a symbol by its class (relation, binary operator, punctuation …), which the
library lost: ``k: A`` set the colon as a letter with no space (TeX: a relation), and
``\mathrel{…}`` put markup inside ``<mo>``. A symbol of a known class travels through the
converter as a placeholder operator name and gets its TeX spacing in :mod:`.polish`; a
longer body becomes a group between the class's spaces.
"""

from __future__ import annotations

from .base import RewriterBase, letters
from .vocabulary import (
    LIMIT_OPERATORS,
    OPERATOR_SPACES,
    OPERATOR_TEXT_WRAPPERS,
    SCRIPT_END,
    is_symbol,
    symbol_character,
)

OPERATOR_MARK = "Dgmathopmark"
"""Prefix of placeholder operator names; the real text is put back after conversion."""


CLASS_SPACING = {
    "rel": ("0.2778em", "0.2778em"), "bin": ("0.2222em", "0.2222em"),
    "punct": ("0", "0.1667em"), "colon": ("0", "0.3333em"),
    "ord": ("0", "0"), "open": ("0", "0"), "close": ("0", "0"),
}
"""TeX's spaces (thick 5mu, medium 4mu, thin 3mu) on each side of a symbol of each class."""
_CLASS_COMMANDS = {r"\mathrel": "rel", r"\mathbin": "bin", r"\mathpunct": "punct",
                   r"\mathord": "ord", r"\mathopen": "open", r"\mathclose": "close"}
_CLASS_SPACES = {"rel": (r"\;", r"\;"), "bin": (r"\:", r"\:"), "punct": ("", r"\,")}


def _single_symbol(token: str) -> str | None:
    """The character a lone token stands for, when it is one symbol (``=``, ``\\leq``)."""
    if len(token) == 1:
        return None if token in SCRIPT_END or token in "{}\\#" else token
    return symbol_character(token) if is_symbol(token) else None


class OperatorRules(RewriterBase):
    """Operator names, operators with limits, and symbols spaced by their TeX class."""

    def _emit_symbol(self, text: str, spacing: str) -> None:
        """One ``<mo>`` holding ``text``, spaced as TeX spaces a symbol of class ``spacing``."""
        mark = OPERATOR_MARK + letters(len(self.operators))
        self.operators[mark] = text
        self.classes[mark] = spacing
        self.out.append(r"\operatorname{" + mark + "}")

    def _colon(self, index: int, end: int) -> int:
        """``:`` is a relation in TeX (``k: A``); ``\\colon`` is punctuation (``f\\colon X``)."""
        self._emit_symbol(":", "colon" if self.texts[index] == r"\colon" else "rel")
        return index + 1

    def _math_class(self, index: int, end: int) -> int:
        """``\\mathrel{…}``, ``\\mathbin{…}`` …: the body spaced as that class of symbol."""
        spacing = _CLASS_COMMANDS[self.texts[index]]
        first, last, after = self._argument(index + 1, end, self.texts[index])
        body = [text for text in self.texts[first:last] if not text.isspace()]
        symbol = _single_symbol(body[0]) if len(body) == 1 else None
        if symbol is not None:
            self._emit_symbol(symbol, spacing)
            return after
        before, behind = _CLASS_SPACES.get(spacing, ("", ""))
        self.out.append(before + "{")
        self.run(first, last)
        self.out.append("}" + behind)
        return after

    def _limit_operator(self, index: int, end: int) -> int:
        following = self._skip_space(index + 1, end)
        if following < end and self.texts[following] in ("_", "^"):
            self._emit_operator(LIMIT_OPERATORS[self.texts[index]], limits=True)
            self.out.append(r"\limits ")
        else:
            self.out.append(self.texts[index] + " ")
        return index + 1

    def _operator(self, index: int, end: int) -> int:
        name = self.texts[index]
        starred = name == r"\operatorname" and index + 1 < end and self.texts[index + 1] == "*"
        limits = starred or name in (r"\operatornamewithlimits", r"\mathop")
        first, last, after = self._argument(index + 2 if starred else index + 1, end, name)
        text = self._operator_text(first, last)
        following = self._skip_space(after, end)
        following_text = self.texts[following] if following < end else ""
        if text is None or not text:
            # Not plain text (say \mathop{\sum}): keep the body as an ordinary group.
            self.out.append("{")
            self.run(first, last)
            self.out.append("}")
            if following_text in (r"\limits", r"\nolimits"):
                return following + 1
            return after
        self._emit_operator(text, limits)
        if limits and following_text in ("_", "^"):
            self.out.append(r"\limits ")
        return after

    def _emit_operator(self, text: str, limits: bool) -> None:
        if not text.isascii() or not text.isalpha():
            mark = OPERATOR_MARK + letters(len(self.operators))
            self.operators[mark] = text
            text = mark
        self.out.append((r"\operatorname*{" if limits else r"\operatorname{") + text + "}")

    def _operator_text(self, start: int, end: int) -> str | None:
        """The text of an operator-name body, or None when it holds more than text."""
        pieces: list[str] = []
        index = start
        while index < end:
            text = self.texts[index]
            if text in OPERATOR_SPACES:
                pieces.append(OPERATOR_SPACES[text])
            elif text in OPERATOR_TEXT_WRAPPERS:
                first, last, index = self._argument(index + 1, end, text)
                inner = self._operator_text(first, last)
                if inner is None:
                    return None
                pieces.append(inner)
                continue
            elif text[0] == "\\" and len(text) > 1:
                return None
            elif text not in ("{", "}") and not text.isspace():
                pieces.append(text)
            index += 1
        return "".join(pieces)
