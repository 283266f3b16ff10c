"""The built-in reference format, as safe HTML and as plain text.

Distill's look, each part left out when the entry lacks it::

    <span class="ref-authors">A. Einstein, B. Podolsky, N. Rosen</span>.
    <span class="ref-year">1935</span>.
    <span class="ref-title"><a href="URL">Can Quantum-Mechanical ... Complete?</a></span>.
    <span class="ref-venue"><i>Phys. Rev.</i>, Vol 47(10), pp. 777–780</span>.
    <span class="ref-publisher">Cambridge: Cambridge University Press</span>.
    <a class="ref-eprint" href="https://arxiv.org/abs/...">arXiv:1234.5678</a>.
    <a class="ref-doi" href="https://doi.org/10.1103/PhysRev.47.777">doi:10.1103/...</a>

Editors stand in for missing authors ("(ed.)", "(eds.)"); a chapter names the editors of
its book ("In A. Editor (ed.), *Book*"). The title links to the entry's URL, else to its DOI.
Every text is HTML-escaped, and only http(s) URLs are ever put in an ``href``. Formatting
written in the ``.bib`` (``\\emph``, ``\\textsc``) is kept: italics, small capitals.
"""

from __future__ import annotations

import html

from ..latex_text import rich_to_html, strip_rich
from ..names import doi_url
from .model import Entry

__all__ = ["reference_html", "reference_plain", "year_suffix"]

_IN_BOOKS = frozenset({"inbook", "bookinbook", "suppbook", "incollection", "inreference",
                       "suppcollection", "inproceedings", "conference", "chapter"})
_PUBLISHED = _IN_BOOKS | {"book", "mvbook", "collection", "mvcollection", "proceedings",
                          "mvproceedings", "reference", "mvreference", "booklet", "manual"}


def reference_html(entry: Entry, year: str | None = None) -> str:
    """The whole reference as safe HTML; ``year`` replaces the entry's (``2019a``)."""
    return _render(entry, _HtmlParts(entry), year)


def reference_plain(entry: Entry, year: str | None = None) -> str:
    """The whole reference as plain text (meta tags, accessible labels)."""
    return _render(entry, _PlainParts(entry), year)


def _name_list(names: tuple[str, ...], more: bool) -> str:
    return ", ".join(names + (("et al.",) if more and names else ()))


def _editor_label(count: int) -> str:
    return "(ed.)" if count == 1 else "(eds.)"


def _ends_sentence(text: str) -> bool:
    return strip_rich(text).rstrip().endswith((".", "?", "!"))


class _PlainParts:
    """How each part of a reference is written as plain text."""

    def __init__(self, entry: Entry):
        self.entry = entry

    def text(self, text: str, css_class: str) -> str:
        return text

    def rich(self, text: str, css_class: str = "") -> str:
        return strip_rich(text)

    def title(self) -> str:
        return strip_rich(self.entry.title_rich or self.entry.title)

    def italic(self, text: str) -> str:
        return strip_rich(text)

    def group(self, inner: str, css_class: str) -> str:
        return inner

    def link(self, text: str, url: str, css_class: str) -> str:
        return text


class _HtmlParts(_PlainParts):
    """The same parts as HTML: escaped text in classed spans, links only to http(s)."""

    def text(self, text: str, css_class: str) -> str:
        return f'<span class="{css_class}">{html.escape(text)}</span>'

    def rich(self, text: str, css_class: str = "") -> str:
        inner = rich_to_html(text)
        return f'<span class="{css_class}">{inner}</span>' if css_class else inner

    def title(self) -> str:
        entry = self.entry
        text = rich_to_html(entry.title_rich or html.escape(entry.title))
        target = entry.url or (doi_url(entry.doi) if entry.doi else None)
        if target:
            text = f'<a href="{html.escape(target)}">{text}</a>'
        return f'<span class="ref-title">{text}</span>'

    def italic(self, text: str) -> str:
        return f"<i>{rich_to_html(text)}</i>"

    def group(self, inner: str, css_class: str) -> str:
        return f'<span class="{css_class}">{inner}</span>'

    def link(self, text: str, url: str, css_class: str) -> str:
        return f'<a class="{css_class}" href="{html.escape(url)}">{html.escape(text)}</a>'


