"""The one exception the math converter raises for bad input."""

from __future__ import annotations


class MathError(Exception):
    """Why a formula cannot be converted."""

    def __init__(self, message: str, hint: str | None = None, offset: int | None = None):
        super().__init__(message)
        self.message = message
        """Human message, e.g. ``unknown command \\foo``."""
        self.hint = hint
        """How to fix it, when we can tell."""
        self.offset = offset
        """0-based character offset of the problem inside the TeX source, when known."""
