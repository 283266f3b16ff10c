"""What every part of the rewriting pass shares: the tokens, the output, the open scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import MathError
from .references import STYLES
from .vocabulary import SCRIPT_END, TOKEN_RE

REFERENCE_MARK = "Dgmathrefmark"
"""Prefix of the text standing for a reference until the MathML is written."""


def letters(number: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": placeholder suffixes made of letters only."""
    digits = ""
    while True:
        number, rest = divmod(number, 26)
        digits = chr(ord("a") + rest) + digits
        if number == 0:
            return digits


@dataclass(frozen=True)
class Env:
    """How a TeX environment is handed to latex2mathml."""

    begin: str
    end: str
    columns: bool = True
    """``&`` separates cells inside it."""
    argument: str = ""
    """``"spec"``: a column spec to validate and keep; ``"count"``: a number to drop."""
    position: bool = False
    """Takes an optional ``[t]``/``[c]``/``[b]`` that MathML has no use for (dropped)."""


@dataclass
class Frame:
    """Something opened and not yet closed: a group, environment, \\left or a switch."""

    kind: str  # "brace", "env", "left", "switch", "text"
    offset: int
    name: str = ""
    env: Env | None = None
    row_cells: int = 0
    """Environments: ``&`` seen in the current row."""
    cell_start: int = 0
    """Environments: where the current cell starts in the output."""
    rows: list[int] = field(default_factory=list)
    """Environments: output positions of the row breaks."""


class RewriterBase:
    """The state of one pass over a formula's tokens, and the helpers every rule uses."""

    def __init__(self, tex: str, display: bool):
        self.display = display
        self.texts: list[str] = []
        """The tokens (comments dropped)."""
        self.offsets: list[int] = []
        """Each token's offset in the TeX source, for error messages."""
        for match in TOKEN_RE.finditer(tex):
            if match.group()[0] != "%":
                self.texts.append(match.group())
                self.offsets.append(match.start())
        self.closing = self._match_braces()
        """Index of each ``{`` -> index of its ``}``."""
        self.out: list[str] = []
        """The rewritten TeX, in pieces."""
        self.stack: list[Frame] = []
        self.operators: dict[str, str] = {}
        """Placeholder operator name -> the operator's real text."""
        self.classes: dict[str, str] = {}
        """Placeholder operator name -> the TeX class that spaces it (``rel``, ``bin`` …)."""
        self.references: dict[str, tuple[str, str]] = {}
        """Placeholder text -> (style, label) of an ``\\eqref``/``\\ref``."""

    def run(self, index: int, end: int) -> None:  # pragma: no cover - defined by Rewriter
        raise NotImplementedError

    def reference_mark(self, command: str, first: int, last: int) -> str:
        """Record a reference whose label is tokens ``first .. last``; its placeholder text."""
        label = " ".join(self._raw(first, last).split())
        if not label:
            raise self._error(f"{command} needs a label in braces", first - 1,
                              rf"e.g. {command}{{eq:loss}}")
        mark = REFERENCE_MARK + letters(len(self.references))
        self.references[mark] = (STYLES[command], label)
        return mark

    def _match_braces(self) -> dict[int, int]:
        """Index of each ``{`` -> index of its ``}``; unbalanced braces are errors."""
        closing: dict[int, int] = {}
        open_at: list[int] = []
        for index, text in enumerate(self.texts):
            if text == "{":
                open_at.append(index)
            elif text == "}":
                if not open_at:
                    raise MathError("unmatched }", "remove it, or write \\} for a brace",
                                    self.offsets[index])
                closing[open_at.pop()] = index
        if open_at:
            raise MathError("unclosed {", "add the missing }", self.offsets[open_at[-1]])
        return closing

    def _skip_space(self, index: int, end: int) -> int:
        while index < end and self.texts[index].isspace():
            index += 1
        return index

    def _error(self, message: str, index: int, hint: str | None = None) -> MathError:
        offset = self.offsets[index] if index < len(self.offsets) else None
        return MathError(message, hint, offset)

    def _argument(self, index: int, end: int, command: str) -> tuple[int, int, int]:
        """The next argument after ``command``: (first token, end token, index after it)."""
        before = index - 1  # the command itself (or its star): where the error points
        index = self._skip_space(index, end)
        if index >= end or self.texts[index] in SCRIPT_END:
            raise self._error(f"{command} is missing its argument", before)
        if self.texts[index] == "{":
            close = self.closing[index]
            return index + 1, close, close + 1
        return index, index + 1, index + 1

    def _raw(self, start: int, end: int) -> str:
        return "".join(self.texts[start:end])

    def _close_switches(self) -> None:
        while self.stack and self.stack[-1].kind == "switch":
            self.stack.pop()
            self.out.append("}")

    def _unclosed(self, frame: Frame) -> MathError:
        if frame.kind == "env":
            return MathError(rf"\begin{{{frame.name}}} is never closed",
                             rf"add \end{{{frame.name}}}", frame.offset)
        if frame.kind == "left":
            return MathError(r"\left has no matching \right",
                             r"add \right) (or \right. for an invisible one)", frame.offset)
        return MathError("unclosed group", None, frame.offset)
