r"""The site's TeX macros: ``macros.tex`` (or the file ``macros`` names), read once per build.

Its definitions apply to every post's formulas, before the post's own (a post redefines one
with ``\renewcommand``). A file that is missing is no error: most sites have none.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Diagnostic, SourceLocation, error
from .markdown.math import MathError
from .markdown.math.macros import Macro, parse_definitions
from .text import decode_source, location_in


def load_site_macros(path: Path, display: str) -> tuple[dict[str, Macro], list[Diagnostic]]:
    """The macros defined in ``path`` (shown as ``display`` in messages), and its problems."""
    if not path.is_file():
        return {}, []
    try:
        data = path.read_bytes()
    except OSError as problem:
        return {}, [error("unreadable-file", f"cannot read the macros file: {problem.strerror}",
                          SourceLocation(display))]
    text, problems = decode_source(data, display)
    if text is None:
        return {}, problems
    try:
        return parse_definitions(text, display), problems
    except MathError as problem:
        where = location_in(text, problem.offset or 0, display)
        return {}, [*problems, error("bad-macros", problem.message, where, problem.hint)]
