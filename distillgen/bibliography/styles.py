"""A post's citations and reference list, in one style: built-in numeric or author-year, or
a CSL style.

Which label a citation shows can depend on every work the post cites (2019a needs a 2019b),
so a post's citations are rendered once the whole post has been read: the Markdown side
(``markdown/citations.py``) records each citation and asks the style for its text at the
end. The built-in styles are the default and the fast path; CSL goes through citeproc-py.

Built-in numeric: works numbered in order of first citation, ``[1, p. 3]``, "Smith [1]";
the list in that order. Built-in author-year: "(Smith, 2019a; Jones, 2020)", "Smith
(2019a)"; works whose label would read the same get year suffixes (a, b, ...) in the order
of the list, which is sorted by first author's family name, then year, then title.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Protocol

from .csl import CslStyle, locale_for
from .csl_citations import CslCitations
from .format import reference_html, reference_plain, year_suffix
from .model import Entry

__all__ = ["CitedItem", "PostStyle", "post_style"]


class CitedItem(Protocol):
    """One work in a citation, as the Markdown side parsed it."""

    key: str
    prefix: str
    suffix: str
    suppress_author: bool


Link = Callable[[Entry, str], str]
"""(entry, label HTML) -> the label linked to the entry, with its hover card."""
Unknown = Callable[[CitedItem], str]
"""An item whose key is not in the bibliography -> its HTML."""
Resolved = Sequence[tuple[CitedItem, Entry | None]]


class PostStyle:
    """The interface every style offers; the built-in numeric style is the default."""

    numbered_list = True
    """Whether the reference list is an ordered list numbered by the page (numeric)."""

    def __init__(self, entries: list[Entry]):
        self.entries = {entry.key: entry for entry in entries}
        self.keys = [entry.key for entry in entries]
        self.number = {key: index + 1 for index, key in enumerate(self.keys)}

    def order(self) -> list[str]:
        """Keys in the order of the reference list."""
        return list(self.keys)

    def reference_html(self, key: str) -> str:
        return reference_html(self.entries[key])

    def reference_plain(self, key: str) -> str:
        return reference_plain(self.entries[key])

    def card_html(self, key: str) -> str:
        """What the hover card of a citation shows."""
        return self.reference_html(key)

    def intext(self, item: CitedItem, entry: Entry, link: Link) -> str:
        number = str(self.number[entry.key])
        if item.suffix:
            number += f", {html.escape(item.suffix)}"
        return link(entry, f"{html.escape(entry.short_authors())} [{number}]")

    def parenthetical(self, resolved: Resolved, link: Link, unknown: Unknown) -> str:
        parts = []
        for item, entry in resolved:
            prefix = html.escape(item.prefix) + " " if item.prefix else ""
            suffix = ", " + html.escape(item.suffix) if item.suffix else ""
            shown = unknown(item) if entry is None else link(entry, str(self.number[entry.key]))
            parts.append(prefix + shown + suffix)
        return _group("[", ", ".join(parts), "]")


class AuthorYearStyle(PostStyle):
    """Built-in author-year: disambiguated years, a sorted list."""

    numbered_list = False

    def __init__(self, entries: list[Entry]):
        super().__init__(entries)
        self.sorted = sorted(entries, key=Entry.sort_key)
        groups: dict[tuple[str, str], list[Entry]] = {}
        for entry in self.sorted:
            groups.setdefault((entry.short_authors(), entry.year or "n.d."), []).append(entry)
        self.labels = {}
        for (_authors, year), members in groups.items():
            for index, entry in enumerate(members):
                letter = year_suffix(index) if len(members) > 1 else ""
                self.labels[entry.key] = year + (("-" if year == "n.d." else "") + letter
                                                 if letter else "")

    def order(self) -> list[str]:
        return [entry.key for entry in self.sorted]

    def reference_html(self, key: str) -> str:
        return reference_html(self.entries[key], self._list_year(key))

    def reference_plain(self, key: str) -> str:
        return reference_plain(self.entries[key], self._list_year(key))

    def _list_year(self, key: str) -> str:
        entry = self.entries[key]
        return self.labels[key] if entry.year or self.labels[key] != "n.d." else ""

    def intext(self, item: CitedItem, entry: Entry, link: Link) -> str:
        inner = html.escape(self.labels[entry.key])
        if item.suffix:
            inner += f", {html.escape(item.suffix)}"
        return link(entry, f"{html.escape(entry.short_authors())} ({inner})")

    def parenthetical(self, resolved: Resolved, link: Link, unknown: Unknown) -> str:
        parts = []
        for item, entry in resolved:
            prefix = html.escape(item.prefix) + " " if item.prefix else ""
            suffix = ", " + html.escape(item.suffix) if item.suffix else ""
            if entry is None:
                parts.append(prefix + unknown(item) + suffix)
                continue
            year = html.escape(self.labels[entry.key])
            label = year if item.suppress_author else \
                f"{html.escape(entry.short_authors())}, {year}"
            parts.append(prefix + link(entry, label) + suffix)
        return _group("(", "; ".join(parts), ")")


class CslPostStyle(PostStyle):
    """A CSL style, through citeproc-py."""

    def __init__(self, entries: list[Entry], style: CslStyle, language: str):
        super().__init__(entries)
        self.csl = CslCitations(style, entries, locale_for(language))
        self.numbered_list = False  # the style writes its own labels ([1], 1.)

    def order(self) -> list[str]:
        return list(self.csl.order)

    def reference_html(self, key: str) -> str:
        return self.csl.reference_html(key)

    def reference_plain(self, key: str) -> str:
        return self.csl.reference_plain(key)

    def intext(self, item: CitedItem, entry: Entry, link: Link) -> str:
        if self.csl.numeric:
            names = html.escape(entry.short_authors())
            text, rest = self.csl.cite_text(entry.key, item.suffix)
            cite = html.escape(self.csl.prefix) + text + _rest(rest) + html.escape(self.csl.suffix)
            return link(entry, f"{names} {cite}")
        text, rest = self.csl.cite_text(entry.key, item.suffix)
        names = self.csl.author_part(entry.key, text)
        year, rest = self.csl.without_author(entry.key, item.suffix)
        return link(entry, f"{names} ({year}{_rest(rest)})")

    def parenthetical(self, resolved: Resolved, link: Link, unknown: Unknown) -> str:
        keys = [entry.key if entry is not None else "" for _item, entry in resolved]
        parts = []
        prefixed = any(item.prefix for item, _entry in resolved)
        for index in self.csl.order_items(keys, prefixed):
            item, entry = resolved[index]
            prefix = html.escape(item.prefix) + " " if item.prefix else ""
            if entry is None:
                suffix = ", " + html.escape(item.suffix) if item.suffix else ""
                parts.append(prefix + unknown(item) + suffix)
                continue
            if item.suppress_author:
                text, rest = self.csl.without_author(entry.key, item.suffix)
            else:
                text, rest = self.csl.cite_text(entry.key, item.suffix)
            parts.append(prefix + link(entry, text) + _rest(rest))
        return _group(html.escape(self.csl.prefix), self.csl.delimiter.join(parts),
                      html.escape(self.csl.suffix))


def post_style(kind: str, entries: list[Entry], csl: CslStyle | None = None,
               language: str = "en") -> PostStyle:
    """The style a post's citations are written in: a CSL style when one is given, else the
    built-in ``numeric`` or ``author-year``."""
    if csl is not None:
        return CslPostStyle(entries, csl, language)
    if kind == "author-year":
        return AuthorYearStyle(entries)
    return PostStyle(entries)


def _rest(suffix: str) -> str:
    """What remains of a suffix after its locator, as the citation writes it."""
    if not suffix:
        return ""
    text = html.escape(suffix)
    return text if suffix.startswith((",", ";", ".", " ")) else ", " + text


def _group(opening: str, inner: str, closing: str) -> str:
    return f'<span class="citation-group">{opening}{inner}{closing}</span>'
