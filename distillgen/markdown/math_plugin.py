"""``$…$`` and ``$$…$$`` math, converted to MathML while the page renders.

Parsing is mdit-py-plugins' dollarmath with the settings that keep prose safe: no space just
inside the dollars and no digit right after the opening one, so ``$5 and $10`` stays text.
The converter is injected, so the syntax can be tested without it and the converter without
Markdown. A formula that does not convert is a located ``bad-math`` diagnostic, never broken
MathML on the page.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from .locations import replace_inline_rule
from .state import state_of

Converter = Callable[[str, bool], str]
"""(tex, display) -> MathML; raises an exception with ``message``/``hint``/``offset``."""


def math_plugin(md: MarkdownIt, convert: Converter) -> None:
    """Dollar math with located errors; ``convert`` turns TeX into MathML."""
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, allow_labels=False,
           allow_blank_lines=False, double_inline=True)
    replace_inline_rule(md, "math_inline",
                        math_inline_dollar(allow_space=False, allow_digits=False,
                                           allow_double=True))

    def render_inline(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        return _render(tokens[idx], env, convert, display=False)

    def render_inline_double(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        return _render(tokens[idx], env, convert, display=True)

    def render_block(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        return _render(tokens[idx], env, convert, display=True) + "\n"

    md.add_render_rule("math_inline", render_inline)
    md.add_render_rule("math_inline_double", render_inline_double)
    md.add_render_rule("math_block", render_block)


def _render(token: Token, env, convert: Converter, *, display: bool) -> str:
    tex = token.content.strip()
    try:
        mathml = convert(tex, display)
    except Exception as problem:  # noqa: BLE001 - the converter reports user errors this way
        if not hasattr(problem, "message"):
            raise
        state = state_of(env)
        state.report("bad-math", f"cannot convert formula: {problem.message}", token,
                     hint=getattr(problem, "hint", None),
                     location=_error_location(state, token, getattr(problem, "offset", None)))
        mathml = f'<code class="math-error">{html.escape(tex)}</code>'
    if display:
        # tabindex: a wide equation scrolls sideways and must be reachable by keyboard
        return f'<div class="math-display" tabindex="0">{mathml}</div>'
    return mathml


def _error_location(state, token: Token, offset: int | None):
    """The line and column of the problem inside the formula, as far as we can tell."""
    start = state.location(token)
    raw = token.content
    leading = len(raw) - len(raw.lstrip())
    is_block = token.type == "math_block"
    # Inline math starts after its "$"/"$$"; a block's content after "$$" on its first line.
    opening = len(token.markup or ("$$" if is_block else "$"))
    before = raw[: leading + (offset or 0)]
    newlines = before.count("\n")
    if newlines == 0:
        return type(start)(start.path, start.line, start.column + opening + len(before))
    column = len(before) - before.rfind("\n")
    return type(start)(start.path, start.line + newlines, column)
