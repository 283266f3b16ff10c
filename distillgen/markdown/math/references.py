r"""``\eqref{x}`` and ``\ref{x}`` inside a formula: how they leave the converter.

The converter knows nothing of the post's equation numbers, and the number of a label may
only be known once the whole post is parsed. So a reference leaves the converter as a
placeholder inside an ``<mtext>``, which the page resolves into a numbered link
(:mod:`distillgen.markdown.crossref`). A placeholder is made of control characters no source
file may hold (:mod:`distillgen.text` refuses them), so it cannot be confused with text.
"""

from __future__ import annotations

import html
import re

STYLES = {r"\eqref": "eqref", r"\ref": "ref"}
"""The commands, and the style of reference each gives: ``(1)`` or ``1``."""

_OPEN, _SEPARATOR, _CLOSE = "\x02", "\x1f", "\x03"
PLACEHOLDER_RE = re.compile("\x02([a-z]+)\x1f([^\x02\x03]*)\x03")
"""A reference in rendered HTML: style and label (HTML-escaped)."""


def placeholder(style: str, label: str) -> str:
    """The placeholder of a reference in the given style to ``label``."""
    return f"{_OPEN}{style}{_SEPARATOR}{html.escape(label)}{_CLOSE}"


def references_in(tex: str) -> list[tuple[str, str, int]]:
    """(style, label, offset) of every ``\\eqref{…}``/``\\ref{…}`` in ``tex``."""
    found = []
    for match in re.finditer(r"\\(eqref|ref)\s*\{([^{}]*)\}", tex):
        found.append((match.group(1), " ".join(match.group(2).split()), match.start()))
    return found
