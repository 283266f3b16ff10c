"""Files that an author's raw HTML refers to: copied into the site and checked like images.

``<img src>``, ``<video src>``, ``<source src>``, ``<audio src>``, ``<track src>``,
``<iframe src>``, ``<embed src>``, ``<object data>``, ``<script src>``, ``<video poster>`` and
``<a href>`` to a file (``data.csv``, ``paper.pdf``; not a page) are resolved against the
Markdown file like ``![…](…)``: the file is copied, the attribute rewritten to its URL in the
site, and a missing file is a located ``missing-asset`` error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_inline.html_inline import html_inline as html_inline_rule
from markdown_it.token import Token

from .locations import COLUMN, LINE, replace_inline_rule
from .paths import is_file_link, resolve_local_file
from .state import state_of

_ELEMENT = re.compile(r"<(img|video|source|audio|track|iframe|embed|object|script|a)\b([^>]*)>",
                      re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""(\s(src|href|data|poster)\s*=\s*)("([^"]*)"|'([^']*)')""",
                        re.IGNORECASE)
_LIQUID_ANYWHERE = re.compile(
    r"""\{\{\s*(?:(["'])([^"'{}]+)\1\s*\|\s*(?:relative_url|absolute_url)|site\.baseurl)\s*\}\}""")
_LIQUID_URL = re.compile(
    r"""^\{\{\s*(?:site\.baseurl\s*\}\}\s*/?(?P<rest>.*)|['"](?P<path>[^'"]+)['"]\s*\|\s*"""
    r"""(?:relative_url|absolute_url|prepend:\s*site\.baseurl)\s*\}\})\s*$""")


def media_plugin(md: MarkdownIt) -> None:
    replace_inline_rule(md, "html_inline", html_inline_rule)
    rules = getattr(md.renderer, "rules", {})
    default_block = rules.get("html_block")
    default_inline = rules.get("html_inline")

    def render_block(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        tokens[idx].content = rewrite_html(env, tokens[idx])
        return default_block(tokens, idx, options, env) if default_block else tokens[idx].content

    def render_inline(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        tokens[idx].content = rewrite_html(env, tokens[idx])
        return default_inline(tokens, idx, options, env) if default_inline else \
            tokens[idx].content

    md.add_render_rule("html_block", render_block)
    md.add_render_rule("html_inline", render_inline)


def rewrite_html(env, token: Token) -> str:
    """The raw HTML with every local file reference pointing at its copy in the site."""
    content = token.meta.setdefault("dg_original", token.content)
    if "<" not in content:
        return content
    state = state_of(env)
    if "{{" in content:
        content = _LIQUID_ANYWHERE.sub(lambda m: "/" + m.group(2).lstrip("/") if m.group(2)
                                       else "", content)
        if content != token.meta["dg_original"] and not state.for_feed:
            state.report("distill-tag", "`{{ … | relative_url }}` is al-folio's Liquid; the "
                         "site path it names is used", _located(token, content, 0),
                         hint="write the path itself: /assets/x.png from the site root, or "
                         "relative to the post", warning=True)
    pieces: list[str] = []
    last = 0
    for element in _ELEMENT.finditer(content):
        name = element.group(1).lower()
        for attribute in _ATTRIBUTE.finditer(element.group(2)):
            kind = attribute.group(2).lower()
            if (kind == "href") != (name == "a") and not (kind == "poster" and name == "video") \
                    and not (kind == "data" and name == "object"):
                continue
            if kind == "data" and name != "object":
                continue
            value = attribute.group(4) if attribute.group(4) is not None else attribute.group(5)
            url = _liquid_url(value)
            if url is None:
                url = value
            if name == "a" and not is_file_link(url):
                continue
            start = element.start(2) + attribute.start(3) + 1
            where = _located(token, content, start)
            resolved = resolve_local_file(state, url, where)
            if resolved is None:
                if url != value:  # a Liquid URL that does not resolve: at least make it a path
                    pieces.append(content[last:start])
                    pieces.append(url)
                    last = start + len(value)
                continue
            pieces.append(content[last:start])
            pieces.append(resolved[0])
            last = start + len(value)
    if not pieces:
        return content
    pieces.append(content[last:])
    return "".join(pieces)


def _liquid_url(value: str) -> str | None:
    """al-folio writes ``{{ 'assets/x.html' | relative_url }}``: the site path it means."""
    match = _LIQUID_URL.match(value)
    if match is None:
        return None
    path = match.group("path") if match.group("path") is not None else match.group("rest")
    return "/" + path.lstrip("/")


def _located(token: Token, content: str, offset: int) -> Token:
    """A stand-in token placed at ``offset`` inside the raw HTML, for diagnostics."""
    before = content[:offset]
    start: int = token.meta[LINE] if token.meta and LINE in token.meta else \
        (token.map[0] if token.map else 0)
    line = start + before.count("\n")
    column = offset - (before.rfind("\n") + 1)
    if token.meta and COLUMN in token.meta and "\n" not in before:
        column += token.meta[COLUMN]
    stand_in = Token("html_inline", "", 0)
    stand_in.meta = {LINE: line, COLUMN: column}
    return stand_in
