r"""Cross-references: numbered links to a post's equations, figures, tables, sections and
theorems, each with a preview card that shows on hover and keyboard focus, without script.

Syntax, as LaTeX and Quarto write it:

- ``\eqref{x}`` -> "(1)" and ``\ref{x}`` -> "1", in prose and inside math (where it is the
  number alone: a formula is read as one whole by assistive technology, which could not
  reach a link inside it);
- ``@eq-x`` -> "Equation 1", ``@fig-x`` -> "Figure 1" … (any kind of
  :data:`~.targets.KIND_NAMES`); ``[@fig-x]`` the same, ``[-@fig-x]`` the bare number,
  ``[Fig. @fig-x]`` the given word instead of the kind's, ``[@fig-x, left]`` with a suffix;
  ``@Fig-x`` capitalises the word, as in Quarto.

The citation plugin hands ``@key`` items whose key starts with a kind's prefix to this module
(:func:`reference_token_type`). Targets register in ``RenderState.targets`` while the post is
parsed (:func:`register_target`, which reports a ``duplicate-label``), so a reference may come
before its target; a label nothing defines is an ``unknown-reference`` at the reference.

A preview may need HTML that exists only once its target has rendered (a figure's caption
after the reference). So a reference renders as a placeholder, and :class:`ResolvingRenderer`
replaces the placeholders once the outermost render call has finished: the body, each
appendix note, the feed copy. An inline render that is not part of a page (the table of
contents) gets the reference's plain text, since it sits inside a link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..errors import SourceLocation
from .locations import recording_offsets
from .math.references import PLACEHOLDER_RE, STYLES
from .records import ReferenceUse
from .state import RenderState, state_of
from .targets import KIND_NAMES, Target

_KIND_RE = re.compile("(" + "|".join(KIND_NAMES) + ")-", re.IGNORECASE)
_TEX_REFERENCE_RE = re.compile(r"\\(eqref|ref)\{([^{}\n]+)\}")
_USE_RE = re.compile("\x02u([0-9]+)\x03")
_ID_ATTRIBUTE_RE = re.compile(r'\s(?:id|aria-describedby)="[^"]*"')
_BLOCK_TAG_RE = re.compile(
    r"<(/?)(address|article|aside|blockquote|caption|details|div|dl|dd|dt|figcaption|figure|"
    r"h[1-6]|header|hr|li|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)"
    r"\b([^>]*)>", re.IGNORECASE)
_CLASS_RE = re.compile(r'\sclass="([^"]*)"')


def crossref_plugin(md: MarkdownIt) -> None:
    """``\\eqref{…}``/``\\ref{…}`` in prose and the renderer of every reference."""
    md.inline.ruler.before("escape", "tex_reference", recording_offsets(parse_tex_reference))
    md.add_render_rule("xref", render_reference)


def is_reference_key(key: str) -> bool:
    """Whether a cited key names a cross-reference target (``eq-…``, ``fig-…``, ``Fig-…``)."""
    match = _KIND_RE.match(key)
    return match is not None and match.group(1)[1:].islower() and len(key) > match.end()


def reference_token_type(items: Sequence) -> str:
    """The token type for a parsed citation: ``xref`` when every key is a cross-reference."""
    return "xref" if items and all(is_reference_key(item.key) for item in items) else "citation"


def parse_tex_reference(state: StateInline, silent: bool) -> bool:
    """``\\eqref{x}`` and ``\\ref{x}`` written in the text, as LaTeX authors do."""
    if state.src[state.pos] != "\\":
        return False
    match = _TEX_REFERENCE_RE.match(state.src, state.pos)
    if match is None or match.end() > state.posMax:
        return False
    if not silent:
        token = state.push("xref", "", 0)
        token.content = token.markup = match.group()
        token.meta = {"tex": (STYLES["\\" + match.group(1)], match.group(2).strip())}
    state.pos = match.end()
    return True


# -------------------------------------------------------------------------- targets


def register_target(state: RenderState, target: Target, location: SourceLocation) -> bool:
    """Add a target; a label defined twice is a ``duplicate-label`` error at the second."""
    earlier = state.targets.get(target.label)
    if earlier is not None:
        state.report("duplicate-label", f"label `{target.label}` is already defined on line "
                     f"{earlier.line}", location=location,
                     hint="give each equation, figure, table or section its own label")
        return False
    state.targets[target.label] = target
    return True


def unique_anchor(state: RenderState, wanted: str) -> str:
    """An element id no other target of the page has."""
    anchor = re.sub(r"[^A-Za-z0-9_.:-]", lambda m: f"_{ord(m.group()):x}", wanted)
    candidate, number = anchor, 1
    while candidate in state.anchors:
        number += 1
        candidate = f"{anchor}-{number}"
    state.anchors.add(candidate)
    return candidate


def check_reference(state: RenderState, label: str, location: SourceLocation) -> bool:
    """Whether ``label`` names a target; if not, an ``unknown-reference`` error (once)."""
    target = state.targets.get(label)
    if target is not None and (target.number or target.kind != "eq"):
        return True
    key = (label, location)
    if key in state.reported_references:
        return False
    state.reported_references.add(key)
    if target is not None:
        state.report("unknown-reference", f"`{label}` labels an equation that has no number",
                     location=location, hint="remove its \\notag or \\nonumber (or the * of "
                     "its environment) to number it, or refer to another equation")
    else:
        suggestion = state.suggest("label", label, state.targets.keys)
        hint = f"did you mean `{suggestion}`?" if suggestion else (
            "label an equation with \\label{…} or {#eq-…}, a figure with {#fig-…}, a table "
            "with {#tbl-…}, a section with {#sec-…}")
        state.report("unknown-reference", f"no equation, figure, table, section or theorem "
                     f"is labelled `{label}`", location=location, hint=hint)
    return False


# -------------------------------------------------------------------------- rendering


def _uses(token: Token) -> list[tuple[ReferenceUse, int]]:
    """The references a token makes, each with its column in the token (the @ of a key)."""
    if "tex" in token.meta:
        style, label = token.meta["tex"]
        return [(ReferenceUse(label, style), 0)]
    return [(_quarto_use(item), max(token.markup.find(item.key) - 1, 0))
            for item in token.meta["items"]]


def reference_plain_text(state: RenderState, token: Token) -> str:
    """What a reference token reads as plain text (``Figure 2``), for alt text and summaries:
    numbers are known once the document is parsed, unlike the previews cards show."""
    texts = []
    for use, _ in _uses(token):
        target = state.targets.get(use.label)
        known = target is not None and not (target.kind == "eq" and not target.number)
        texts.append(reference_text(target, use) if target is not None and known
                     else f"?{use.label}")
    return ", ".join(texts)


def render_reference(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """A reference token: one placeholder per item, resolved once the page is rendered."""
    state = state_of(env)
    token = tokens[idx]
    parts = []
    for use, column in _uses(token):
        location = state.location(token, column_shift=column)
        check_reference(state, use.label, location)
        state.reference_uses.append(use)
        parts.append(f"\x02u{len(state.reference_uses) - 1}\x03")
    return ", ".join(parts)


def _quarto_use(item) -> ReferenceUse:
    """``@fig-x``, ``[-@fig-x]``, ``[Fig. @fig-x, left]``, ``@Fig-x``."""
    key: str = item.key
    capital = key[0].isupper()
    label = key[0].lower() + key[1:]
    style = "bare" if item.suppress_author else "name"
    return ReferenceUse(label, style, item.prefix or None, capital, item.suffix)


def reference_text(target: Target, use: ReferenceUse) -> str:
    """What the link reads: ``(1)``, ``1``, ``Figure 1``, or the author's word and ``1``."""
    if use.style == "eqref":
        text = f"({target.number})"
    elif use.style in ("ref", "bare"):
        text = target.number
    else:
        word = use.word if use.word is not None else KIND_NAMES.get(target.kind, target.kind)
        if use.capital:
            word = word[:1].upper() + word[1:]
        text = f"{word}\u00a0{target.number}" if target.number else word
    return text + (f", {use.suffix}" if use.suffix else "")