def _render(entry: Entry, parts: _PlainParts, year: str | None) -> str:
    """Authors. Year. Title. Venue, details. Publisher. eprint. doi — whatever the entry has."""
    pieces: list[str] = []

    def add(markup: str, text: str) -> None:
        """One part, closed with a period unless its text already ends a sentence."""
        pieces.append(markup if _ends_sentence(text) else markup + ".")

    people = _name_list(entry.authors, entry.more_authors)
    if not people and entry.editors:
        people = _name_list(entry.editors, entry.more_editors) + " " + _editor_label(
            len(entry.editors))
    if people:
        add(parts.text(people, "ref-authors"), people)
    shown_year = entry.year if year is None else year
    if shown_year:
        add(parts.text(shown_year, "ref-year"), shown_year)
    if entry.title:
        add(parts.title(), entry.title)
    venue_text, venue_markup = _venue(entry, parts)
    if venue_text:
        add(venue_markup, venue_text)
    publisher = _publisher_line(entry)
    if publisher:
        add(parts.rich(publisher, "ref-publisher"), publisher)
    if entry.eprint and entry.eprint[0] == "arXiv" and entry.eprint[1] in entry.venue:
        pass  # "arXiv preprint arXiv:..." already says it
    elif entry.eprint:
        kind, identifier, url = entry.eprint
        label = f"{kind}:{identifier}" if kind in ("arXiv", "HDL") else f"{kind}: {identifier}"
        add(parts.link(label, url, "ref-eprint") if url else parts.text(label, "ref-eprint"),
            label)
    accessed = entry.field("urldate")
    if accessed and entry.url:
        add(parts.text(f"Accessed {accessed}", "ref-accessed"), accessed)
    if entry.doi:
        pieces.append(parts.link(f"doi:{entry.doi}", doi_url(entry.doi), "ref-doi"))
    if not pieces:
        pieces.append(parts.text(entry.key, "ref-key"))
    return " ".join(pieces)


def _venue(entry: Entry, parts: _PlainParts) -> tuple[str, str]:
    """(plain text, markup) of "Venue, details", with a chapter's editors before its book."""
    if not (entry.venue or entry.details):
        return "", ""
    inner = []
    text = []
    if entry.venue:
        venue = parts.italic(entry.venue_rich or entry.venue)
        plain = entry.venue
        if entry.entry_type in _IN_BOOKS and entry.authors and entry.editors:
            editors = (_name_list(entry.editors, entry.more_editors) + " "
                       + _editor_label(len(entry.editors)))
            venue = f"In {html.escape(editors) if isinstance(parts, _HtmlParts) else editors}, " \
                    f"{venue}"
            plain = f"In {editors}, {plain}"
        inner.append(venue)
        text.append(plain)
    if entry.details:
        inner.append(html.escape(entry.details) if isinstance(parts, _HtmlParts)
                     else entry.details)
        text.append(entry.details)
    return ", ".join(text), parts.group(", ".join(inner), "ref-venue")


def _publisher_line(entry: Entry) -> str:
    """"Location: Publisher" for books and chapters, unless the venue already is that."""
    if entry.entry_type not in _PUBLISHED:
        return ""
    publisher = entry.field("publisher")
    if not publisher:
        return ""
    place = entry.field("location")
    line = f"{place}: {publisher}" if place else publisher
    return "" if strip_rich(line) == entry.venue else line


def year_suffix(index: int) -> str:
    """The letter told works of the same authors and year apart (2019a, 2019b): a, b, ...,
    z, aa, ab, ... for the 0-based ``index``, as CSL numbers them."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters
