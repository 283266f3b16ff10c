"""The Markdown dialect: one markdown-it instance with every plugin wired in one place.

The plugins, one syntax each: citations (``@key``, ``[@a; @b]``), sidenotes (footnotes),
math (``$…$``, ``$$…$$``), figures (images, alone in a paragraph), highlight (fenced code),
headings (ids and the table of contents). Attributes (``{.l-page}``) come from
mdit-py-plugins; GFM tables and strikethrough from markdown-it's core.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin

from .citations import citations_plugin
from .figures import figures_plugin
from .headings import headings_plugin
from .highlight import markdown_highlighter
from .links import links_plugin
from .locations import assign_lines
from .math_plugin import math_plugin
from .sidenotes import sidenotes_plugin


def _default_converter(tex: str, display: bool) -> str:
    from .math import tex_to_mathml

    return tex_to_mathml(tex, display=display)


def make_markdown(convert_math: Callable[[str, bool], str] | None = None) -> MarkdownIt:
    """The configured parser and renderer; ``convert_math`` is injectable for tests."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False,
                                   "highlight": markdown_highlighter})
    md.enable(["table", "strikethrough"])
    md.use(math_plugin, convert=convert_math or _default_converter)
    md.use(citations_plugin)
    md.use(sidenotes_plugin)
    md.use(attrs_plugin)
    md.use(attrs_block_plugin)
    md.use(figures_plugin)
    md.use(links_plugin)
    md.use(headings_plugin)
    md.core.ruler.after("inline", "dg_assign_lines", assign_lines)
    return md