class ResolvingRenderer(RendererHTML):
    """markdown-it's HTML renderer, replacing reference placeholders after each outermost
    render, when every target the page shows has rendered (and left its preview)."""

    def render(self, tokens: Sequence[Token], options, env) -> str:
        return self._resolving(super().render, tokens, options, env, inline=False)

    def renderInline(self, tokens: Sequence[Token], options, env) -> str:  # noqa: N802
        return self._resolving(super().renderInline, tokens, options, env, inline=True)

    def _resolving(self, render, tokens, options, env, *, inline: bool) -> str:
        state = state_of(env)
        state.render_depth += 1
        try:
            out = render(tokens, options, env)
        finally:
            state.render_depth -= 1
        if state.render_depth:
            return out
        return resolve(out, state, "text" if inline else "page")


def resolve(html_text: str, state: RenderState, mode: str) -> str:
    """Replace every placeholder: ``page`` links with cards (plain links in the feed and the
    appendix), ``link`` links only, ``text`` the reference's text only."""
    if "\x02" not in html_text:
        return html_text
    if mode == "page" and (state.for_feed or state.in_appendix):
        mode = "link"

    def use_of(match: re.Match[str]) -> str:
        return _resolved(state.reference_uses[int(match.group(1))], state, mode)

    def math_reference(match: re.Match[str]) -> str:
        # Inside a formula, the number only: assistive technology reads a formula as one
        # whole, so a link in it could not be reached (ARIA's math role has no children).
        use = ReferenceUse(html.unescape(match.group(2)), match.group(1))
        return _resolved(use, state, "text")

    return PLACEHOLDER_RE.sub(math_reference, _USE_RE.sub(use_of, html_text))


