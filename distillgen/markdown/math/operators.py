r"""Operator names: ``\operatorname``, ``\operatorname*``, ``\mathop`` and the limit operators.

latex2mathml garbled any operator body that was not plain letters and put ``<mrow>`` inside
``<mo>``: here a text body becomes one ``<mo>`` holding the exact text (``arg\,min`` keeps its
thin space; a body with other characters travels as a placeholder name restored after
conversion), and ``\limits`` is added before a script of a starred form so its limits sit
under it. ``\lim``, ``\max``, ``\argmin`` … followed by a script become operators with
movable limits (they came out as plain subscripts).
"""

from __future__ import annotations

from .base import RewriterBase
from .vocabulary import LIMIT_OPERATORS, OPERATOR_SPACES, OPERATOR_TEXT_WRAPPERS

OPERATOR_MARK = "Dgmathopmark"
"""Prefix of placeholder operator names; the real text is put back after conversion."""


def letters(number: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": placeholder suffixes made of letters only."""
    digits = ""
    while True:
        number, rest = divmod(number, 26)
        digits = chr(ord("a") + rest) + digits
        if number == 0:
            return digits


class OperatorRules(RewriterBase):
    """Operator names and operators with limits."""

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
