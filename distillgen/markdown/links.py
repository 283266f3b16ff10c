"""Links: located for the link checker, links to other posts' Markdown files rewritten, and
local files linked to published.

Authors may link to a post by its source file (``[see](other-post.md#section)``), which keeps
working in an editor and on GitHub; the built site gets the relative URL of that post's page,
its folder names percent-encoded (a folder named ``javascript:x`` or ``c#`` stays a path) and
checked once more: a rewritten link never has a scheme. A link to a file that is not a page
(``[the data](results.csv)``, ``[slides](talk.pdf#page=3)``) is resolved against the Markdown
file like an image or an ``<a href>`` in raw HTML: the file is copied, the link points at the
copy, and a missing file is a located ``missing-asset`` error.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline.link import link as link_rule
from markdown_it.token import Token

from ..names import url_path
from .locations import replace_inline_rule
from .paths import EXTERNAL_URL_RE, in_bundle, is_file_link, resolve_local_file
from .state import state_of


def links_plugin(md: MarkdownIt) -> None:
    """Located links, with ``.md`` targets rewritten to page URLs."""
    replace_inline_rule(md, "link", link_rule)
    assert isinstance(md.renderer, RendererHTML)  # the only renderer make_markdown sets up
    default_open = md.renderer.rules.get("link_open")

    def render_link_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        rewritten = rewrite_post_link(env, href, token)
        if rewritten is None:
            rewritten = published_file_link(env, href, token)
        if rewritten is not None:
            token.attrSet("href", rewritten)
        state = state_of(env)
        if not state.in_appendix and not state.for_feed:
            location = state.location(token)
            state.links.append((str(token.attrGet("href")), location.line, location.column))
        if default_open is not None:
            return default_open(tokens, idx, options, env)
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", render_link_open)


def published_file_link(env, href: str, token: Token) -> str | None:
    """The URL of the copy of a linked local file; None for pages, external links and files of
    a page bundle (published beside the page, where the link already points)."""
    state = state_of(env)
    if not is_file_link(href) or href.startswith("#") or EXTERNAL_URL_RE.match(href) \
            or in_bundle(state, href):
        return None
    resolved = resolve_local_file(state, href, token)
    return None if resolved is None else resolved[0]


def rewrite_post_link(env, href: str, token: Token) -> str | None:
    """The page URL for a link to another post's ``.md`` file; None to leave it alone."""
    if not href or EXTERNAL_URL_RE.match(href) or href.startswith("#"):
        return None
    path, _, fragment = href.partition("#")
    if not unquote(path).endswith(".md"):
        return None
    state = state_of(env)
    joined = posixpath.normpath(posixpath.join(str(state.source_dir), unquote(path)))
    state.files_looked_up.add(joined)
    target = state.post_urls.get(joined)
    if target is None:
        state.report("broken-link", f"link to `{path}`, which is not a post of this site",
                     token, hint="link to a Markdown file under the content folder",
                     warning=True)
        return None
    url = url_path(posixpath.relpath(target, str(state.page_dir))) + "/"
    if EXTERNAL_URL_RE.match(url):  # cannot happen once encoded; a link must never run code
        url = "./" + url
    return url + (f"#{fragment}" if fragment else "")