def _resolved(use: ReferenceUse, state: RenderState, mode: str) -> str:
    target = state.targets.get(use.label)
    if target is None or (target.kind == "eq" and not target.number):
        return f'<span class="xref xref-unknown">?{html.escape(use.label)}</span>'
    text = html.escape(reference_text(target, use))
    if mode == "text":
        return text
    link = f'<a class="xref-link" href="#{html.escape(target.anchor)}"'
    if mode == "link" or not target.preview_html:
        return f"{link}>{text}</a>"
    card_id = state.next_id("xref-card")
    title = html.escape(reference_text(target, ReferenceUse(use.label, "name")))
    preview = resolve(phrasing(_ID_ATTRIBUTE_RE.sub("", target.preview_html)), state, "link")
    return (f'<span class="xref">{link} aria-describedby="{card_id}">{text}</a>'
            f'<span class="xref-card" id="{card_id}" role="tooltip">'
            f'<span class="xref-card-title">{title}</span>{preview}</span></span>')


def phrasing(preview: str) -> str:
    """A preview as phrasing content: the card sits inside a paragraph, where a ``<figure>``,
    ``<p>`` or ``<div>`` would end the paragraph (the HTML parser closes it) and a
    ``<caption>`` outside its table would vanish. Each block element becomes a ``<span>``
    with the classes ``xref-block xref-TAG`` (and its own), which the theme lays out."""

    def span(match: re.Match[str]) -> str:
        closing, tag, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            return "</span>"
        classes = f"xref-block xref-{tag}"
        own = _CLASS_RE.search(attributes)
        if own:
            classes += " " + own.group(1)
            attributes = attributes[:own.start()] + attributes[own.end():]
        attributes = attributes.rstrip("/").rstrip()
        opening = f'<span class="{classes}"{attributes}>'
        return opening + "</span>" if tag == "hr" else opening

    return _BLOCK_TAG_RE.sub(span, preview)
