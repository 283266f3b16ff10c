"""render_post: one post's Markdown to HTML, pure and self-contained.

Its output depends only on the post, the bibliography entries it cites, the assets it
references and the settings in the RenderContext, which is what lets posts render in parallel
worker processes and be cached by a hash of those inputs.
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .bibliography.csl import CslStyle
from .bibliography.model import Entry
from .bibliography.styles import post_style
from .errors import SourceLocation, did_you_mean
from .markdown import make_markdown
from .markdown.appendix import render_appendix
from .markdown.citations import resolve_citations
from .markdown.figures import plain_text, resolve_local_file
from .markdown.headings import table_of_contents
from .markdown.locations import BODY_LINES
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
    entries: Mapping[str, Entry] = field(default_factory=dict)
    """Bibliography entries by key (site bibliography; a post's own .bib is merged in)."""
    post_entries: Mapping[str, Mapping[str, Entry]] = field(default_factory=dict)
    """Post-local bibliographies: .bib path (site-relative) -> entries."""
    csl: CslStyle | None = None
    """The site's CSL style (setting ``csl``); None: the built-in ``citation_style``."""
    styles: Mapping[str, CslStyle] = field(default_factory=dict)
    """CSL styles posts name in front matter, by :func:`post_style_key`."""
    assets_on_disk: Mapping[str, AssetInfo] = field(default_factory=dict)
    post_urls: Mapping[str, str] = field(default_factory=dict)
    """Source path -> page folder of every post, for links between posts."""
    macros: Mapping[str, Macro] = field(default_factory=dict)
    """The site's TeX macros (``macros.tex``), for every post's formulas."""


@functools.lru_cache(maxsize=2)
def _markdown(smart_punctuation: bool = True) -> MarkdownIt:
    return make_markdown(smart_punctuation=smart_punctuation)


EntryLookup = Callable[[str], Entry | None]


def lookup_for(post: Post, context: RenderContext) -> EntryLookup:
    """The entry lookup for a post: its own .bib files first, in order, then the site's."""
    return _lookup(post, context)[0]


def _lookup(post: Post, context: RenderContext) -> tuple[EntryLookup, Callable[[], list[str]]]:
    tables = [context.post_entries.get(path, {}) for path in local_bib_paths(post)]
    tables = [table for table in tables if table]
    if not tables:
        return context.entries.get, lambda: list(context.entries)
    tables.append(context.entries)

    def lookup(key: str) -> Entry | None:
        for table in tables:
            entry = table.get(key)
            if entry is not None:
                return entry
        return None

    return lookup, lambda: list(dict.fromkeys(key for table in tables for key in table))


def local_bib_paths(post: Post) -> list[str]:
    """The post's own .bib files, site-relative and normalised (as the build keys them)."""
    folder = posixpath.dirname(post.source_path)
    return [posixpath.normpath(posixpath.join(folder, path)) for path in post.meta.bibliography]


def post_style_key(post: Post) -> str | None:
    """How a post's front-matter ``csl`` is keyed in :attr:`RenderContext.styles`: a style
    name as written, a file by its site-relative path."""
    from .bibliography.csl import is_style_file

    written = post.meta.csl
    if not written or not is_style_file(written):
        return written
    return posixpath.normpath(posixpath.join(posixpath.dirname(post.source_path), written))


def style_of(post: Post, context: RenderContext) -> CslStyle | None:
    """The CSL style a post is cited in, or None for the built-in ``citation_style``."""
    key = post_style_key(post)
    if key is not None:
        return context.styles.get(key)
    return context.csl


def post_dependencies(post: Post, context: RenderContext) -> tuple:
    """What rendering this post reads besides the post itself, the build's render settings
    and macros (:func:`distillgen.cache.keys.render_inputs`) and the entries it looks up:
    its CSL style, and for ``nocite: "@*"`` the list of every key (adding an entry changes
    it). Part of its render key (citeproc-py's version is in every key)."""
    style = style_of(post, context)
    every_key = None
    if "*" in post.meta.nocite:
        every_key = "\0".join(_lookup(post, context)[1]())
    return (style.digest if style else None, every_key)


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
    env = {"dg": state, BODY_LINES: body_lines}
    tokens = md.parse(post.body, env)
    render_previews(md, tokens, env)
    body_html = md.renderer.render(tokens, md.options, env)
    appendix_html = render_appendix(md, env)
    notes = render_appendix_notes(md, env)
    toc = table_of_contents(md, tokens, env)
    feed_parts = _feed_html(md, tokens, env, state) if feed else []
    _report_unknown_notes(state, tokens, env)
    _check_preview_image(post, state)
    listed = [lookup(key) for key in state.cited]
    listed += _nocite(post, context, state, lookup, known, keys_looked_up)
    style = post_style(context.settings.citation_style, listed, style_of(post, context),
                       context.settings.language)
    fill = resolve_citations(state, style)
    order = style.order()
    bibliography = tuple((key, style.reference_html(key)) for key in order)
    references = tuple(style.reference_plain(key) for key in order)
    feed_html = ""
    if feed:
        feed_html = fill("\n".join(
            feed_parts + _feed_references(bibliography, style.numbered_list)))
    return RenderedPost(
        post=post,
        html=fill(body_html),
        appendix_html=fill(appendix_html),
        toc=tuple(dataclasses.replace(entry, html=fill(entry.html)) for entry in toc),
        citations=tuple(entry.key for entry in listed),
        bibliography_html=bibliography,
        bibliography_numbered=style.numbered_list,
        footnotes_html=tuple((number, fill(note)) for number, note in notes),
        assets=tuple(state.assets[k] for k in sorted(state.assets)),
        links=tuple(state.links),
        anchors=tuple(_ids(tokens)),
        diagnostics=tuple(state.diagnostics),
        summary_text=_summary(tokens, state),
        reference_meta=references,
        image=state.preview_image,
        feed_html=feed_html,
        keys_looked_up=tuple(sorted(keys_looked_up)),
        files_looked_up=tuple(sorted(state.files_looked_up)),
    )


def _nocite(post: Post, context: RenderContext, state: RenderState, lookup, known,
            keys_looked_up: set[str]) -> list:
    """The works front matter lists with ``nocite`` (``*`` for every entry), not cited."""
    wanted = post.meta.nocite
    if not wanted:
        return []
    keys = known() if "*" in wanted else [key for key in wanted if key != "*"]
    if "*" in wanted:
        keys_looked_up.update(keys)
    listed = []
    for key in dict.fromkeys(keys):
        entry = lookup(key)
        if entry is None:
            suggestion = state.suggest("citation", key, known)
            state.report("unknown-citation", f"unknown citation key `{key}` in `nocite`",
                         hint=f"did you mean `{suggestion}`?" if suggestion else None,
                         warning=state.settings.unknown_citation == "warn",
                         location=SourceLocation(post.source_path, post.meta.nocite_line, 1))
        elif entry.key not in state.cited:
            listed.append(entry)
    return list({entry.key: entry for entry in listed}.values())


def _feed_references(bibliography: tuple[tuple[str, str], ...], numbered: bool) -> list[str]:
    """The reference list of the feed copy: numbered by the list in the built-in numeric
    style; other styles write their own labels, or sort by author."""
    if not bibliography:
        return []
    tag = "ol" if numbered else "ul"
    return [f"<h2>References</h2>\n<{tag}>",
            *(f"<li>{entry}</li>" for _key, entry in bibliography), f"</{tag}>"]


def _feed_html(md: MarkdownIt, tokens: list[Token], env, state: RenderState) -> list[str]:
    """The body for feed readers, which ignore our CSS: no hover cards or margin notes;
    notes (and, added by the caller, references) follow the text as lists."""
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
    return parts


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
            state.preview_image = resolved[2]


def _ids(tokens: list[Token]):
    for token in tokens:
        if token.attrGet("id"):
            yield str(token.attrGet("id"))


def _summary(tokens: list[Token], state: RenderState, limit: int = 280) -> str:
    """The first paragraph as plain text, for listings when there is no description."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            text = " ".join(plain_text(tokens[index + 1].children or [], state).split())
            if text:
                return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""
