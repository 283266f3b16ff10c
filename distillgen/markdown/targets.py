"""Cross-reference targets: the numbered things of a post that prose can refer to.

Equations, figures, tables, sections and theorem-like blocks each register a :class:`Target`
in ``RenderState.targets`` while the post is parsed, so every reference — before or after its
target — can be rendered as a numbered link with a preview.
"""

from __future__ import annotations

from dataclasses import dataclass

KIND_NAMES = {
    "eq": "Equation",
    "fig": "Figure",
    "tbl": "Table",
    "sec": "Section",
    "thm": "Theorem",
    "lem": "Lemma",
    "cor": "Corollary",
    "prp": "Proposition",
    "def": "Definition",
    "exm": "Example",
    "exr": "Exercise",
}
"""Label prefix (Quarto's) -> the word a reference shows: ``@fig-x`` reads "Figure 1"."""


@dataclass
class Target:
    """One thing a reference can point at."""

    kind: str
    """A key of :data:`KIND_NAMES`."""
    label: str
    """The name references use: ``fig-lattice`` (Quarto's ``{#fig-lattice}``) or the text of
    a ``\\label{...}``."""
    anchor: str
    """The id of the element on the page."""
    number: str
    """The number as shown: ``1``, ``2.1``, or the text of a ``\\tag{...}``."""
    line: int
    """1-based line in the source file where the target is defined (for diagnostics)."""
    preview_html: str = ""
    """What a reference's hover card shows (the equation, the figure with its caption, the
    table's caption, the theorem's statement); may be filled in once the target renders."""
