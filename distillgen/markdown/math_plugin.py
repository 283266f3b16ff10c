r"""Math in posts: ``$…$``, ``$$…$$``, ``\(…\)`` and ``\[…\]``, converted to MathML while the
page renders.

Syntax (:mod:`.math_syntax`): dollar math as mdit-py-plugins' dollarmath reads it, with the
settings that keep prose safe (no space just inside the dollars, no digit against them, so
``$5 and $10`` stays text), and the backslash delimiters MathJax users write. Display math on
its own lines is a block; ``$$…$$`` inside a paragraph stays inside it.

Before rendering, :func:`prepare_math` walks the post's formulas in order: it expands macros
(a definition holds from its formula to the end of the post, after the site's ``macros.tex``),
numbers displayed equations and registers each labelled one as a cross-reference target, and
binds the punctuation after inline math to it so a line never starts with it. The converter
is injected, so the syntax can be tested without it and the converter without Markdown. A
formula that does not convert is a located ``bad-math`` diagnostic, never broken MathML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..errors import SourceLocation
from .crossref import check_reference, register_target, unique_anchor
from .locations import walk
from .math import MathError, Numbering
from .math.macros import Expansion, Macro, expand
from .math.numbering import Layout, scan, tag_text
from .math.references import references_in
from .math_syntax import math_syntax
from .state import RenderState, state_of
from .targets import Target

Converter = Callable[[str, bool, Numbering | None], str]
"""(tex, display, numbering) -> MathML; raises an exception with ``message``/``hint``/
``offset``."""

MATH_TOKENS = frozenset({"math_inline", "math_inline_double", "math_block"})
PREPARED = "dg_math"
"""Token meta key: the formula's :class:`Prepared` state."""
_TRAILING_RE = re.compile(r"(?:[.,;:!?…)\]’”'\"»]|-\w+)+")
"""Punctuation (and a hyphenated suffix: ``$k$-means``) that must not start a line."""


@dataclass
class Prepared:
    """What the core rule worked out for one formula."""

    tex: str
    """The TeX to convert: macros expanded, definitions taken out."""
    expansion: Expansion | None = None
    error: MathError | None = None
    """Reported (located) when the formula renders."""
    numbering: Numbering | None = None
    anchor: str | None = None
    """Element id of a display numbered as a whole."""
    labels: tuple[str, ...] = ()
    """Targets whose preview this formula is."""
    references: tuple[tuple[str, str, int], ...] = ()
    """(style, label, offset) of the ``\\eqref``/``\\ref`` in it."""
    trailing: str = ""
    """Punctuation after inline math, rendered with it so no line begins with it."""
    rows_numbered: bool = False
    empty: bool = field(default=False)
    """Only definitions: shows nothing."""


