"""What the fields of an entry mean: raw LaTeX fields in, a decoded :class:`Entry` out.

BibTeX and biblatex name the same things differently, and real files mix both: the venue
is ``journal`` or ``journaltitle``, the place ``address`` or ``location``, the date ``year``
and ``month`` or ``date`` (which may be a range, ``1984/1986``). Fields are read under
either name and kept under biblatex's. Fields inherited through ``crossref`` and ``xdata``
are filled in first (:mod:`.inheritance`).

Links are checked here: only http(s) URLs are kept (anything else is a warning), several
URLs in one field (as Mendeley writes them) give the first, and a DOI must look like one.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping

from pybtex.bibtex.utils import split_name_list
from pybtex.database import Person

from ..errors import Diagnostic, warning
from ..latex_text import END, NO_CASE, decode_url, latex_to_rich, latex_to_text, strip_rich
from ..names import DOI_PATTERN, bare_doi, is_web_url
from .inheritance import BOOKS, inherited_fields
from .model import DatePart, Entry, EntryDate, Name, join_name_parts
from .raw import ESCAPED_CLOSE, ESCAPED_OPEN, RawEntry, shown

__all__ = ["build_entries"]

ROLES = ("author", "editor", "translator", "bookauthor")
"""Fields holding names, in the order a style lists them."""

_ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_THESIS_KINDS = {
    "phdthesis": "PhD thesis", "mastersthesis": "Master's thesis", "mathesis": "Master's thesis",
    "masterthesis": "Master's thesis", "candthesis": "Candidate thesis",
    "techreport": "Technical report", "resreport": "Research report",
}
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
    ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
    ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}
_EPRINTS = {
    "arxiv": ("arXiv", "https://arxiv.org/abs/{}", _ARXIV_ID),
    "jstor": ("JSTOR", "https://www.jstor.org/stable/{}", re.compile(r"\d+|10\.\d{4,9}/\S+")),
    "pubmed": ("PMID", "https://pubmed.ncbi.nlm.nih.gov/{}/", re.compile(r"\d+")),
    "hdl": ("HDL", "https://hdl.handle.net/{}", re.compile(r"[\d.]+/\S+")),
    "googlebooks": ("Google Books", "https://books.google.com/books?id={}",
                    re.compile(r"[\w-]+")),
}
"""eprinttype -> (name, link pattern, what an identifier looks like: others get no link)."""
_TYPE_ALIASES = {
    "book_section": "incollection", "web_page": "online", "generic": "misc",
    "conference_proceedings": "inproceedings", "journal_article": "article",
    "encyclopedia_article": "inreference", "working_paper": "report",
    "computer_program": "software", "electronic": "online", "www": "online",
}
"""Entry types other tools write (Mendeley Reference Manager's ``@book_section``, ``@web_page``)
and the biblatex type they mean."""

# Fields kept (decoded, with formatting marks) for styles, under biblatex's names.
_KEPT = ("shorttitle", "series", "publisher", "location", "institution", "organization",
         "edition", "volume", "number", "pages", "eid", "chapter", "note", "howpublished",
         "type", "eventtitle", "venue", "version", "isbn", "issn", "addendum", "pubstate",
         "langid", "language", "titleaddon", "maintitle", "pagetotal")
_ALIASES = {"journal": "journaltitle", "address": "location", "school": "institution"}


def build_entries(raw: Mapping[str, RawEntry], report: Callable[[Diagnostic], None],
                  pybtex_reports: list) -> dict[str, Entry]:
    """Every raw entry decoded, in file order, with inherited fields filled in."""
    entries = {}
    index = {key.lower(): entry for key, entry in raw.items()}
    for key, entry in raw.items():
        fields, parent = inherited_fields(entry, index, report)
        built = _EntryBuilder(entry, fields, parent, report).build()
        for problem in pybtex_reports:
            report(warning("bad-bib-name",
                           f"entry `{shown(key)}`: {shown(str(problem.args[0]), 120)}",
                           entry.location, "names are separated by ` and `; each has at "
                           "most two commas: von Last, Jr, First"))
        pybtex_reports.clear()
        entries[key] = built
    return entries


# ---------------------------------------------------------------------------------------
# Entry construction


class _EntryBuilder:
    """Turns one raw entry into an :class:`Entry`, reporting unsafe or broken links."""

    def __init__(self, raw: RawEntry, fields: dict[str, str], parent: str,
                 report: Callable[[Diagnostic], None]):
        self.raw = raw
        self.key = raw.key
        self.kind = _TYPE_ALIASES.get(raw.entry_type, raw.entry_type)
        self.fields = fields
        self.parent = parent
        self.report = report

    def build(self) -> Entry:
        people = {role: self._people(role) for role in ROLES}
        authors, more_authors = people["author"]
        editors, more_editors = people["editor"]
        title = self._titled("title", "subtitle", "titleaddon")
        kept = self._kept_fields(title)
        howpublished = self._text("howpublished")
        howpublished_url = howpublished if is_web_url(howpublished) else ""
        eprint = self._eprint()
        venue = self._venue(kept, "" if howpublished_url else kept.get("howpublished", ""),
                            eprint)
        date = self._date()
        return Entry(
            key=self.key,
            entry_type=self.kind,
            authors=tuple(name.full for name in authors),
            editors=tuple(name.full for name in editors),
            title=strip_rich(title),
            venue=strip_rich(venue),
            year=date.year_text if date else "",
            url=self._url(howpublished_url, eprint),
            doi=self._doi(),
            location=self.raw.location,
            author_surnames=tuple(name.surname for name in authors),
            editor_surnames=tuple(name.surname for name in editors),
            more_authors=more_authors,
            more_editors=more_editors,
            details=self._details(kept),
            people=tuple((role, names) for role, (names, _more) in people.items() if names),
            date=date,
            fields=tuple(kept.items()),
            source=self.raw.source,
            strings_used=self.raw.strings_used,
            crossref=self.parent,
            eprint=eprint,
            title_rich=title,
            venue_rich=venue,
        )

    def _value(self, name: str) -> str:
        value = self.fields.get(name, "")
        if not value:
            for alias, canonical in _ALIASES.items():
                if canonical == name and self.fields.get(alias):
                    return self.fields[alias]
        return value

    def _text(self, name: str) -> str:
        return latex_to_text(self._value(name))

    def _rich(self, name: str) -> str:
        return latex_to_rich(self._value(name))

    def _titled(self, title: str, subtitle: str, addon: str = "") -> str:
        """"Title: Subtitle. Addon" (no colon after a title ending in ? or !)."""
        text = self._rich(title)
        sub = self._rich(subtitle)
        if sub:
            plain = strip_rich(text).rstrip()
            text = f"{text} {sub}" if plain.endswith(("?", "!", ":")) else f"{text}: {sub}"
        extra = self._rich(addon) if addon else ""
        if extra:
            text = f"{_sentence(text)} {extra}"
        return text

    def _kept_fields(self, title: str) -> dict[str, str]:
        kept: dict[str, str] = {"title": title} if title else {}
        for name, value in (("journaltitle", self._titled("journaltitle", "journalsubtitle")),
                            ("booktitle", self._titled("booktitle", "booksubtitle",
                                                       "booktitleaddon")),
                            ("maintitle", self._titled("maintitle", "mainsubtitle"))):
            if value:
                kept[name] = _trim(value)
        for name in _KEPT:
            if name in kept:
                continue
            value = self._rich(name)
            if value:
                kept[name] = _trim(value) if name in ("publisher", "location") else value
        issue = self._rich("issue")
        if "number" not in kept and any(char.isdigit() for char in issue):
            kept["number"] = issue  # Mendeley writes an article's number here
        if "pages" in kept:
            kept["pages"] = _page_range(kept["pages"])
        urldate = self._iso_date("urldate")
        if urldate:
            kept["urldate"] = urldate
        return kept

    def _people(self, role: str) -> tuple[tuple[Name, ...], bool]:
        value = _DANGLING_AND.sub("", self.fields.get(role, ""))
        names: list[Name] = []
        more = False
        # An escaped brace is a character, not a group, when the list is split at " and ".
        value = value.replace("\\{", ESCAPED_OPEN).replace("\\}", ESCAPED_CLOSE)
        for written in split_name_list(value) if value.strip() else []:
            written = written.replace(ESCAPED_OPEN, "\\{").replace(ESCAPED_CLOSE, "\\}")
            if written.strip().lower() == "others":
                more = True
                continue
            name = _name(written)
            if name.full:
                names.append(name)
        return tuple(names), more

    def _venue(self, kept: dict[str, str], howpublished: str,
               eprint: tuple[str, str, str] | None) -> str:
        kind = self.kind
        institution = kept.get("institution", "")
        written_type = kept.get("type", "")
        label = _THESIS_KINDS.get(strip_rich(written_type).lower().replace(" ", ""),
                                  written_type)
        if kind in ("phdthesis", "mastersthesis", "thesis"):
            label = label or _THESIS_KINDS.get(kind, "Thesis")
            return ", ".join(part for part in (label, institution) if part)
        if kind in ("techreport", "report"):
            label = label or ("Technical report" if kind == "techreport" else "")
            number = kept.get("number", "")
            if label and number:
                label = f"{label} {number}"
            joined = ", ".join(part for part in (label, institution) if part)
            if joined:
                return joined
        for name in ("journaltitle", "booktitle"):
            if kept.get(name):
                return kept[name]
        if kind not in BOOKS and institution:
            return institution
        if _trim(howpublished):
            return _trim(howpublished)
        if eprint and eprint[0] == "arXiv":
            return f"arXiv preprint arXiv:{eprint[1]}"
        if kept.get("maintitle"):
            return kept["maintitle"]
        publisher = kept.get("publisher") or kept.get("organization") or institution
        if publisher:
            place = kept.get("location", "")
            return f"{place}: {publisher}" if place else publisher
        return ""

    def _eprint(self) -> tuple[str, str, str] | None:
        identifier = decode_url(self.fields.get("eprint", "") or self.fields.get("arxivid", ""))
        if not identifier:
            return None
        written = (self.fields.get("eprinttype") or self.fields.get("archiveprefix")
                   or ("arxiv" if "arxivid" in self.fields else "")).strip()
        kind = written.lower()
        if not kind and _ARXIV_ID.fullmatch(identifier):
            kind = "arxiv"
        if kind == "arxiv" and not _ARXIV_ID.fullmatch(identifier.removeprefix("arXiv:")):
            return ("arXiv", identifier, "")
        identifier = identifier.removeprefix("arXiv:") if kind == "arxiv" else identifier
        if kind in _EPRINTS:
            name, pattern, form = _EPRINTS[kind]
            if not form.fullmatch(identifier):
                return (name, identifier, "")
            url = pattern.format(urllib.parse.quote(identifier, safe="/:.-_"))
            return (name, identifier, url)
        return (latex_to_text(written) or "eprint", identifier, "")

    def _date(self) -> EntryDate | None:
        written = self._text("date")
        if written:
            parsed = _parse_iso_range(written)
            return parsed or EntryDate(literal=written)
        year = self._text("year")
        if not year:
            return None
        month = _month(self._text("month"))
        day_text = self._text("day")
        day = int(day_text) if day_text.isdigit() and month else None
        span = re.fullmatch(r"(\d{3,4})\s*(?:[-–/]+|--)\s*(\d{3,4})", year)
        if span:
            return EntryDate(DatePart(int(span.group(1))), DatePart(int(span.group(2))))
        if re.fullmatch(r"\d{1,4}", year):
            return EntryDate(DatePart(int(year), month, day))
        found = re.search(r"\b(\d{4})\b", year)
        if found:  # "2019a", "c. 1850": sorted by the year, shown as written
            return EntryDate(DatePart(int(found.group(1))), literal=year)
        return EntryDate(literal=year)

    def _iso_date(self, name: str) -> str:
        written = self._text(name)
        parsed = _parse_iso_range(written) if written else None
        if parsed is None or parsed.start is None:
            return written
        start = parsed.start
        return "-".join(part for part in (f"{start.year:04d}",
                                          f"{start.month:02d}" if start.month else "",
                                          f"{start.day:02d}" if start.day else "") if part)

    def _details(self, kept: dict[str, str]) -> str:
        volume = strip_rich(kept.get("volume", ""))
        number = strip_rich(kept.get("number", "")) if self.kind not in (
            "techreport", "report") else ""
        pages = strip_rich(kept.get("pages", ""))
        parts = []
        if volume:
            parts.append(f"Vol {volume}" + (f"({number})" if number else ""))
        elif number:
            parts.append(f"No. {number}")
        if pages:
            several = re.search(r"[-–—,]", pages)
            parts.append(("pp. " if several else "p. ") + pages)
        elif kept.get("eid"):
            parts.append(strip_rich(kept["eid"]))
        return ", ".join(parts)

    def _url(self, howpublished_url: str, eprint: tuple[str, str, str] | None) -> str | None:
        written = self.fields.get("url", "")
        if written.strip():
            url = _first_url(decode_url(written))
            if is_web_url(url):
                return url
            self.report(warning(
                "unsafe-url",
                f"entry `{self.key}`: url `{shown(url)}` is not a web link (http or https); "
                "it is left out",
                self.raw.field_location("url"),
                "only http:// and https:// links are put in the page",
            ))
        if howpublished_url:
            return howpublished_url
        return eprint[2] if eprint and eprint[0] == "arXiv" and eprint[2] else None

    def _doi(self) -> str | None:
        written = self.fields.get("doi", "")
        if not written.strip():
            return None
        doi = bare_doi(decode_url(written)).strip()
        if DOI_PATTERN.fullmatch(doi):
            return doi
        self.report(warning(
            "bad-doi",
            f"entry `{self.key}`: `{shown(doi)}` is not a DOI and is left out",
            self.raw.field_location("doi"),
            "a DOI looks like 10.1234/abc.567",
        ))
        return None


_DANGLING_AND = re.compile(r"^\s*and\s+|\s+and\s*$", re.IGNORECASE)
"""What an undefined @string leaves of ``NAME # " and Other Name"``."""


def _name(written: str) -> Name:
    """A name as BibTeX splits it, each part decoded; a wholly braced name is literal."""
    stripped = written.strip()
    if stripped.startswith("{") and _closing_brace(stripped, 0) == len(stripped) - 1 \
            and not stripped.startswith("{\\"):
        return Name(literal=latex_to_text(stripped))
    person = Person(stripped)

    def decoded(parts: list[str]) -> str:
        return " ".join(filter(None, (latex_to_text(part) for part in parts)))

    return Name(
        family=join_name_parts([latex_to_text(part) for part in person.last_names]),
        given=decoded(person.first_names + person.middle_names),
        particle=join_name_parts([latex_to_text(part) for part in person.prelast_names]),
        suffix=decoded(person.lineage_names),
    )


def _closing_brace(text: str, open_index: int) -> int | None:
    level = 0
    for index in range(open_index, len(text)):
        if text[index] == "{":
            level += 1
        elif text[index] == "}":
            level -= 1
            if level == 0:
                return index
    return None


_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:T[\d:.]+Z?)?[?~%]?")


