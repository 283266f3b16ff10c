"""render_post: one post's Markdown to HTML, pure and self-contained.

Its output depends only on the post, the bibliography entries it cites, the assets it
references and the settings in the RenderContext, which is what lets posts render in parallel
worker processes and be cached by a hash of those inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .errors import SourceLocation, did_you_mean
from .markdown import make_markdown
from .markdown.appendix import render_appendix
from .markdown.figures import plain_text, resolve_local_file
from .markdown.headings import table_of_contents
from .markdown.math.macros import Macro
from .markdown.numbering import render_previews
from .markdown.sidenotes import render_appendix_notes
from .markdown.state import AssetInfo, RenderState
from .model import Post, RenderedPost
from .settings import RenderSettings, default_render_settings


@dataclass(frozen=True)
class RenderContext:
    """Everything besides the post that rendering reads."""

    settings: RenderSettings = field(default_factory=default_render_settings)
    """The settings rendering reads, built once per build from SiteConfig."""
    entries: Mapping[str, object] = field(default_factory=dict)
    """Bibliography entries by key (site bibliography; a post's own .bib is merged in)."""
    post_entries: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    """Post-local bibliographies: .bib path (site-relative) -> entries."""
    assets_on_disk: Mapping[str, AssetInfo] = field(default_factory=dict)
    post_urls: Mapping[str, str] = field(default_factory=dict)
    """Source path -> page folder of every post, for links between posts."""
    macros: Mapping[str, Macro] = field(default_factory=dict)
    """The site's TeX macros (``macros.tex``), for every post's formulas."""


@functools.lru_cache(maxsize=2)
def _markdown(smart_punctuation: bool = True) -> MarkdownIt:
    return make_markdown(smart_punctuation=smart_punctuation)


def lookup_for(post: Post, context: RenderContext):
    """The entry lookup for a post: its own .bib first, then the site's."""
    return _lookup(post, context)[0]


def _lookup(post: Post, context: RenderContext):
    local: Mapping[str, object] = {}
    if post.meta.bibliography:
        local = context.post_entries.get(_local_bib_path(post), {})
    if not local:
        return context.entries.get, lambda: list(context.entries)

    def lookup(key: str):
        return local.get(key) or context.entries.get(key)

    return lookup, lambda: list(local) + list(context.entries)


def _local_bib_path(post: Post) -> str:
    import posixpath

    folder = posixpath.dirname(post.source_path)
    return posixpath.normpath(posixpath.join(folder, post.meta.bibliography or ""))


def render_post(post: Post, context: RenderContext, md: MarkdownIt | None = None, *,
                feed: bool = True) -> RenderedPost:
    """Render a post's body, notes, bibliography and table of contents, and with ``feed``
    also the copy for feed readers (skipped for posts the feed does not carry: it costs a
    second rendering pass)."""
    md = md or _markdown(context.settings.smart_punctuation)
    resolve, known = _lookup(post, context)
    keys_looked_up: set[str] = set()

    def lookup(key: str):
        keys_looked_up.add(key)
        return resolve(key)

    body_lines = post.body.split("\n")
    source_dir = PurePosixPath(post.source_path).parent
    state = RenderState(
        source_path=post.source_path,
        line_offset=post.body_line_offset,
        body_lines=body_lines,
        lookup_entry=lookup,
        known_keys=known,
        settings=context.settings,
        source_dir=source_dir,
        page_dir=post.url_path,
        bundle_dir=post.bundle_dir,
        assets_on_disk=context.assets_on_disk,
        post_urls=context.post_urls,
        macros=context.macros,
    )
    env = {"dg": state, "dg_body_lines": body_lines}
    tokens = md.parse(post.body, env)
    render_previews(md, tokens, env)
    body_html = md.renderer.render(tokens, md.options, env)
    appendix_html = render_appendix(md, env)
    notes = render_appendix_notes(md, env)
    toc = table_of_contents(md, tokens, env)
    feed_html = _feed_html(md, tokens, env, state, lookup) if feed else ""
    _report_unknown_notes(state, tokens, env)
    _check_preview_image(post, state)
    bibliography = tuple(
        (key, lookup(key).html()) for key in state.cited
    )
    references = tuple(lookup(key).plain() for key in state.cited)
    return RenderedPost(
        post=post,
        html=body_html,
        appendix_html=appendix_html,
        toc=toc,
        citations=tuple(state.cited),
        bibliography_html=bibliography,
        footnotes_html=notes,
        assets=tuple(state.assets[k] for k in sorted(state.assets)),
        links=tuple(state.links),
        anchors=tuple(_ids(tokens)),
        diagnostics=tuple(state.diagnostics),
        summary_text=_summary(tokens),
        reference_meta=references,
        image=state.extra.get("image"),
        feed_html=feed_html,
        keys_looked_up=tuple(sorted(keys_looked_up)),
        files_looked_up=tuple(sorted(state.files_looked_up)),
    )


def _feed_html(md: MarkdownIt, tokens: list[Token], env, state: RenderState, lookup) -> str:
    """The body for feed readers, which ignore our CSS: no hover cards or margin notes;
    notes and references follow the text as lists."""
    diagnostics_before = len(state.diagnostics)
    state.for_feed = True
    try:
        body = md.renderer.render(tokens, md.options, env)
        appendix = render_appendix(md, env)
        notes = render_appendix_notes(md, env)
    finally:
        state.for_feed = False
        del state.diagnostics[diagnostics_before:]  # already reported by the page render
    parts = [body]
    if appendix:
        parts.append(appendix)
    if notes:
        parts.append("<h2>Notes</h2>\n<ol>")
        parts += [f'<li value="{number}">{note}</li>' for number, note in notes]
        parts.append("</ol>")
    if state.cited:
        parts.append("<h2>References</h2>\n<ol>")
        parts += [f"<li>{lookup(key).html()}</li>" for key in state.cited]
        parts.append("</ol>")
    return "\n".join(parts)


def _report_unknown_notes(state: RenderState, tokens: list[Token], env) -> None:
    """``[^label]`` with no definition would silently stay as text: report it."""
    import re

    defined = [k[1:] for k in env.get("footnotes", {}).get("refs", {})]
    pattern = re.compile(r"\[\^([^\]\s]+)\]")
    for block in tokens:
        if block.type != "inline":
            continue
        for child in block.children or []:
            if child.type != "text":
                continue
            for match in pattern.finditer(child.content):
                label = match.group(1)
                suggestion = did_you_mean(label, defined)
                line = (block.map[0] if block.map else 0) + \
                    block.content[: block.content.find(match.group(0))].count("\n")
                source_line = state.body_lines[line] if line < len(state.body_lines) else ""
                column = max(source_line.find(match.group(0)), 0) + 1
                location = SourceLocation(state.source_path, line + state.line_offset + 1,
                                          column)
                state.report("unknown-footnote", f"footnote `[^{label}]` is never defined",
                             hint=(f"did you mean `[^{suggestion}]`?" if suggestion else
                                   f"add a line `[^{label}]: the note's text`"),
                             location=location)


def _check_preview_image(post: Post, state: RenderState) -> None:
    """A local ``image:`` in front matter must exist and is copied like any image."""
    if post.meta.image:
        resolved = resolve_local_file(state, post.meta.image, None)
        if resolved is not None:
            state.extra["image"] = resolved[2]


def _ids(tokens: list[Token]):
    for token in tokens:
        if token.attrGet("id"):
            yield str(token.attrGet("id"))


def _summary(tokens: list[Token], limit: int = 280) -> str:
    """The first paragraph as plain text, for listings when there is no description."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            text = " ".join(plain_text(tokens[index + 1].children or []).split())
            if text:
                return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""
