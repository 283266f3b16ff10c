r"""``\text``-family bodies: what TeX prints in text mode, in the form latex2mathml keeps.

The library cut a body at its first ``}`` and printed ``$`` signs. Here escapes (``\%``,
``\{``, ``\textbackslash``), ``~``, dashes and quotes become characters, spaces collapse, and
nested ``\textbf{…}`` and ``$…$`` become separate pieces.
"""

from __future__ import annotations

import re

from ...latex_text import TEX_LIGATURES
from .base import Frame, RewriterBase
from .references import STYLES
from .vocabulary import PROTECT, TEXT_ESCAPES, TEXT_FONTS


def text_run(text: str) -> str:
    """Plain text as latex2mathml reads it: ligatures made, spaces collapsed, specials hidden."""
    for ligature, char in TEX_LIGATURES:
        text = text.replace(ligature, char)
    return re.sub(r" {2,}", " ", text).translate(PROTECT)


class TextRules(RewriterBase):
    """``\\text{…}``, ``\\textbf{…}``, ``\\mbox{…}`` …"""

    def _text(self, index: int, end: int) -> int:
        first, last, after = self._argument(index + 1, end, self.texts[index])
        before = len(self.out)
        self._text_pieces(first, last, TEXT_FONTS[self.texts[index]])
        if len(self.out) == before:
            self.out.append("{}")  # \text{} is still an (empty) atom
        return after

    def _text_pieces(self, index: int, end: int, font: str) -> None:
        """Emit ``\\text{…}`` runs for plain text and groups for ``$…$`` inside it."""
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                self.out.append(font + "{" + text_run("".join(buffer)) + "}")
                buffer.clear()

        while index < end:
            text = self.texts[index]
            if text == "$":
                close = index + 1
                while close < end and self.texts[close] != "$":
                    close += 1
                if close >= end:
                    raise self._error("unclosed $ inside text", index, "add the closing $")
                flush()
                self.stack.append(Frame("text", self.offsets[index]))
                self.out.append("{")
                self.run(index + 1, close)
                self.out.append("}")
                self.stack.pop()
                index = close + 1
                continue
            if text in STYLES:  # "see \\eqref{x}" inside text
                flush()
                first, last, index = self._argument(index + 1, end, text)
                self.out.append(font + "{" + self.reference_mark(text, first, last) + "}")
                continue
            if text in TEXT_FONTS:
                flush()
                first, last, index = self._argument(index + 1, end, text)
                self._text_pieces(first, last, TEXT_FONTS[text])
                continue
            if text in TEXT_ESCAPES:
                buffer.append(TEXT_ESCAPES[text])
                if text[1:].isalpha():  # TeX drops the spaces after a control word
                    index = self._skip_space(index + 1, end)
                    continue
            elif text[0] == "\\" and len(text) > 1:
                raise self._error(f"{text} cannot be used inside text", index,
                                  "put math inside the text between $…$, e.g. "
                                  r"\text{for $\alpha$}")
            elif text not in ("{", "}"):
                buffer.append(" " if text.isspace() else text)
            index += 1
        flush()
