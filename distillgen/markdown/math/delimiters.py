r"""Delimiters: ``\left … \middle … \right`` pairs and ``\big``-sized fences.

``\big\vert`` leaked the command name as text and ``\left<`` was no angle bracket: both are
given to latex2mathml as the delimiter character. ``\big.`` is nothing at all.
"""

from __future__ import annotations

from .base import Frame, RewriterBase
from .vocabulary import DELIMITER_CHARS, DELIMITER_COMMANDS, PROTECT, symbol_character


class DelimiterRules(RewriterBase):
    """``\\left``, ``\\right``, ``\\middle`` and the ``\\big`` family."""

    def _left(self, index: int, end: int) -> int:
        delimiter, after = self._delimiter(index, end)
        self.stack.append(Frame("left", self.offsets[index]))
        self.out.append(r"\left" + delimiter + " ")
        return after

    def _right(self, index: int, end: int) -> int:
        delimiter, after = self._delimiter(index, end)
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.kind != "left":
            if frame is not None and frame.kind == "env":
                raise self._unclosed(frame)
            raise self._error(r"\right without a matching \left", index,
                              r"add a \left before it, or use \big) for a lone delimiter")
        self.stack.pop()
        self.out.append(r"\right" + delimiter + " ")
        return after

    def _middle(self, index: int, end: int) -> int:
        delimiter, after = self._delimiter(index, end)
        self._close_switches()
        if not self.stack or self.stack[-1].kind != "left":
            raise self._error(r"\middle outside \left … \right", index)
        self.out.append(r"\middle" + delimiter + " ")
        return after

    def _delimiter(self, index: int, end: int) -> tuple[str, int]:
        """The delimiter after \\left, \\right or \\middle, in a form latex2mathml knows."""
        after = self._skip_space(index + 1, end)
        text = self.texts[after] if after < end else ""
        if text == ".":
            return ".", after + 1
        if text in ("<", ">"):
            return (r"\langle " if text == "<" else r"\rangle "), after + 1
        if text in DELIMITER_CHARS:
            return text, after + 1
        if text in DELIMITER_COMMANDS:
            return (r"|" if text == r"\mid" else text + " "), after + 1
        raise self._error(f"{self.texts[index]} needs a delimiter such as ( [ | or .",
                          index, rf"use {self.texts[index]}. for an invisible delimiter")

    def _big(self, index: int, end: int) -> int:
        after = self._skip_space(index + 1, end)
        text = self.texts[after] if after < end else ""
        if text == ".":
            return after + 1
        if text in DELIMITER_CHARS:
            char = DELIMITER_CHARS[text]
        elif text in DELIMITER_COMMANDS:
            char = symbol_character(text)
        else:
            char = ""
        if not char:
            raise self._error(f"{self.texts[index]} must be followed by a delimiter", index,
                              rf"e.g. {self.texts[index]}( or {self.texts[index]}\vert")
        self.out.append(self.texts[index] + " " + char.translate(PROTECT) + " ")
        return after + 1
