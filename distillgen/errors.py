"""Diagnostics: every problem with the user's input, located in the source file.

A build collects diagnostics instead of stopping at the first one, so an author sees every
mistake at once. Internal bugs are not diagnostics: they stay ordinary tracebacks.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from .codes import CODES


class Severity(enum.Enum):
    """How bad a diagnostic is: errors fail the build, warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A 1-based position in a source file, the path as the user would type it."""

    path: str
    """Path relative to the site root, with forward slashes (or absolute if outside it)."""
    line: int = 1
    """1-based line, counted in the whole file (front matter included)."""
    column: int = 1
    """1-based column."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input: where, what, and how to fix it."""

    severity: Severity
    code: str
    """A stable slug tests assert on: ``unknown-citation``, ``bad-math``, ..."""
    message: str
    location: SourceLocation | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"diagnostic code {self.code!r} is not in distillgen/codes.py")

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        loc = self.location or SourceLocation("")
        return (loc.path, loc.line, loc.column, self.severity.value, self.code, self.message)

    def format(self) -> str:
        """``path:line:col: error[code]: message`` and an indented hint line."""
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def error(code: str, message: str, location: SourceLocation | None = None,
          hint: str | None = None) -> Diagnostic:
    """Shorthand for an error diagnostic."""
    return Diagnostic(Severity.ERROR, code, message, location, hint)


def warning(code: str, message: str, location: SourceLocation | None = None,
            hint: str | None = None) -> Diagnostic:
    """Shorthand for a warning diagnostic."""
    return Diagnostic(Severity.WARNING, code, message, location, hint)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Deterministic order: by file, line, column; duplicates removed."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def format_diagnostics(diagnostics: Iterable[Diagnostic]) -> str:
    """All diagnostics, one block each, in a stable order."""
    return "\n".join(d.format() for d in sort_diagnostics(diagnostics))


class DistillgenError(Exception):
    """Raised when input problems stop a stage; carries every diagnostic found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(sort_diagnostics(diagnostics))
        super().__init__(format_diagnostics(self.diagnostics))


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a mistyped name, or None when nothing is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None
