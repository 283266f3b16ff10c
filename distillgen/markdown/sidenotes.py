"""Footnotes rendered as sidenotes: the note's text sits right after its reference.

mdit-py-plugins' footnote plugin parses ``[^label]`` and ``[^label]: text`` and numbers notes
in order of first reference. We take each note's tokens out of the end-of-document block it
builds and render them twice: inline after the first reference (CSS floats that into the
margin, or folds it into the text on narrow screens) and in the appendix with back-links.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_inline

from .locations import LINE, OFFSET, locate_children, replace_inline_rule, source_lines
from .state import state_of


def sidenotes_plugin(md: MarkdownIt) -> None:
    """Footnote syntax with sidenote rendering."""
    md.use(footnote_plugin, inline=True)
    replace_inline_rule(md, "footnote_inline", footnote_inline)
    md.core.ruler.before("footnote_tail", "sidenote_definitions", remember_definitions)
    md.core.ruler.after("footnote_tail", "sidenote_collect", collect_notes)
    md.add_render_rule("footnote_ref", render_note_reference)




def remember_definitions(state: StateCore) -> None:
    """Where each ``[^label]:`` is written: the footnote plugin drops unreferenced ones."""
    lines = {token.meta["label"]: token.map[0] for token in state.tokens
             if token.type == "footnote_reference_open" and token.map}
    if lines:
        state_of(state.env).note_definition_lines = lines


def report_unused_definitions(state: StateCore) -> None:
    """A definition nothing refers to would vanish from the page: say so."""
    refs = state.env.get("footnotes", {}).get("refs", {})
    render_state = state_of(state.env)
    lines = render_state.note_definition_lines
    for key, number in refs.items():
        label = key[1:]
        if number == -1 and label in lines:
            token = Token("footnote_reference_open", "", 0)
            token.map = [lines[label], lines[label] + 1]
            render_state.report("unused-footnote", f"note `[^{label}]` is defined but never "
                                "referenced, so it does not appear", token,
                                hint=f"refer to it with `[^{label}]` in the text, or delete it",
                                warning=True)


def locate_inline_notes(state: StateCore) -> None:
    """Tokens inside ``^[…]`` were parsed from the note's text alone: place them in the file
    through the paragraph that holds the note."""
    notes = state.env.get("footnotes", {}).get("list", {})
    body_lines = source_lines(state)
    for block in state.tokens:
        if block.type != "inline" or not block.map:
            continue
        for child in block.children or []:
            if child.type != "footnote_ref" or LINE not in (child.meta or {}):
                continue
            note = notes.get(child.meta["id"], {})
            inner = note.get("tokens")
            if not inner:
                continue
            shift = child.meta[OFFSET] + 2
            for token in _with_children(inner):
                if token.meta and OFFSET in token.meta and LINE not in token.meta:
                    token.meta[OFFSET] += shift
            locate_children(block, _with_children(inner), body_lines)


def _with_children(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        out.append(token)
        out.extend(token.children or [])
    return out


def collect_notes(state: StateCore) -> None:
    """Move the footnote block out of the body, keeping each note's tokens by id."""
    notes: dict[int, list[Token]] = {}
    body: list[Token] = []
    current: list[Token] | None = None
    in_block = False
    for token in state.tokens:
        if token.type == "footnote_block_open":
            in_block = True
        elif token.type == "footnote_block_close":
            in_block = False
        elif token.type == "footnote_open":
            current = notes.setdefault(token.meta["id"], [])
        elif token.type == "footnote_close":
            current = None
        elif token.type == "footnote_anchor":
            continue
        elif current is not None:
            current.append(token)
        elif not in_block:
            body.append(token)
    state.tokens = body
    state_of(state.env).notes = notes
    report_unused_definitions(state)


def note_number(token: Token) -> int:
    return token.meta["id"] + 1


def render_note_inline(md_renderer, tokens: list[Token], options, env) -> str:
    """A note's paragraphs as phrasing content (it sits inside the referencing paragraph)."""
    parts = []
    for token in tokens:
        if token.type == "inline":
            parts.append(md_renderer.renderInline(token.children or [], options, env))
        elif token.type in ("fence", "code_block"):
            parts.append(f"<code>{_escape(token.content.strip())}</code>")
        elif token.type == "math_block":  # displayed, inside the note's span
            parts.append(md_renderer.render([token], options, env).strip())
    return "<br>".join(part for part in parts if part)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def render_note_reference(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """The numbered marker, and after the first reference the note itself.

    The first marker links to the note beside it (CSS shows it in the margin, or unfolds it
    under the marker on narrow screens); later markers link to the appendix copy.
    """
    state = state_of(env)
    token = tokens[idx]
    number = note_number(token)
    sub = token.meta.get("subId", 0)
    ref_id = f"fnref-{number}" if sub == 0 else f"fnref-{number}-{sub}"
    notes = state.notes
    if not state.in_sidenote and not state.for_feed:
        state.note_ref_ids.setdefault(number, []).append(ref_id)
    if state.in_sidenote or sub > 0 or state.for_feed:
        # A note referenced again, or from inside a note: a plain marker, no second copy.
        anchor = "" if state.in_sidenote or state.for_feed else f' id="{ref_id}"'
        return (f'<sup class="footnote-ref"><a href="#fn-{number}"{anchor}>{number}</a></sup>')
    state.in_sidenote += 1
    try:
        content = render_note_inline(self, notes.get(token.meta["id"], []), options, env)
    finally:
        state.in_sidenote -= 1
    note_id = f"sn-{number}"
    # The marker targets the note beside it: on narrow screens `:target` unfolds it in place.
    return (
        f'<span class="sidenote-wrap">'
        f'<sup class="footnote-ref"><a href="#{note_id}" id="{ref_id}" '
        f'aria-describedby="{note_id}">{number}</a></sup>'
        f'<span class="sidenote" id="{note_id}" role="note">'
        f'<span class="sidenote-number">{number}</span> {content}</span>'
        f"</span>"
    )


def render_appendix_notes(md: MarkdownIt, env) -> tuple[tuple[int, str], ...]:
    """(number, HTML) for every note, each ending in links back to its references."""
    state = state_of(env)
    notes = state.notes
    ref_ids = state.note_ref_ids
    rendered = []
    state.in_sidenote += 1
    state.in_appendix = True
    try:
        for note_id in sorted(notes):
            number = note_id + 1
            body = md.renderer.render(notes[note_id], md.options, env)
            backlinks = " ".join(
                f'<a class="footnote-backref" href="#{ref_id}"'
                f' aria-label="Back to reference {number}">↩&#xFE0E;</a>'
                for ref_id in ref_ids.get(number, [])
            )
            rendered.append((number, _append_inside_last_paragraph(body, backlinks)))
    finally:
        state.in_sidenote -= 1
        state.in_appendix = False
    return tuple(rendered)


def _append_inside_last_paragraph(body: str, extra: str) -> str:
    body = body.rstrip()
    if body.endswith("</p>"):
        return body[: -len("</p>")] + " " + extra + "</p>"
    return body + " " + extra
