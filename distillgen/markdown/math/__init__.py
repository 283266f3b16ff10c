r"""TeX to MathML that is either right or a located error, never silently wrong.

latex2mathml (3.81) does the conversion; this package stands around it in three steps, one
module per job:

1. **Rewrite** (:mod:`.rewrite`, with :mod:`.environments`, :mod:`.delimiters`,
   :mod:`.operators` and :mod:`.text`): one pass over a regex tokenisation that validates the
   TeX and writes what latex2mathml converts faithfully. What the converter knows is listed
   in :mod:`.vocabulary`.
2. **Convert** (:mod:`.convert`): latex2mathml's element tree; every exception it raises
   becomes a :class:`MathError`.
3. **Check and polish** (:mod:`.polish`): reject leaked commands, raw ``&`` and incomplete
   scripts, and fix what browsers would show wrongly. Then serialise by hand
   (:mod:`.serialise`): one line, escaped, deterministic.

Macros (:mod:`.macros`) are expanded before step 1, and :mod:`.numbering` decides which lines
of a display carry an equation number.

Output: ``<math display="block|inline"><semantics>CONTENT<annotation
encoding="application/x-tex">TEX</annotation></semantics></math>``, the TeX escaped, its
newlines as ``&#10;``. The number of a display numbered as a whole (``\tag{1}``, a
``\label``, ``equation``) comes back as ``<span class="math-tag">(1)</span>`` right AFTER
``</math>`` (``\tag*{x}`` without the parentheses) for CSS to place at the right margin; the
numbers of ``align``-like rows stand in a last column of the formula's table
(:func:`.tables.number_rows`): MathML Core has no ``mlabeledtr``.
"""

from __future__ import annotations

import functools
from xml.etree import ElementTree

from ...text import forbidden_character
from .convert import convert
from .errors import MathError
from .numbering import Numbering, explicit_numbering, scan
from .polish import polish
from .references import placeholder
from .rewrite import Rewriter
from .serialise import escape, serialise
from .tables import lay_out_tables, number_rows
from .vocabulary import PRIVATE_USE_RE

__all__ = ["MATHML_NS", "MathError", "Numbering", "tex_to_mathml"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def _unsupported_character(tex: str) -> int | None:
    """Where the first character no page may hold (the rule of :mod:`distillgen.text`), or a
    private-use stand-in, stands in ``tex``."""
    private = PRIVATE_USE_RE.search(tex)
    found = [index for index in (forbidden_character(tex), private and private.start())
             if index is not None]
    return min(found) if found else None


@functools.lru_cache(maxsize=8192)
def tex_to_mathml(tex: str, *, display: bool, numbering: Numbering | None = None) -> str:
    """Full ``<math>`` element for ``tex`` with the source as a TeX annotation.

    Returns one line: ``<math xmlns=… display="block|inline"><semantics>…<annotation
    encoding="application/x-tex">TEX</annotation></semantics></math>``, followed by
    ``<span class="math-tag">(1)</span>`` when a display is numbered as a whole.
    ``numbering`` gives the numbers of a post's equations (by default a display shows only
    its ``\\tag``s). Raises MathError for anything that would not convert faithfully.
    Memoised: a site repeats the same formulas across posts and rebuilds.
    """
    bad = _unsupported_character(tex)
    if bad is not None:
        raise MathError(f"unsupported character U+{ord(tex[bad]):04X}", None, bad)
    if display and numbering is None:
        numbering = explicit_numbering(scan(tex))
    rewriter = Rewriter(tex, display)
    rewritten = rewriter.rewrite()
    if not rewritten.strip():
        raise MathError("empty formula", None, 0)
    root = convert(rewritten, display)
    polish(root, tex, rewriter.operators, rewriter.classes)
    lay_out_tables(root)
    if len(root) != 1:
        raise MathError("cannot convert this formula", "unexpected converter output")
    tag = None
    semantics = "<semantics>"
    if numbering is not None and numbering.per_row and any(numbering.tags):
        number_rows(root, numbering.tags, numbering.anchors)
        semantics = '<semantics style="width:100%">'
    elif numbering is not None and not numbering.per_row:
        tag = numbering.tags[0]
    mode = "block" if display else "inline"
    out = [f'<math xmlns="{MATHML_NS}" display="{mode}">{semantics}']
    serialise(root[0], out)
    out.append('<annotation encoding="application/x-tex">')
    out.append(escape(tex))
    out.append("</annotation></semantics></math>")
    if tag is not None:
        out.append(f'<span class="math-tag">{escape(tag)}</span>')
    html = "".join(out)
    try:
        ElementTree.fromstring(html if tag is None else f"<p>{html}</p>")
    except ElementTree.ParseError as problem:  # pragma: no cover - a bug in serialise
        raise MathError("cannot convert this formula", f"malformed MathML: {problem}") from None
    for mark, (style, label) in rewriter.references.items():
        html = html.replace(f">{mark}<", f">{placeholder(style, label)}<")
    return html
