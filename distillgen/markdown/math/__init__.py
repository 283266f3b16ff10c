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

Output: ``<math display="block|inline"><semantics>CONTENT<annotation
encoding="application/x-tex">TEX</annotation></semantics></math>``, the TeX escaped, its
newlines as ``&#10;``. A ``\tag{1}`` in display math comes back as
``<span class="math-tag">(1)</span>`` right AFTER ``</math>`` (``\tag*{x}`` without the
parentheses) for CSS to place as an equation number: MathML has no portable equation-number
mechanism and an ``mlabeledtr`` would force a table around every tagged formula.
"""

from __future__ import annotations

import functools
from xml.etree import ElementTree

from .convert import convert
from .errors import MathError
from .polish import polish
from .rewrite import Rewriter
from .serialise import escape, serialise
from .vocabulary import FORBIDDEN_CHARS_RE

__all__ = ["MATHML_NS", "MathError", "tex_to_mathml"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"


@functools.lru_cache(maxsize=8192)
def tex_to_mathml(tex: str, *, display: bool) -> str:
    """Full ``<math>`` element for ``tex`` with the source as a TeX annotation.

    Returns one line: ``<math xmlns=… display="block|inline"><semantics>…<annotation
    encoding="application/x-tex">TEX</annotation></semantics></math>``, followed by
    ``<span class="math-tag">(1)</span>`` when display math carries ``\\tag{1}``.
    Raises MathError for anything that would not convert faithfully. Memoised on
    (tex, display): a site repeats the same formulas across posts and rebuilds.
    """
    bad_char = FORBIDDEN_CHARS_RE.search(tex)
    if bad_char:
        raise MathError(f"unsupported character U+{ord(bad_char.group()):04X}", None,
                        bad_char.start())
    rewriter = Rewriter(tex, display)
    rewritten = rewriter.rewrite()
    if not rewritten.strip():
        raise MathError("empty formula", None, 0)
    root = convert(rewritten, display)
    polish(root, tex, rewriter.operators)
    if len(root) != 1:
        raise MathError("cannot convert this formula", "unexpected converter output")
    mode = "block" if display else "inline"
    out = [f'<math xmlns="{MATHML_NS}" display="{mode}"><semantics>']
    serialise(root[0], out)
    out.append('<annotation encoding="application/x-tex">')
    out.append(escape(tex))
    out.append("</annotation></semantics></math>")
    if rewriter.tag is not None:
        out.append(f'<span class="math-tag">{escape(rewriter.tag)}</span>')
    html = "".join(out)
    try:
        ElementTree.fromstring(html if rewriter.tag is None else f"<p>{html}</p>")
    except ElementTree.ParseError as problem:  # pragma: no cover - a bug in serialise
        raise MathError("cannot convert this formula", f"malformed MathML: {problem}") from None
    return html
