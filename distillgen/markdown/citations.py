"""Pandoc-style citations: ``@key`` in the text and ``[see @a, p. 3; -@b]`` in brackets.

Parsing produces ``citation`` tokens holding the cited items; rendering resolves them against
the bibliography, numbers works in order of first citation, and places a hover card beside
each citation link (a sibling, never nested inside the link) so CSS alone can show it.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .crossref import reference_token_type
from .locations import recording_offsets
from .state import CitableEntry, RenderState, state_of

# A key starts with a letter, digit or "_"; punctuation from pandoc's set may appear inside
# it but never at its end ("@doe99." cites doe99).
_KEY = r"[\w](?:\w|[:.#$%&\-+?<>~/]+(?=\w))*"
KEY_RE = re.compile(_KEY)
_BRACED_KEY_RE = re.compile(r"\{([^{}\s]+)\}")
_ITEM_RE = re.compile(
    rf"^(?P<prefix>(?:[^@]*\s)?)(?P<minus>-?)@(?:(?P<key>{_KEY})|\{{(?P<braced>[^{{}}\s]+)\}})"
    r"(?P<suffix>.*)$",
    re.DOTALL,
)
_INTEXT_LOCATOR_RE = re.compile(r" ?\[([^\[\]@]*)\](?![(\[])")
_URL_START_RE = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.\-]{0,31}://|www\.|mailto:)")
"""A scheme is at most 32 characters long, so searching a long word stays linear."""
_WORD_RE = re.compile(r"[^ \n(]+")
"""A "word" for deciding whether an ``@`` is part of an address: no space, newline or "("."""


@dataclass(frozen=True)
class CiteItem:
    """One cited work inside a citation, with pandoc's optional extras."""

    key: str
    prefix: str = ""
    suffix: str = ""
    """Locator and suffix text, e.g. ``p. 33``."""
    suppress_author: bool = False


def citations_plugin(md: MarkdownIt) -> None:
    """Register the two citation syntaxes and their renderer."""
    md.inline.ruler.before("link", "citation_bracketed",
                           recording_offsets(parse_bracketed_citation))
    md.inline.ruler.before("escape", "citation_intext", recording_offsets(parse_intext_citation))
    md.add_render_rule("citation", render_citation)


def _prose_item(match: re.Match[str]) -> CiteItem:
    suffix = match["suffix"].strip()
    if suffix.startswith(","):
        suffix = suffix[1:].strip()
    return CiteItem(key=match["key"] or match["braced"], prefix=match["prefix"].strip(),
                    suffix=suffix, suppress_author=bool(match["minus"]))


def parse_bracketed_citation(state: StateInline, silent: bool) -> bool:
    """``[@a; @b, p. 33]``: every ``;``-separated part must cite exactly one key."""
    src, start = state.src, state.pos
    if src[start] != "[" or src.startswith("[^", start) or state.linkLevel > 0:
        return False
    end = _closing_bracket(src, start + 1, state.posMax)
    if end is None:
        return False
    after = src[end + 1:end + 2]
    if after in ("(", "["):
        return False  # a link or reference link whose text starts with @
    inner = src[start + 1:end]
    if "@" not in inner:
        return False
    items = []
    for part in inner.split(";"):
        match = _ITEM_RE.match(part.strip())
        if match is None or "@" in match["suffix"]:
            return False
        items.append(_prose_item(match))
    if not silent:
        token = state.push(reference_token_type(items), "", 0)
        token.meta = {"items": tuple(items), "mode": "paren"}
        token.content = src[start:end + 1]
        token.markup = src[start:end + 1]
    state.pos = end + 1
    return True


