"""Smart punctuation as pandoc's ``smart`` extension: curly quotes, ``--`` en dash, ``---``
em dash, ``...`` ellipsis.

Quotes are markdown-it's typographer (``smartquotes``); dashes and ellipses are our own rule,
because markdown-it's ``replacements`` also rewrites ``(c)``, ``+-`` and ``??``, which pandoc
leaves alone. Both touch only text: code, math, raw HTML and URLs keep what was written, and
a backslash (``\\-\\-``) keeps a character as it is.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

_DASHES = re.compile(r"(?<!-)(---|--)(?!-)")
_ELLIPSIS = re.compile(r"\.\.\.")


def smart_punctuation_plugin(md: MarkdownIt) -> None:
    md.options["typographer"] = True
    md.enable("smartquotes")
    md.disable("replacements", ignoreInvalid=True)
    md.core.ruler.before("smartquotes", "dg_dashes", dashes_and_ellipses)


def _replace(text: str) -> str:
    text = _DASHES.sub(lambda m: "—" if m.group(1) == "---" else "–", text)
    return _ELLIPSIS.sub("…", text)


def dashes_and_ellipses(state: StateCore) -> None:
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        inside_link = 0
        for token in block.children:
            if token.type == "link_open" and token.info == "auto":
                inside_link += 1
            elif token.type == "link_close" and inside_link:
                inside_link -= 1
            elif token.type == "text" and not inside_link and ("--" in token.content
                                                               or "..." in token.content):
                token.content = _replace(token.content)
