"""An entry as the BibTeX reader leaves it, before :mod:`.fields` says what its fields mean.

Shared by the reader (:mod:`.parse`) and the field decoder (:mod:`.fields`), so neither
imports the other's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import SourceLocation


@dataclass
class RawEntry:
    """An entry as the tokenizer read it: field values are still LaTeX."""

    key: str
    entry_type: str
    """Lowercased."""
    fields: dict[str, str]
    """Lowercased field name -> value, macros expanded, whitespace folded."""
    location: SourceLocation
    field_location: Callable[[str], SourceLocation]
    """Where a field is written (the entry's start when it cannot be found)."""
    source: str
    """The entry as written."""
    strings_used: tuple[str, ...] = ()
    """The ``@string`` definitions (as written) that the entry refers to."""


ESCAPED_OPEN, ESCAPED_CLOSE = "\x0e\x0f", "\x0e\x10"
"""Stand-ins (as long as ``\\{`` and ``\\}``) for escaped braces that BibTeX would count."""


def shown(text: str, limit: int = 60) -> str:
    """User text quoted in a message: printable, bounded."""
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"
