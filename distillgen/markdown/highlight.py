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
from pygments.token import Token
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
    # tabindex: a block that scrolls sideways must be reachable by keyboard
    return f'<pre class="{CSS_CLASS}" tabindex="0"><code{lang_class}>{body}</code></pre>\n'


def markdown_highlighter(code: str, language: str, attrs: str) -> str:
    """markdown-it's ``highlight`` option: a result starting with ``<pre`` is used as is."""
    return highlight_code(code, language or "")


def stylesheet(light_style: str = "default", dark_style: str = "github-dark") -> str:
    """CSS for highlighted code: a light palette, and a dark one under prefers-color-scheme.

    Only the token and background rules: pygments' full output also restyles every ``pre``
    on the page. Both default palettes keep every token at WCAG AA contrast on their own
    background. The dark block first resets every token the light palette colours, so a
    token the dark palette leaves alone cannot keep a light-theme colour on a dark ground.
    """
    selector = f".{CSS_CLASS}"
    light_formatter = HtmlFormatter(style=light_style)
    dark_formatter = HtmlFormatter(style=dark_style)
    light = _palette_rules(light_formatter, selector)
    reset = (f"{selector} [class] {{ color: inherit; background-color: transparent; "
             "font-weight: inherit; font-style: inherit; border: 0 }")
    dark_lines = [f"{selector} {{ color: {_text_color(dark_formatter)} }}", reset,
                  *_palette_rules(dark_formatter, selector).splitlines()]
    dark = "\n".join("  " + line for line in dark_lines)
    return (f"{light}\n{selector} {{ color: {_text_color(light_formatter)} }}\n"
            f"@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n")


def _palette_rules(formatter: HtmlFormatter, selector: str) -> str:
    rules = [*formatter.get_background_style_defs(selector),
             *formatter.get_token_style_defs(selector)]
    return "\n".join(rules)


def _text_color(formatter: HtmlFormatter) -> str:
    """Plain code text colour: the palette's own, else black or white against its ground."""
    text_style = formatter.style.style_for_token(Token.Text)
    if text_style["color"]:
        return f"#{text_style['color']}"
    background = formatter.style.background_color or "#ffffff"
    return "#1a1a1a" if _is_light(background) else "#e6e6e6"


def _is_light(color: str) -> bool:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(char * 2 for char in digits)
    red, green, blue = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return red * 299 + green * 587 + blue * 114 > 128_000
