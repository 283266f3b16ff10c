"""The data: one decoded bibliography entry, its people and dates, and a parsed file.

Everything here is frozen and hashable, so entries can be cached on disk, cross process
boundaries and serve as keys of in-process memos. Text fields are decoded Unicode; the ones
in :attr:`Entry.fields` may carry formatting marks (see :mod:`distillgen.latex_text`), the
others are plain. None of it is escaped: formatting escapes (``format.py``, ``csl.py``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import Diagnostic, SourceLocation


@dataclass(frozen=True)
class Name:
    """One person (or organisation) as BibTeX splits a name: "von Last, Jr, First"."""

    family: str = ""
    given: str = ""
    particle: str = ""
    """The lowercase "von" part: "van der" in "Laurens van der Maaten"."""
    suffix: str = ""
    """"Jr.", "III"."""
    literal: str = ""
    """A name not to be split, written in braces: "{Google Brain Team}"."""

    @property
    def full(self) -> str:
        """In reading order: "Laurens van der Maaten", "John Smith, Jr.", "OpenAI"."""
        if self.literal:
            return self.literal
        text = join_name_parts([self.given, self.particle, self.family])
        return f"{text}, {self.suffix}" if self.suffix else text

    @property
    def surname(self) -> str:
        """What running text calls the person: "van der Maaten", "OpenAI"."""
        return self.literal or join_name_parts([self.particle, self.family]) or self.given

    def sort_key(self) -> str:
        """Family name first, the particle after it (biblatex's default), case and accents
        folded: "Maaten van der Laurens"."""
        parts = [self.literal] if self.literal else [self.family, self.particle, self.given]
        return fold(" ".join(part for part in parts if part))


def join_name_parts(parts: list[str]) -> str:
    """Join with spaces, except after an elided particle: "d'" + "Alché" is "d'Alché"."""
    text = ""
    for part in filter(None, parts):
        glue = "" if not text or text.endswith(("'", "’")) else " "
        text += glue + part
    return text


def fold(text: str) -> str:
    """For sorting: lowercase, accents removed ("Öfele" sorts with "Ofele")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class DatePart:
    """A year, maybe with a month and a day."""

    year: int
    month: int | None = None
    day: int | None = None


@dataclass(frozen=True)
class EntryDate:
    """When a work appeared: a date, a range (``1984/1986``), or text ("forthcoming")."""

    start: DatePart | None = None
    end: DatePart | None = None
    """The end of a range; None for a single date."""
    literal: str = ""
    """Text that is not a date, shown as written ("in press")."""
    open_ended: bool = False
    """A range with no end, ``2020/``: "2020–"."""

    @property
    def year_text(self) -> str:
        """"2019", "1984–1986", "2020–", or the literal text."""
        if self.start is None:
            return self.literal
        if self.open_ended:
            return f"{self.start.year}–"
        if self.end is not None and self.end.year != self.start.year:
            return f"{self.start.year}–{self.end.year}"
        return str(self.start.year)

    def sort_key(self) -> tuple[int, int, int]:
        if self.start is None:
            return (99999, 0, 0)
        return (self.start.year, self.start.month or 0, self.start.day or 0)


@dataclass(frozen=True)
class Entry:
    """One bibliography entry, every text field decoded to Unicode.

    The named attributes are plain text, ready for labels and simple listings; ``fields``
    keeps every field a style may show, under biblatex's names, with formatting marks.
    Escape before putting any of it in a page (``html()`` does). Formatting happens on
    demand, so only cited entries pay for it.
    """

    key: str
    entry_type: str
    """``article``, ``inproceedings``, ... lowercased, as written (biblatex or BibTeX), or the
    biblatex type another tool's name means (Mendeley's ``book_section``: ``incollection``)."""
    authors: tuple[str, ...]
    """Full names in natural order, "First von Last, Jr"; ``and others`` is not a name."""
    editors: tuple[str, ...]
    title: str
    """Title and subtitle ("Title: Subtitle"), braces removed, LaTeX decoded, case untouched."""
    venue: str
    """Where it appeared: journal, book title, school, publisher, "arXiv preprint ..."."""
    year: str
    """"2019", a range "1984–1986", literal text, or "" when the entry has no date."""
    url: str | None
    """An http(s) URL (from ``url``, a ``\\url`` in ``howpublished``, or an eprint)."""
    doi: str | None
    """A bare DOI, ``10.xxxx/yyy``."""
    location: SourceLocation
    """Where the entry starts in the ``.bib``."""
    author_surnames: tuple[str, ...] = ()
    """``von Last`` of each author, for short labels."""
    editor_surnames: tuple[str, ...] = ()
    more_authors: bool = False
    """The author list ended with ``and others``."""
    more_editors: bool = False
    details: str = ""
    """Volume, number and pages: ``Vol 18(6), pp. 403–404``."""
    people: tuple[tuple[str, tuple[Name, ...]], ...] = ()
    """Role (``author``, ``editor``, ``translator``, ``bookauthor``) -> names, split."""
    date: EntryDate | None = None
    fields: tuple[tuple[str, str], ...] = ()
    """Field name (biblatex's: ``journaltitle``, ``location``...) -> decoded text with
    formatting marks, for every field a style may show. Crossref'd fields included."""
    source: str = ""
    """The entry as written in the ``.bib`` (for a post's ``references.bib``)."""
    strings_used: tuple[str, ...] = ()
    """The ``@string`` definitions the source refers to, as written (for ``references.bib``)."""
    crossref: str = ""
    """Key of the entry this one inherits fields from (``crossref`` or ``xdata``)."""
    eprint: tuple[str, str, str] | None = None
    """(kind, identifier, URL or ""): ``("arXiv", "1706.03762", "https://arxiv.org/...")``."""
    title_rich: str = ""
    """``title`` with formatting marks (italics, small capitals, case protection)."""
    venue_rich: str = ""
    """``venue`` with formatting marks."""

    def field(self, name: str) -> str:
        """A field's decoded text with formatting marks, or ""."""
        for written, value in self.fields:
            if written == name:
                return value
        return ""

    def names(self, role: str) -> tuple[Name, ...]:
        for written, names in self.people:
            if written == role:
                return names
        return ()

    def short_authors(self) -> str:
        """The authors for running text: Rudin / Lundberg and Lee / Ribeiro et al.

        Without authors: the editors, else the title's first words, else the key.
        """
        if self.author_surnames:
            return short_names(self.author_surnames, self.more_authors)
        if self.editor_surnames:
            return short_names(self.editor_surnames, self.more_editors)
        words = self.title.split()
        if words:
            shown = " ".join(words[:3]).rstrip(".,:;")
            return shown + ("…" if len(words) > 3 else "")
        return self.key

    def sort_key(self) -> tuple:
        """First author's family name, then year, then title (author-year lists)."""
        names = self.names("author") or self.names("editor")
        who = names[0].sort_key() if names else fold(self.title)
        when = self.date.sort_key() if self.date else (99999, 0, 0)
        return (who, when, fold(self.title), self.key)

    def digest_parts(self) -> tuple:
        """Everything a rendering of this entry can show (its place in the file aside)."""
        return (self.key, self.entry_type, self.people, self.date, self.fields, self.url,
                self.doi, self.eprint, self.title_rich, self.venue_rich, self.details,
                self.source, self.strings_used, self.crossref)


def short_names(surnames: tuple[str, ...], more: bool) -> str:
    if len(surnames) == 1 and not more:
        return surnames[0]
    if len(surnames) == 2 and not more:
        return f"{surnames[0]} and {surnames[1]}"
    return f"{surnames[0]} et al."


@dataclass(frozen=True)
class Bibliography:
    """A parsed ``.bib``: its entries by key, and every problem found in it."""

    path: str
    entries: Mapping[str, Entry]
    """Key -> entry, in file order. A plain dict, shared by the cache: do not modify."""
    diagnostics: tuple[Diagnostic, ...] = ()
    strings: Mapping[str, str] = field(default_factory=dict)
    """``@string`` name (lowercased) -> its definition as written, for ``references.bib``."""

    def get(self, key: str) -> Entry | None:
        """The entry with exactly this key (case-sensitive, as in pandoc), or None."""
        return self.entries.get(key)