def _closing_bracket(src: str, pos: int, limit: int) -> int | None:
    while pos < limit:
        char = src[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            return None  # nested brackets: not a citation
        if char == "]":
            return pos
        pos += 1
    return None


def _inside_url_or_address(state: StateInline, pos: int) -> bool:
    """True when the ``@`` at ``pos`` belongs to an e-mail address, a URL or a handle's word."""
    src = state.src
    if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_.+-/:@"):
        return True
    url_start = _words_of(state).url_start_before(pos)
    return url_start is not None and url_start < pos


class _Words:
    """The words of one inline text, each searched for a URL start at most once: looking back
    from every ``@`` instead would take quadratic time on a long run of ``!@!@!@``."""

    def __init__(self, src: str):
        self.src = src
        self.starts: list[int] = []
        self.ends: list[int] = []
        for match in _WORD_RE.finditer(src):
            self.starts.append(match.start())
            self.ends.append(match.end())
        self.url_starts: dict[int, int | None] = {}

    def url_start_before(self, pos: int) -> int | None:
        """Where the first URL start of the word holding ``pos`` is, if it has one."""
        index = bisect.bisect_right(self.starts, pos) - 1
        if index < 0 or pos >= self.ends[index]:
            return None
        if index not in self.url_starts:
            found = _URL_START_RE.search(self.src, self.starts[index], self.ends[index])
            self.url_starts[index] = found.start() if found else None
        return self.url_starts[index]


def _words_of(state: StateInline) -> _Words:
    """The words of the inline text being parsed, computed once per text."""
    words = state.env.get("dg_words") if isinstance(state.env, dict) else None
    if words is None or words.src is not state.src:
        words = _Words(state.src)
        if isinstance(state.env, dict):
            state.env["dg_words"] = words
    return words


def parse_intext_citation(state: StateInline, silent: bool) -> bool:
    """``@key`` (optionally ``@key [p. 33]``) as part of a sentence."""
    src, start = state.src, state.pos
    if src[start] != "@" or state.linkLevel > 0 or _inside_url_or_address(state, start):
        return False
    pos = start + 1
    braced = _BRACED_KEY_RE.match(src, pos)
    match = braced or KEY_RE.match(src, pos)
    if match is None or match.end() > state.posMax:
        return False
    key = match.group(1) if braced else match.group(0)
    pos = match.end()
    suffix = ""
    locator = _INTEXT_LOCATOR_RE.match(src, pos)
    if locator and locator.end() <= state.posMax:
        suffix = locator.group(1).strip()
        pos = locator.end()
    if not silent:
        items = (CiteItem(key=key, suffix=suffix),)
        token = state.push(reference_token_type(items), "", 0)
        token.meta = {"items": items, "mode": "intext"}
        token.content = src[start:pos]
        token.markup = src[start:pos]
    state.pos = pos
    return True


# --------------------------------------------------------------------------- rendering


def anchor_id(key: str) -> str:
    """An id fragment for a key: safe characters kept, anything else spelled out."""
    return re.sub(r"[^A-Za-z0-9_.:-]", lambda m: f"_{ord(m.group()):x}", key)


def render_citation(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """Render one citation token; unknown keys become located diagnostics."""
    state = state_of(env)
    token = tokens[idx]
    items: tuple[CiteItem, ...] = token.meta["items"]
    resolved: list[tuple[CiteItem, CitableEntry | None]] = []
    for item in items:
        entry = state.lookup_entry(item.key)
        if entry is None:
            _report_unknown(state, token, item.key)
        else:
            state.cited.setdefault(entry.key, len(state.cited) + 1)
        resolved.append((item, entry))
    if token.meta["mode"] == "intext":
        return _render_intext(state, *resolved[0])
    return _render_parenthetical(state, resolved)


def _report_unknown(state: RenderState, token: Token, key: str) -> None:
    suggestion = state.suggest("citation", key, state.known_keys)
    hint = f"did you mean `{suggestion}`? " if suggestion else ""
    hint += "Write `\\@` for a literal at-sign."
    column_shift = max(token.markup.find(key) - 1, 0)
    state.report("unknown-citation", f"unknown citation key `{key}`", token,
                 hint=hint, warning=state.settings.unknown_citation == "warn",
                 location=state.location(token, column_shift=column_shift))


def _cite_link(state: RenderState, entry: CitableEntry, text: str) -> str:
    """A link to the reference, the hover card beside it, wrapped so CSS can pair them."""
    anchor = anchor_id(entry.key)
    if state.for_feed:
        return f'<a class="citation-link" href="#ref-{anchor}">{text}</a>'
    card_id = state.next_id("cite-card")
    back_target = ""
    if entry.key not in state.cite_anchors and not state.in_appendix:
        state.cite_anchors.add(entry.key)
        back_target = f' id="cite-{anchor}"'
    return (
        f'<span class="citation">'
        f'<a class="citation-link" href="#ref-{anchor}"{back_target} '
        f'aria-describedby="{card_id}">{text}</a>'
        f'<span class="citation-card" id="{card_id}" role="tooltip">{entry.html()}</span>'
        f"</span>"
    )


def _unknown(item: CiteItem) -> str:
    return f'<span class="citation citation-unknown">?{html.escape(item.key)}</span>'


def _render_intext(state: RenderState, item: CiteItem, entry: CitableEntry | None) -> str:
    if entry is None:
        return _unknown(item)
    authors = html.escape(entry.short_authors())
    locator = html.escape(item.suffix)
    if state.settings.citation_style == "author-year":
        inner = html.escape(entry.year or "n.d.")
        if locator:
            inner += f", {locator}"
        return _cite_link(state, entry, f"{authors} ({inner})")
    number = str(state.cited[entry.key])
    if locator:
        number += f", {locator}"
    return _cite_link(state, entry, f"{authors} [{number}]")


def _render_parenthetical(state: RenderState,
                          resolved: list[tuple[CiteItem, CitableEntry | None]]) -> str:
    author_year = state.settings.citation_style == "author-year"
    parts = []
    for item, entry in resolved:
        prefix = html.escape(item.prefix) + " " if item.prefix else ""
        suffix = ", " + html.escape(item.suffix) if item.suffix else ""
        if entry is None:
            parts.append(prefix + _unknown(item) + suffix)
            continue
        if author_year:
            year = html.escape(entry.year or "n.d.")
            authors = html.escape(entry.short_authors())
            label = year if item.suppress_author else f"{authors}, {year}"
        else:
            label = str(state.cited[entry.key])
        parts.append(prefix + _cite_link(state, entry, label) + suffix)
    opening, closing = ("(", ")") if author_year else ("[", "]")
    separator = "; " if author_year else ", "
    return f'<span class="citation-group">{opening}{separator.join(parts)}{closing}</span>'
