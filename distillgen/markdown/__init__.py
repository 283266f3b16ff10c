r"""The Markdown dialect: one markdown-it instance with every plugin wired in one place.

The plugins, one syntax each: citations (``@key``, ``[@a; @b]``), sidenotes (footnotes),
math (``$…$``, ``$$…$$``, ``\(…\)``, ``\[…\]``), cross-references (``\eqref{x}``,
``@eq-x``), figures (images, alone in a paragraph), highlight (fenced code), headings (ids and
the table of contents). Attributes (``{.l-page}``) come from mdit-py-plugins; GFM tables and
strikethrough from markdown-it's core.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin

from .citations import citations_plugin
from .crossref import ResolvingRenderer, crossref_plugin
from .figures import figures_plugin
from .headings import headings_plugin
from .highlight import markdown_highlighter
from .links import links_plugin
from .locations import assign_lines
from .math import Numbering
from .math_plugin import Converter, math_plugin, prepare_math
from .sidenotes import sidenotes_plugin
from .tables import tables_plugin


def _default_converter(tex: str, display: bool, numbering: Numbering | None) -> str:
    from .math import tex_to_mathml

    return tex_to_mathml(tex, display=display, numbering=numbering)


def make_markdown(convert_math: Converter | None = None) -> MarkdownIt:
    """The configured parser and renderer; ``convert_math`` is injectable for tests."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False,
                                   "highlight": markdown_highlighter},
                    renderer_cls=ResolvingRenderer)
    md.enable("strikethrough")
    md.use(tables_plugin)
    md.use(math_plugin, convert=convert_math or _default_converter)
    md.use(crossref_plugin)
    md.use(citations_plugin)
    md.use(sidenotes_plugin)
    md.use(attrs_plugin)
    _attrs_only_at_brace(md)
    md.use(attrs_block_plugin)
    md.use(figures_plugin)
    md.use(links_plugin)
    md.use(headings_plugin)
    md.core.ruler.after("inline", "dg_assign_lines", assign_lines)
    # In document order, notes included (before footnote_tail moves them to the end).
    md.core.ruler.after("dg_assign_lines", "math_prepare", prepare_math)
    return md


def _attrs_only_at_brace(md: MarkdownIt) -> None:
    """Run the inline attributes rule only where ``{`` starts them. The plugin's rule reads
    the pending text at every character no other rule took, which costs time in proportion
    to the paragraph so far: a long paragraph of punctuation took quadratic time."""
    attr_rule = next(rule.fn for rule in md.inline.ruler.__rules__ if rule.name == "attr")

    def attrs_at_brace(state: StateInline, silent: bool) -> bool:
        return state.src[state.pos] == "{" and attr_rule(state, silent)

    md.inline.ruler.at("attr", attrs_at_brace)