def math_plugin(md: MarkdownIt, convert: Converter) -> None:
    """Math syntax, its renderers, and :func:`prepare_math` for make_markdown to place."""
    math_syntax(md)

    def render_inline(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        return _render(tokens[idx], env, convert, display=False)

    def render_inline_double(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        return _render(tokens[idx], env, convert, display=True)

    def render_block(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        rendered = _render(tokens[idx], env, convert, display=True)
        return rendered + "\n" if rendered else ""

    md.add_render_rule("math_inline", render_inline)
    md.add_render_rule("math_inline_double", render_inline_double)
    md.add_render_rule("math_block", render_block)


# -------------------------------------------------------------------------- preparing


def prepare_math(state: StateCore) -> None:
    """Core rule, after inline parsing: expand, number and register every formula in order."""
    render_state = state_of(state.env)
    macros: dict[str, Macro] = dict(render_state.macros)
    for token, parent in walk(state.tokens):
        if token.type in MATH_TOKENS:
            token.meta = {**(token.meta or {}), PREPARED: _prepare(token, parent, macros,
                                                                   render_state)}
    for index, token in enumerate(state.tokens):
        if token.type == "inline" and token.children:
            _bind_trailing_punctuation(token.children)
            if index and state.tokens[index - 1].type == "paragraph_open":
                _drop_if_only_definitions(state.tokens, index)


def _drop_if_only_definitions(tokens: list[Token], index: int) -> None:
    """A paragraph holding nothing but macro definitions (``$\\def\\E{…}$`` lines) shows
    nothing: no empty paragraph either."""
    children = tokens[index].children or []
    shown = [child for child in children if not (
        child.type in ("softbreak", "hardbreak")
        or (child.type == "text" and not child.content.strip())
        or (child.type in MATH_TOKENS and (child.meta or {}).get(PREPARED) is not None
            and child.meta[PREPARED].empty))]
    if children and not shown and tokens[index + 1].type == "paragraph_close":
        tokens[index - 1].hidden = tokens[index + 1].hidden = True
        tokens[index].children = []


def _prepare(token: Token, parent: Token | None, macros: dict[str, Macro],
             state: RenderState) -> Prepared:
    tex = token.content.strip()

    def locate(offset: int) -> str:
        where = _location(state, token, parent, offset)
        return f"{where.path}:{where.line}"

    try:
        expansion = expand(tex, macros, locate)
    except MathError as problem:
        return Prepared(tex, error=problem)
    if expansion.only_definitions:
        return Prepared("", expansion, empty=True)
    prepared = Prepared(expansion.tex, expansion, references=tuple(
        (style, label, expansion.original_offset(offset) or 0)
        for style, label, offset in references_in(expansion.tex)))
    if token.type == "math_inline":
        return prepared
    label = (token.meta or {}).get("dg_label")
    try:
        layout = scan(expansion.tex, labelled=label is not None)
    except MathError as problem:
        problem.offset = expansion.original_offset(problem.offset)
        prepared.error = problem
        return prepared
    _number(prepared, layout, label, token, parent, state)
    return prepared


def _number(prepared: Prepared, layout: Layout, quarto_label: str | None, token: Token,
            parent: Token | None, state: RenderState) -> None:
    """Hand out the next equation numbers and register each labelled line as a target."""
    tags: list[str | None] = []
    anchors: list[str | None] = []
    labels: list[str] = []
    assert prepared.expansion is not None
    for row in layout.rows:
        number = None
        if row.numbered and row.tag is None:
            state.equations += 1
            number = state.equations
        label = quarto_label if quarto_label is not None else row.label
        anchor = None
        if label is not None:
            offset = 0 if quarto_label is not None else (
                prepared.expansion.original_offset(row.label_offset) or 0)
            location = _location(state, token, parent, offset)
            anchor = unique_anchor(state, _anchor_name(label))
            shown = row.tag if row.tag is not None else "" if number is None else str(number)
            if register_target(state, Target("eq", label, anchor, shown, location.line),
                               location):
                labels.append(label)
        tags.append(tag_text(row, number))
        anchors.append(anchor)
    prepared.labels = tuple(labels)
    prepared.rows_numbered = layout.per_row and any(tags)
    if layout.per_row:
        prepared.numbering = Numbering(tuple(tags), tuple(anchors), per_row=True)
    else:
        prepared.numbering = Numbering(tuple(tags))
        prepared.anchor = anchors[0]


def _anchor_name(label: str) -> str:
    """``eq-loss`` for Quarto's ``eq-loss`` and for LaTeX's ``loss`` or ``eq:loss``."""
    return "eq-" + re.sub(r"^eq[-:]", "", label)


def _bind_trailing_punctuation(children: list[Token]) -> None:
    """Move the punctuation after inline math into its token: rendered together, in a span
    that does not wrap, the period never starts the next line on a phone."""
    for math, following in zip(children, children[1:], strict=False):
        if math.type != "math_inline" or following.type != "text":
            continue
        match = _TRAILING_RE.match(following.content)
        prepared = (math.meta or {}).get(PREPARED)
        if match and prepared is not None:
            prepared.trailing = match.group()
            following.content = following.content[match.end():]


# -------------------------------------------------------------------------- rendering


def _render(token: Token, env, convert: Converter, *, display: bool) -> str:
    state = state_of(env)
    prepared: Prepared = (token.meta or {}).get(PREPARED) or Prepared(token.content.strip())
    if prepared.empty:
        return ""
    mathml = None
    if prepared.error is None:
        try:
            mathml = _convert(convert, prepared, display, state.in_appendix)
        except Exception as problem:  # noqa: BLE001 - the converter reports user errors so
            if not hasattr(problem, "message"):
                raise
            if prepared.expansion is not None:
                problem.offset = prepared.expansion.original_offset(  # type: ignore[attr-defined]
                    getattr(problem, "offset", None))
            prepared.error = problem  # type: ignore[assignment]
    if mathml is None:
        _report(state, token, prepared.error)
        mathml = f'<code class="math-error">{html.escape(token.content.strip())}</code>'
    else:
        for _style, label, offset in prepared.references:
            check_reference(state, label, _location(state, token, None, offset))
        if display:
            _leave_previews(state, prepared, convert)
    if not display:
        if prepared.trailing:
            return f'<span class="math-nowrap">{mathml}{html.escape(prepared.trailing)}</span>'
        return mathml
    # tabindex: a wide equation scrolls sideways and must be reachable by keyboard
    classes = "math-display math-rows" if prepared.rows_numbered else "math-display"
    anchor = "" if prepared.anchor is None or state.in_appendix else f' id="{prepared.anchor}"'
    # A span stays in its paragraph (and in a sidenote, itself a span inside one).
    block = token.type == "math_block" and not (state.in_sidenote and not state.in_appendix)
    element = "div" if block else "span"
    return f'<{element} class="{classes}"{anchor} tabindex="0">{mathml}</{element}>'


def _convert(convert: Converter, prepared: Prepared, display: bool, without_ids: bool) -> str:
    numbering = prepared.numbering
    if numbering is not None and without_ids and numbering.anchors:
        numbering = Numbering(numbering.tags, (), numbering.per_row)
    return convert(prepared.tex, display, numbering if display else None)


def _leave_previews(state: RenderState, prepared: Prepared, convert: Converter) -> None:
    """An equation's preview card shows the equation (without its element ids)."""
    for label in prepared.labels:
        target = state.targets.get(label)
        if target is not None and not target.preview_html:
            classes = "math-display math-rows" if prepared.rows_numbered else "math-display"
            target.preview_html = f'<span class="{classes}">' + _convert(
                convert, prepared, True, without_ids=True) + "</span>"


def _report(state: RenderState, token: Token, problem) -> None:
    state.report("bad-math", f"cannot convert formula: {problem.message}", token,
                 hint=getattr(problem, "hint", None),
                 location=_location(state, token, None, getattr(problem, "offset", None)))


def _location(state: RenderState, token: Token, parent: Token | None,
              offset: int | None) -> SourceLocation:
    """The line and column of an offset inside a formula, as far as we can tell."""
    start = state.location(token, parent)
    raw = token.content
    leading = len(raw) - len(raw.lstrip())
    # Inline math starts after its "$"/"\("; a block's content after "$$" on its first line
    # (an environment written without delimiters at its \begin).
    opening = 0 if token.info == "environment" else len(token.markup or "$")
    before = raw[: leading + (offset or 0)]
    newlines = before.count("\n")
    if newlines == 0:
        return SourceLocation(start.path, start.line, start.column + opening + len(before))
    column = len(before) - before.rfind("\n")
    return SourceLocation(start.path, start.line + newlines, column)
