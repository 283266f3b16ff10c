"""Pandoc-style citations: ``@key`` in the text and ``[see @a, p. 3; -@b]`` in brackets.

Parsing produces ``citation`` tokens holding the cited items. Rendering resolves them against
the bibliography, numbers works in order of first citation, and leaves a placeholder that
:func:`resolve_citations` fills at the end with the text the post's style gives (built-in
numeric or author-year, or CSL: ``distillgen.bibliography.styles``), each work's label a link
with a hover card beside it (a sibling, never nested inside the link) so CSS alone can show it.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..bibliography.model import Entry
from .crossref import reference_token_type
from .locations import recording_offsets
from .records import CitationRecord, CiteItem
from .state import RenderState, state_of

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
    comma_separated = False
    for part in inner.split(";"):
        found = _items_of(part)
        if found is None:
            return False
        comma_separated = comma_separated or len(found) > 1
        items += found
    if not silent:
        token = state.push(reference_token_type(items), "", 0)
        token.meta = {"items": tuple(items), "mode": "paren",
                      "comma_separated": comma_separated}
        token.content = src[start:end + 1]
        token.markup = src[start:end + 1]
    state.pos = end + 1
    return True


def _items_of(part: str) -> list[CiteItem] | None:
    """The work cited by one ``;``-separated part, or None when it is not a citation.

    ``[@a, @b]`` means ``[@a; @b]`` (pandoc would read a citation of ``a`` whose suffix holds
    an in-text citation of ``b``): each comma-separated key is cited, and the renderer warns.
    """
    match = _ITEM_RE.match(part.strip())
    if match is None:
        return None
    if "@" not in match["suffix"]:
        return [_prose_item(match)]
    pieces = [_ITEM_RE.match(piece.strip()) for piece in part.split(",")]
    if any(piece is None or "@" in piece["suffix"] or piece["suffix"].strip()
           for piece in pieces[:-1]) or pieces[-1] is None or "@" in pieces[-1]["suffix"]:
        return None
    return [_prose_item(piece) for piece in pieces if piece is not None]


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
#
# A citation's text can depend on every work the post cites (numeric labels on the order of
# first citation, "2019a" on the existence of a 2019b), so rendering a citation token only
# records it and leaves a placeholder; :func:`resolve_citations` writes them all once the
# whole post (body, notes, feed copy) has been rendered, in the post's style.

PLACEHOLDER = "\x01cite:{}\x01"
_PLACEHOLDER_RE = re.compile("\x01cite:(\\d+)\x01")


def anchor_id(key: str) -> str:
    """An id fragment for a key: safe characters kept, anything else spelled out."""
    return re.sub(r"[^A-Za-z0-9_.:-]", lambda m: f"_{ord(m.group()):x}", key)


def render_citation(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """Record one citation token (unknown keys become located diagnostics) and leave a
    placeholder for its text."""
    state = state_of(env)
    token = tokens[idx]
    items: tuple[CiteItem, ...] = token.meta["items"]
    if token.meta.get("comma_separated"):
        state.report("comma-between-citations",
                     "citations in brackets are separated by `;`, not `,`", token,
                     hint=f"write `[{'; '.join('@' + item.key for item in items)}]`",
                     warning=True)
    resolved: list[tuple[CiteItem, Entry | None]] = []
    links: list[tuple[str, str, str]] = []
    for item in items:
        entry = state.lookup_entry(item.key)
        if entry is None:
            _report_unknown(state, token, item.key)
        else:
            state.cited.setdefault(entry.key, len(state.cited) + 1)
            links.append(_link_ids(state, entry))
        resolved.append((item, entry))
    state.citations.append(CitationRecord(token.meta["mode"], tuple(resolved), tuple(links),
                                          state.for_feed))
    return PLACEHOLDER.format(len(state.citations) - 1)


def _link_ids(state: RenderState, entry: Entry) -> tuple[str, str, str]:
    if state.for_feed:
        return entry.key, "", ""
    card_id = state.next_id("cite-card")
    back_target = ""
    if entry.key not in state.cite_anchors and not state.in_appendix:
        state.cite_anchors.add(entry.key)
        back_target = f"cite-{anchor_id(entry.key)}"
    return entry.key, card_id, back_target


def _report_unknown(state: RenderState, token: Token, key: str) -> None:
    suggestion = state.suggest("citation", key, state.known_keys)
    hint = f"did you mean `{suggestion}`? " if suggestion else ""
    hint += "Write `\\@` for a literal at-sign."
    column_shift = max(token.markup.find(key) - 1, 0)
    state.report("unknown-citation", f"unknown citation key `{key}`", token,
                 hint=hint, warning=state.settings.unknown_citation == "warn",
                 location=state.location(token, column_shift=column_shift))


def resolve_citations(state: RenderState, style) -> Callable[[str], str]:
    """The function that replaces every placeholder in a rendered text with its citation,
    written in ``style`` (a :class:`distillgen.bibliography.styles.PostStyle`)."""
    texts = [_citation_html(record, style) for record in state.citations]

    def resolve(text: str) -> str:
        if "\x01cite:" not in text:
            return text
        return _PLACEHOLDER_RE.sub(lambda m: texts[int(m.group(1))]
                                   if int(m.group(1)) < len(texts) else m.group(0), text)

    return resolve


def _citation_html(record: CitationRecord, style) -> str:
    unused = list(record.links)

    def link(entry, label: str) -> str:
        """The label linked, with the ids recorded for this work (styles may reorder)."""
        found = next((ids for ids in unused if ids[0] == entry.key), None)
        if found is not None:
            unused.remove(found)
        _key, card_id, back_target = found or (entry.key, "", "")
        return _cite_link(entry, label, card_id, back_target, style, record.for_feed)

    if record.mode == "intext":
        item, entry = record.items[0]
        if entry is None:
            return _unknown(item)
        return style.intext(item, entry, link)
    return style.parenthetical(record.items, link, _unknown)


def _cite_link(entry: Entry, text: str, card_id: str, back_target: str, style,
               for_feed: bool) -> str:
    """A link to the reference, the hover card beside it, wrapped so CSS can pair them."""
    anchor = anchor_id(entry.key)
    if for_feed or not card_id:
        return f'<a class="citation-link" href="#ref-{anchor}">{text}</a>'
    target = f' id="{back_target}"' if back_target else ""
    return (
        f'<span class="citation">'
        f'<a class="citation-link" href="#ref-{anchor}"{target} '
        f'aria-describedby="{card_id}">{text}</a>'
        f'<span class="citation-card" id="{card_id}" role="tooltip">'
        f"{style.card_html(entry.key)}</span>"
        f"</span>"
    )


def _unknown(item: CiteItem) -> str:
    return f'<span class="citation citation-unknown">?{html.escape(item.key)}</span>'