def _parse_iso_range(text: str) -> EntryDate | None:
    """biblatex's ``date``: ``2006``, ``1991-03``, ``2009-04-21``, ``1984/1986``, ``2001/``."""
    text = text.strip()
    start_text, slash, end_text = text.partition("/")
    start = _iso_part(start_text)
    if start is None:
        return None
    if not slash:
        return EntryDate(start)
    if not end_text.strip() or end_text.strip() == "..":
        return EntryDate(start, open_ended=True)
    end = _iso_part(end_text)
    return EntryDate(start, end) if end else None


def _iso_part(text: str) -> DatePart | None:
    match = _ISO_DATE.fullmatch(text.strip())
    if not match:
        return None
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if month is not None and not 1 <= month <= 12:
        month = day = None  # 21-24 are seasons in EDTF: keep the year only
    if day is not None and not 1 <= day <= 31:
        day = None
    return DatePart(int(match.group(1)), month, day)


def _month(text: str) -> int | None:
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return _MONTHS.get(text) or _MONTHS.get(text[:3]) if text else None


def _page_range(pages: str) -> str:
    """``203-210`` and ``203--210`` are 203–210; a "pp." written into the field goes."""
    pages = re.sub(r"^\s*pp?\.\s*", "", pages)
    return re.sub(r"(?<=[0-9A-Za-z])\s*(?:-{1,2}|‐|‑)\s*(?=[0-9A-Za-z])", "–", pages)


def _sentence(text: str) -> str:
    plain = strip_rich(text).rstrip()
    return text if plain.endswith((".", "?", "!")) else text + "."


def _trim(text: str) -> str:
    """Venues copied from Google Scholar often end with a stray comma."""
    stripped = text.strip()
    marks = ""
    while stripped.endswith(END):  # keep closing marks outside the trimmed text
        marks += END
        stripped = stripped[:-1].rstrip()
    stripped = stripped.rstrip(",;:").strip()
    if stripped.endswith(NO_CASE):
        stripped = stripped[:-1]
        marks = marks[1:]
    return stripped + marks


def _first_url(text: str) -> str:
    """Mendeley writes several URLs into one field, separated by spaces: take the first."""
    parts = text.split()
    if len(parts) > 1 and all("://" in part for part in parts):
        return parts[0]
    return text.replace(" ", "%20")


