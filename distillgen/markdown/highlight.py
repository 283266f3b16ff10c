"""Code blocks highlighted by pygments at build time, with CSS classes and no inline styles.

pygments' own HTML wrapper nests ``<pre>`` inside a ``<div>`` and markdown-it would wrap it
again, so we ask pygments for the bare spans and write one ``<pre><code>`` ourselves.
"""

from __future__ import annotations

import functools
import html

from pygments import highlight as pygments_highlight
from pygments.formatters.html import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

CSS_CLASS = "highlight"


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


_FORMATTER = HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=4096)
def highlight_code(code: str, language: str) -> str:
    """The whole ``<pre>`` element for a code block; unknown languages stay plain."""
    language = language.strip().split()[0].lower() if language.strip() else ""
    lexer = _lexer(language) if language else None
    lang_class = f' class="language-{html.escape(language)}"' if language else ""
    if lexer is None:
        body = html.escape(code, quote=False)
    else:
        body = pygments_highlight(code, lexer, _FORMATTER)
    return f'<pre class="{CSS_CLASS}"><code{lang_class}>{body}</code></pre>\n'


def markdown_highlighter(code: str, language: str, attrs: str) -> str:
    """markdown-it's ``highlight`` option: a result starting with ``<pre`` is used as is."""
    return highlight_code(code, language or "")


def stylesheet(light_style: str = "default", dark_style: str = "monokai") -> str:
    """CSS for highlighted code: a light palette, and a dark one under prefers-color-scheme."""
    light = HtmlFormatter(style=light_style).get_style_defs(f".{CSS_CLASS}")
    dark = HtmlFormatter(style=dark_style).get_style_defs(f".{CSS_CLASS}")
    dark_indented = "\n".join("  " + line for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark_indented}\n}}\n"
