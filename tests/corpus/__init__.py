"""Real input written by others, kept in the repository so that every clone runs every test:
five real ``.bib`` files and 150 real formulas (``README.md`` names their sources, commits and
licences).

Tests name a formula by what it says, not by its line: ``formula(r"\\frac{\\kappa-1}")`` is
the one formula holding that text, and fails loudly if the corpus has none or several.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIB_DIR = HERE / "bib"
BIB_FILES = sorted(BIB_DIR.glob("*.bib"))
FORMULAS_FILE = HERE / "math" / "formulas.txt"


@functools.cache
def formulas() -> tuple[str, ...]:
    """Every formula, in file order, with its newlines decoded as the README says."""
    lines = FORMULAS_FILE.read_text("utf-8").splitlines()
    return tuple(re.sub(r"\\n(?![A-Za-z])", "\n", line) for line in lines if line.strip())


def formula(snippet: str) -> str:
    """The one formula of the corpus that contains ``snippet`` (newlines as in the source)."""
    found = [tex for tex in formulas() if snippet in tex]
    if len(found) != 1:
        raise LookupError(f"{len(found)} corpus formulas contain {snippet!r}; name exactly one")
    return found[0]

