r"""The Markdown dialect: one markdown-it instance with every plugin wired in one place.

The plugins, one syntax each: citations (``@key``, ``[@a; @b]``), sidenotes (footnotes and
``^[…]``), math (``$…$``, ``$$…$$``, ``\(…\)``, ``\[…\]``), cross-references
(``\eqref{x}``, ``@eq-x``, ``@fig-x``), figures (images, alone in a paragraph; videos), media
(files raw HTML refers to), highlight and code_blocks (fenced code and its attributes),
attributes (pandoc's ``{#id .class key=value}`` and bracketed spans), fenced_divs (``:::``,
callouts, theorems, asides), alerts (GitHub's ``> [!NOTE]``), html_blocks (Markdown inside
HTML blocks), tables (pipe and grid tables, captions), distill_tags (``<d-cite>``…), smart
(punctuation), headings (ids and the table of contents), appendix, numbering (cross-reference
targets), and unrendered (the check that nothing looks like unprocessed syntax).
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from .alerts import alerts_plugin
from .appendix import appendix_plugin
from .attributes import attributes_plugin
from .bundle import bundle_plugin
from .citations import citations_plugin
from .code_blocks import code_blocks_plugin
from .crossref import ResolvingRenderer, crossref_plugin
from .distill_tags import distill_tags_plugin
from .fenced_divs import fenced_divs_plugin
from .figures import figures_plugin
from .headings import headings_plugin
from .highlight import markdown_highlighter
from .html_blocks import html_blocks_plugin
from .links import links_plugin
from .locations import assign_lines
from .math import Numbering, tex_to_mathml
from .math_plugin import Converter, math_plugin, prepare_math
from .media import media_plugin
from .numbering import numbering_plugin
from .sidenotes import locate_inline_notes, sidenotes_plugin
from .smart import smart_punctuation_plugin
from .tables import tables_plugin
from .unrendered import unrendered_plugin


def _default_converter(tex: str, display: bool, numbering: Numbering | None) -> str:
    return tex_to_mathml(tex, display=display, numbering=numbering)


def make_markdown(convert_math: Converter | None = None, *,
                  smart_punctuation: bool = True) -> MarkdownIt:
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
    md.use(attributes_plugin)
    md.use(code_blocks_plugin)
    md.use(fenced_divs_plugin)
    md.use(alerts_plugin)
    md.use(html_blocks_plugin)
    md.use(distill_tags_plugin)
    md.use(figures_plugin)
    md.use(media_plugin)
    md.use(links_plugin)
    md.use(headings_plugin)
    md.use(appendix_plugin)
    if smart_punctuation:
        md.use(smart_punctuation_plugin)
    md.core.ruler.after("inline", "dg_assign_lines", assign_lines)
    md.core.ruler.after("dg_assign_lines", "dg_locate_inline_notes", locate_inline_notes)
    # In document order, notes included (before footnote_tail moves them to the end).
    md.core.ruler.after("dg_locate_inline_notes", "math_prepare", prepare_math)
    md.use(unrendered_plugin)
    md.use(numbering_plugin)
    md.use(bundle_plugin)
    return md
