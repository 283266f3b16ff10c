"""Page bundles: the files a bundled post links to are published beside its page.

A post written as ``content/blog/x/index.md`` keeps its files in its own folder (Hugo's and
Quarto's page bundles). Every file of that folder the post refers to, from a Markdown link
(``[the data](results.csv)``) or from its own HTML (``<script src="plot.js">``,
``<iframe src="widget.html">``, ``<a href="paper.pdf">``), is copied beside the page and
checked like an image: a missing one is a located ``missing-asset`` error. Images are handled
by the figures plugin, which puts bundle files beside the page too.

Only references that stay inside the bundle folder are taken, and never a folder
(``../other/``) or another post's ``.md``: those are links to pages, checked by the link
checker. Since the files land beside the page, the addresses the author wrote stay valid and
nothing is rewritten.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..errors import SourceLocation
from .locations import walk
from .paths import in_bundle, resolve_local_file
from .state import RenderState, state_of

_HTML_REFERENCE = re.compile(
    r"""\s(?:src|href|data|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
    re.IGNORECASE)
"""An attribute of raw HTML that names a file: ``src``, ``href``, ``data`` (``<object>``) and
``poster`` (``<video>``)."""


def bundle_plugin(md: MarkdownIt) -> None:
    """Record (and check) the bundle files a post links to, once its tokens are located."""
    md.core.ruler.push("dg_bundle_files", collect_bundle_files)


def collect_bundle_files(state: StateCore) -> None:
    render_state = state_of(state.env)
    if render_state.bundle_dir is None:
        return
    for token, block in walk(state.tokens):
        if token.type == "link_open":
            _take(render_state, str(token.attrGet("href") or ""), token, None)
        elif token.type in ("html_block", "html_inline"):
            for match in _HTML_REFERENCE.finditer(token.content):
                value = next(g for g in match.groups() if g is not None)
                where = _html_location(render_state, token, block, match.start(), value)
                _take(render_state, value, token, where)


def _take(state: RenderState, href: str, token: Token, where: SourceLocation | None) -> None:
    if not in_bundle(state, href):
        return
    if where is None:
        resolve_local_file(state, href, token)
        return
    before = len(state.diagnostics)
    resolve_local_file(state, href, token)
    for index in range(before, len(state.diagnostics)):  # place it at the attribute
        problem = state.diagnostics[index]
        state.diagnostics[index] = type(problem)(problem.severity, problem.code,
                                                 problem.message, where, problem.hint)


def _html_location(state: RenderState, token: Token, block: Token | None, offset: int,
                   value: str) -> SourceLocation | None:
    """Where an attribute of raw HTML was written: html_block tokens know their first line,
    html_inline ones only their paragraph's, so the attribute is looked for from there."""
    start = token.map[0] if token.map else (block.map[0] if block is not None and block.map
                                            else None)
    if start is None:
        return None
    line = start + token.content.count("\n", 0, offset) if token.type == "html_block" else start
    lines = state.body_lines
    for number in range(line, min(len(lines), line + 50)):
        column = lines[number].find(value)
        if column >= 0:
            return SourceLocation(state.source_path, number + state.line_offset + 1, column + 1)
    return None
