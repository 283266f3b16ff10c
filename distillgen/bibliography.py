"""BibTeX in, reference text and safe HTML out.

A ``.bib`` is parsed once per build with pybtex's BibTeX tokenizer, but not with its whole-file
entry point, whose traps are well known: strict mode raises on a duplicate key, lenient mode
lets an unclosed entry swallow every entry after it, and errors carry no usable location. So
the text is first cut at every line that starts an entry (``@type{`` or ``@type(``), and each
piece is parsed on its own by the same pybtex parser (``@string`` macros carry over from piece
to piece). An unclosed entry then costs only itself, every problem is located at its line, and
whatever text lies between entries is checked: BibTeX ignores it, but it is nearly always the
remains of a broken entry, so it is an error (a line starting with ``%`` is a comment).

Decisions a user might ask about:

- Keys are case-sensitive for lookups (as in pandoc: ``@Smith2020`` is not ``@smith2020``),
  but two keys differing only in case are duplicates (as in BibTeX), so a miss can always be
  answered with a "did you mean". The first of two duplicate entries is kept, as BibTeX does.
- ``@comment{...}`` hides everything inside its braces, entries included (as biber does).
- Jekyll front matter (``---`` ... ``---``) before the first entry is skipped.
- An entry with a syntax error is still kept, with the fields read before the error, so the
  build reports the one real mistake instead of a cascade of unknown citations.
- Titles are shown as written: braces dropped, LaTeX decoded, no case changes.

Reference format (the HTML, each part left out when its field is missing)::

    <span class="ref-authors">A. Einstein, B. Podolsky, N. Rosen</span>.
    <span class="ref-year">1935</span>.
    <span class="ref-title"><a href="URL">Can Quantum-Mechanical ... Complete?</a></span>
    <span class="ref-venue"><i>Phys. Rev.</i>, Vol 47(10), pp. 777–780</span>.
    <a class="ref-doi" href="https://doi.org/10.1103/PhysRev.47.777">doi:10.1103/...</a>

The title links to the entry's URL, else to its DOI. Every text is HTML-escaped, and only
http(s) URLs are ever put in an ``href``.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import pathlib
import re
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pybtex.errors
from pybtex.database import BibliographyDataError, Person
from pybtex.database import Entry as PybtexEntry
from pybtex.database.input.bibtex import LowLevelParser, Parser, UndefinedMacro
from pybtex.exceptions import PybtexError
from pybtex.scanner import PrematureEOF, PybtexSyntaxError, TokenRequired

from .errors import Diagnostic, SourceLocation, error, sort_diagnostics, warning
from .latex_text import decode_url, latex_to_text
from .text import replace_forbidden_characters

__all__ = ["Entry", "Bibliography", "parse_bibliography", "load_bibliography"]


# ---------------------------------------------------------------------------------------
# The data


@dataclass(frozen=True)
class Entry:
    """One bibliography entry, every text field decoded to Unicode plain text.

    The fields are text, not markup: escape them before putting them in a page (``html()``
    does). Formatting happens on demand, so only cited entries pay for it.
    """

    key: str
    entry_type: str
    """``article``, ``inproceedings``, ... lowercased."""
    authors: tuple[str, ...]
    """Full names in natural order, "First von Last, Jr"; ``and others`` is not a name."""
    editors: tuple[str, ...]
    title: str
    """As written: braces removed, LaTeX decoded, case untouched."""
    venue: str
    """Where it appeared: journal, book title, school, publisher, "arXiv preprint ..."."""
    year: str
    url: str | None
    """An http(s) URL (from ``url``, a ``\\url`` in ``howpublished``, or an arXiv eprint)."""
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

    def short_authors(self) -> str:
        """The authors for running text: Rudin / Lundberg and Lee / Ribeiro et al.

        Without authors: the editors, else the title's first words, else the key.
        """
        if self.author_surnames:
            return _short_names(self.author_surnames, self.more_authors)
        if self.editor_surnames:
            return _short_names(self.editor_surnames, self.more_editors)
        words = self.title.split()
        if words:
            shown = " ".join(words[:3]).rstrip(".,:;")
            return shown + ("…" if len(words) > 3 else "")
        return self.key

    def html(self) -> str:
        """The whole reference as safe HTML, for the bibliography list."""
        return _render(self, _HtmlParts(self))

    def plain(self) -> str:
        """The whole reference as plain text (meta tags, accessible labels)."""
        return _render(self, _PlainParts(self))


@dataclass(frozen=True)
class Bibliography:
    """A parsed ``.bib``: its entries by key, and every problem found in it."""

    path: str
    entries: Mapping[str, Entry]
    """Key -> entry, in file order. A plain dict, shared by the cache: do not modify."""
    diagnostics: tuple[Diagnostic, ...] = ()

    def get(self, key: str) -> Entry | None:
        """The entry with exactly this key (case-sensitive, as in pandoc), or None."""
        return self.entries.get(key)


# ---------------------------------------------------------------------------------------
# Formatting


def _short_names(surnames: tuple[str, ...], more: bool) -> str:
    if len(surnames) == 1 and not more:
        return surnames[0]
    if len(surnames) == 2 and not more:
        return f"{surnames[0]} and {surnames[1]}"
    return f"{surnames[0]} et al."


def _name_list(names: tuple[str, ...], more: bool) -> str:
    return ", ".join(names + (("et al.",) if more and names else ()))


def _sentence(text: str) -> str:
    """End a part with a period unless it already ends a sentence."""
    return text if text.endswith((".", "?", "!")) else text + "."


class _PlainParts:
    """How each part of a reference is written as plain text."""

    def __init__(self, entry: Entry):
        self.entry = entry

    def text(self, text: str, css_class: str) -> str:
        return text

    def title(self) -> str:
        return self.entry.title

    def venue(self) -> str:
        return ", ".join(part for part in (self.entry.venue, self.entry.details) if part)

    def doi(self) -> str:
        return f"doi:{self.entry.doi}"


class _HtmlParts(_PlainParts):
    """The same parts as HTML: escaped text in classed spans, links only to http(s)."""

    def text(self, text: str, css_class: str) -> str:
        return f'<span class="{css_class}">{html.escape(text)}</span>'

    def title(self) -> str:
        text = html.escape(self.entry.title)
        target = self.entry.url or (_doi_url(self.entry.doi) if self.entry.doi else None)
        if target:
            text = f'<a href="{html.escape(target)}">{text}</a>'
        return f'<span class="ref-title">{text}</span>'

    def venue(self) -> str:
        venue = f"<i>{html.escape(self.entry.venue)}</i>" if self.entry.venue else ""
        details = html.escape(self.entry.details)
        inner = ", ".join(part for part in (venue, details) if part)
        return f'<span class="ref-venue">{inner}</span>'

    def doi(self) -> str:
        doi = self.entry.doi or ""
        href = html.escape(_doi_url(doi))
        return f'<a class="ref-doi" href="{href}">doi:{html.escape(doi)}</a>'


def _render(entry: Entry, parts: _PlainParts) -> str:
    """Authors. Year. Title. Venue, details. doi — with whatever parts the entry has."""
    pieces: list[str] = []
    people = _name_list(entry.authors, entry.more_authors)
    if not people and entry.editors:
        people = _name_list(entry.editors, entry.more_editors) + " (eds.)"
    if people:
        pieces.append(_sentence(parts.text(people, "ref-authors")))
    if entry.year:
        pieces.append(_sentence(parts.text(entry.year, "ref-year")))
    if entry.title:
        pieces.append(_sentence_around(parts.title(), entry.title))
    if entry.venue or entry.details:
        pieces.append(_sentence_around(parts.venue(), entry.details or entry.venue))
    if entry.doi:
        pieces.append(parts.doi())
    if not pieces:
        pieces.append(parts.text(entry.key, "ref-key"))
    return " ".join(pieces)


def _sentence_around(markup: str, text: str) -> str:
    """Add the closing period after the markup when the text itself lacks one."""
    return markup if text.endswith((".", "?", "!")) else markup + "."


def _doi_url(doi: str) -> str:
    return "https://doi.org/" + urllib.parse.quote(doi, safe="/:;()._-")


# ---------------------------------------------------------------------------------------
# Entry construction: pybtex entry -> Entry


_ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_THESIS_KINDS = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}


class _EntryBuilder:
    """Turns one pybtex entry into an :class:`Entry`, reporting unsafe or broken links."""

    def __init__(self, key: str, raw: PybtexEntry, location: SourceLocation,
                 field_location: Callable[[str], SourceLocation],
                 report: Callable[[Diagnostic], None]):
        self.key = key
        self.raw = raw
        self.fields = raw.fields
        self.location = location
        self.field_location = field_location
        self.report = report

    def build(self) -> Entry:
        authors, author_surnames, more_authors = self._people("author")
        editors, editor_surnames, more_editors = self._people("editor")
        howpublished = self._text("howpublished")
        howpublished_url = howpublished if _is_web_url(howpublished) else ""
        return Entry(
            key=self.key,
            entry_type=self.raw.type,
            authors=authors,
            editors=editors,
            title=self._text("title"),
            venue=self._venue("" if howpublished_url else howpublished),
            year=self._year(),
            url=self._url(howpublished_url),
            doi=self._doi(),
            location=self.location,
            author_surnames=author_surnames,
            editor_surnames=editor_surnames,
            more_authors=more_authors,
            more_editors=more_editors,
            details=self._details(),
        )

    def _text(self, name: str) -> str:
        return latex_to_text(self.fields.get(name, ""))

    def _people(self, role: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        names: list[str] = []
        surnames: list[str] = []
        more = False
        for person in self.raw.persons.get(role, []):
            if str(person).strip().lower() == "others":
                more = True
                continue
            full, surname = _person_names(person)
            if full:
                names.append(full)
                surnames.append(surname or full)
        return tuple(names), tuple(surnames), more

    def _venue(self, howpublished: str) -> str:
        kind = self.raw.type
        if kind in _THESIS_KINDS:
            school = _trim(self._text("school"))
            return f"{_THESIS_KINDS[kind]}, {school}" if school else _THESIS_KINDS[kind]
        for name in ("journal", "booktitle", "school", "institution"):
            venue = _trim(self._text(name))
            if venue:
                return venue
        if _trim(howpublished):
            return _trim(howpublished)
        arxiv = self._arxiv_id()
        if arxiv:
            return f"arXiv preprint arXiv:{arxiv}"
        for name in ("publisher", "organization"):
            venue = _trim(self._text(name))
            if venue:
                return venue
        return ""

    def _arxiv_id(self) -> str:
        eprint = decode_url(self.fields.get("eprint", ""))
        prefix = self.fields.get("archiveprefix", self.fields.get("eprinttype", "arXiv"))
        if prefix.strip().lower() == "arxiv" and _ARXIV_ID.fullmatch(eprint):
            return eprint
        return ""

    def _year(self) -> str:
        year = self._text("year")
        if not year:
            date = re.match(r"\d{4}", self._text("date"))
            year = date.group() if date else ""
        return year

    def _details(self) -> str:
        volume = self._text("volume")
        number = self._text("number") or self._text("issue")
        pages = self._text("pages")
        parts = []
        if volume:
            parts.append(f"Vol {volume}" + (f"({number})" if number else ""))
        if pages:
            several = re.search(r"[-–—,]", pages)
            parts.append(("pp. " if several else "p. ") + pages)
        return ", ".join(parts)

    def _url(self, howpublished_url: str) -> str | None:
        written = self.fields.get("url", "")
        if written.strip():
            url = decode_url(written).replace(" ", "%20")
            if _is_web_url(url):
                return url
            self.report(warning(
                "unsafe-url",
                f"entry `{self.key}`: url `{_shown(url)}` is not a web link (http or https); "
                "it is left out",
                self.field_location("url"),
                "only http:// and https:// links are put in the page",
            ))
        if howpublished_url:
            return howpublished_url
        arxiv = self._arxiv_id()
        return f"https://arxiv.org/abs/{arxiv}" if arxiv else None

    def _doi(self) -> str | None:
        written = self.fields.get("doi", "")
        if not written.strip():
            return None
        doi = _DOI_PREFIX.sub("", decode_url(written))
        if _DOI.fullmatch(doi):
            return doi
        self.report(warning(
            "bad-doi",
            f"entry `{self.key}`: `{_shown(doi)}` is not a DOI and is left out",
            self.field_location("doi"),
            "a DOI looks like 10.1234/abc.567",
        ))
        return None


def _person_names(person: Person) -> tuple[str, str]:
    """(full name in reading order, surname with its von part), decoded."""
    first = [latex_to_text(part) for part in person.first_names + person.middle_names]
    von_last = [latex_to_text(part) for part in person.prelast_names + person.last_names]
    lineage = " ".join(latex_to_text(part) for part in person.lineage_names)
    full = _join_name_parts(first + von_last)
    surname = _join_name_parts(von_last)
    return (f"{full}, {lineage}" if lineage else full), surname


def _join_name_parts(parts: list[str]) -> str:
    """Join with spaces, except after an elided particle: "d'" + "Alché" is "d'Alché"."""
    text = ""
    for part in filter(None, parts):
        glue = "" if not text or text.endswith(("'", "’")) else " "
        text += glue + part
    return text


def _trim(text: str) -> str:
    """Venues copied from Google Scholar often end with a stray comma."""
    return text.strip().rstrip(",;:").strip()


def _is_web_url(url: str) -> bool:
    if not url or any(char.isspace() for char in url):
        return False
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _shown(text: str, limit: int = 60) -> str:
    """User text quoted in a message: printable, bounded."""
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------------------------------
# Parsing


_ENTRY_START = re.compile(r"^[ \t]*(@)[ \t]*[A-Za-z][\w-]*[ \t]*[{(]", re.MULTILINE)
_COMMENT_START = re.compile(r"@[ \t]*comment[ \t]*\{", re.IGNORECASE)
_ENTRY_HEAD = re.compile(r"@\s*([^\s{(]+)\s*[{(]\s*([^\s,})=]*)\s*(.?)", re.DOTALL)
_OPENS_ENTRY = re.compile(r"@[ \t]*[A-Za-z][\w-]*\s*[{(]")
_COMMANDS = ("string", "preamble", "comment")
# pybtex's own errors are module-global state: one parse at a time in this process.
_PYBTEX_LOCK = threading.Lock()


class _Lines:
    """Offset -> (line, column) in the file, both 1-based."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def location(self, offset: int) -> SourceLocation:
        index = bisect.bisect_right(self.starts, offset) - 1
        return SourceLocation(self.path, index + 1, offset - self.starts[index] + 1)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


@dataclass
class _FileParse:
    """Mutable state of one parse; :func:`parse_bibliography` returns its frozen result."""

    path: str
    text: str
    lines: _Lines
    parser: Parser = field(default_factory=Parser)
    entries: dict[str, Entry] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pybtex_reports: list = field(default_factory=list)

    def at(self, offset: int) -> SourceLocation:
        return self.lines.location(offset)


def parse_bibliography(text: str, path: str) -> Bibliography:
    """Parse ``.bib`` text; ``path`` only names the file in locations. Never raises on input."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    state = _FileParse(path, text, _Lines(path, text))
    body_start = _front_matter_end(text)
    scanned = _hide_comments(text, body_start)
    starts = [match.start(1) for match in _ENTRY_START.finditer(scanned)]
    with _PYBTEX_LOCK, pybtex.errors.capture() as reports:
        state.pybtex_reports = reports
        _check_stray_text(state, scanned, body_start, starts[0] if starts else len(text))
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(scanned)
            _parse_piece(state, scanned, start, end)
    return Bibliography(path, state.entries, tuple(sort_diagnostics(state.diagnostics)))


def _front_matter_end(text: str) -> int:
    """Offset just past Jekyll front matter (``---`` lines), when it comes before any entry."""
    lines = text.split("\n")
    opening = next((index for index, line in enumerate(lines)
                    if line.strip() and not line.strip().startswith("%")), None)
    if opening is None or lines[opening].strip() != "---":
        return 0
    for closing in range(opening + 1, len(lines)):
        if lines[closing].strip() in ("---", "..."):
            return min(len(text), sum(len(line) + 1 for line in lines[:closing + 1]))
    return 0


def _hide_comments(text: str, start: int) -> str:
    """Blank out front matter and ``@comment{...}`` bodies, keeping every offset and line."""
    chars = list(text)

    def blank(begin: int, end: int) -> None:
        chars[begin:end] = [char if char == "\n" else " " for char in text[begin:end]]

    blank(0, start)
    for match in _COMMENT_START.finditer(text, start):
        end = _closing_brace(text, match.end() - 1)
        if end is not None:
            blank(match.start(), end + 1)
    return "".join(chars)


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


def _check_stray_text(state: _FileParse, text: str, start: int, end: int,
                      base: int = 0) -> None:
    """Report the first non-comment text in ``text[start:end]``, which lies outside entries.

    ``base`` is the file offset of ``text`` (a piece of the file, or the file itself).
    """
    offset = start
    for line in text[start:end].split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("%"):
            column = offset + len(line) - len(line.lstrip())
            state.diagnostics.append(error(
                "bad-bibtex",
                f"text outside any entry: `{_shown(stripped, 40)}`",
                state.at(base + column),
                "BibTeX ignores it, but it is usually what is left of a broken entry (a '}' "
                "that closed the entry above too early?); delete it, or start the line with % "
                "to keep it as a comment",
            ))
            return
        offset += len(line) + 1


def _parse_piece(state: _FileParse, text: str, start: int, end: int) -> None:
    """Parse one entry (and whatever follows it up to the next line starting an entry)."""
    piece = text[start:end]
    head = _ENTRY_HEAD.match(piece)
    if head and head.group(1).lower() not in _COMMANDS and (
            not head.group(2) or head.group(3) == "="):
        state.diagnostics.append(error(
            "bad-bibtex", f"`@{_shown(head.group(1), 30)}` entry has no key", state.at(start),
            "write the key right after the brace: @article{smith2020, ...",
        ))
        return
    _PieceParser(state, piece, start, end).run()


class _PieceParser:
    """Drives pybtex's tokenizer over one piece and turns its errors into diagnostics."""

    def __init__(self, state: _FileParse, piece: str, start: int, end: int):
        self.state = state
        self.piece = piece
        self.start = start
        self.next_entry_line = state.lines.line(end) if end < len(state.text) else None
        self.scanner = LowLevelParser(
            piece, handle_error=self._on_error, macros=state.parser.macros,
            want_entry=state.parser.data.want_entry,
        )
        self.failed_command: int | None = None
        """Start of the command that had a syntax error: the rest of the piece is not read."""

    def run(self) -> None:
        previous_end = 0
        for command, arguments in self.scanner:
            command_start = self.scanner.command_start
            if self.failed_command is not None and self.failed_command != command_start:
                return  # a later command only exists because of the error: a cascade
            if self.failed_command is None:
                _check_stray_text(self.state, self.piece, previous_end, command_start,
                                  self.start)
            previous_end = self.scanner.pos
            self._take(command, arguments, self.start + command_start)
            if self.failed_command is not None:
                return
        if self.failed_command is None:
            _check_stray_text(self.state, self.piece, previous_end, len(self.piece),
                              self.start)

    def _take(self, command: str, arguments: tuple, offset: int) -> None:
        kind = command.lower()
        if kind == "preamble":
            return  # LaTeX definitions for BibTeX's own output: nothing to show
        if kind == "string":
            return  # already stored in the shared macro table by the tokenizer
        key, fields = arguments
        if key is None:
            return
        self._add_entry(command, key, fields, offset)

    def _add_entry(self, command: str, key: str, fields: list, offset: int) -> None:
        state = self.state
        entries = state.parser.data.entries
        if key in entries:
            first = state.entries.get(entries[key].key)
            where = f" (first defined at line {first.location.line})" if first else ""
            state.diagnostics.append(warning(
                "duplicate-bib-key",
                f"duplicate key `{_shown(key)}`{where}: this entry is ignored",
                state.at(offset),
                "BibTeX keeps the first entry with a key (keys differing only in case are "
                "the same key); rename or delete one of them",
            ))
            return
        state.parser.process_entry(command, key, fields)
        self._drain_pybtex_reports(key, offset)
        raw = entries.get(key)
        if raw is None:
            return
        location = state.at(offset)
        builder = _EntryBuilder(
            key, raw, location, lambda name: self._field_location(name, offset),
            state.diagnostics.append,
        )
        state.entries[key] = builder.build()

    def _field_location(self, name: str, offset: int) -> SourceLocation:
        match = _field_pattern(name).search(self.piece, offset - self.start)
        return self.state.at(self.start + match.start()) if match else self.state.at(offset)

    def _drain_pybtex_reports(self, key: str, offset: int) -> None:
        """Errors pybtex reported while building the entry: duplicate fields, bad names."""
        reports = self.state.pybtex_reports
        for report in reports:
            self.state.diagnostics.append(_report_diagnostic(report, key, self, offset))
        reports.clear()

    # -- syntax errors ----------------------------------------------------------------

    def _on_error(self, exception: PybtexSyntaxError) -> None:
        scanner = self.scanner
        if isinstance(exception, UndefinedMacro):
            self.state.diagnostics.append(self._undefined_macro(exception))
            return
        if self.failed_command is not None:
            return
        self.failed_command = scanner.command_start
        self.state.diagnostics.append(self._syntax_error(exception))

    def _unclosed_error(self, what: str, field_name: str | None,
                        entry_offset: int) -> Diagnostic:
        until = (f"the next entry, line {self.next_entry_line}" if self.next_entry_line
                 else "the end of the file")
        command_start = self.scanner.command_start or 0
        value = _raw_value(self.piece, command_start, field_name) if field_name else ""
        if value is None:
            return error(
                "bad-bibtex",
                f"{what} is not closed: the value of field `{field_name}` never ends",
                self.state.at(entry_offset),
                f"a closing '}}' or '\"' is missing in `{field_name}`; it runs to {until}",
            )
        if _SWALLOWED_LINE.search(value):
            hint = (f"field `{field_name}` runs over the lines after it: a '}}' or '\"' is "
                    "probably missing in it")
        else:
            hint = f"add the '}}' that ends it, before {until}"
        return error("bad-bibtex", f"{what} is not closed", self.state.at(entry_offset), hint)

    def _undefined_macro(self, exception: UndefinedMacro) -> Diagnostic:
        name = exception.args[0] if exception.args else "?"
        field_name = self.scanner.current_field_name or "?"
        where = self.state.at(self.start + self.scanner.pos - len(str(name)))
        return warning(
            "undefined-bib-string",
            f"`{_shown(str(name))}` in field `{field_name}` is not a defined @string; "
            "the field is left empty",
            where,
            "define it with @string{name = {...}} above this entry, or write the value "
            "in braces",
        )

    def _syntax_error(self, exception: PybtexSyntaxError) -> Diagnostic:
        scanner = self.scanner
        entry_offset = self.start + (scanner.command_start or 0)
        key = scanner.current_entry_key
        what = f"entry `{_shown(key)}`" if key else "this entry"
        field_name = scanner.current_field_name
        if not _OPENS_ENTRY.match(self.piece, scanner.command_start or 0):
            return error(
                "bad-bibtex", "'@' is not followed by an entry type and '{'",
                self.state.at(entry_offset),
                "outside entries, '@' starts an entry; remove it or start the line with %",
            )
        if isinstance(exception, PrematureEOF):
            return self._unclosed_error(what, field_name, entry_offset)
        position = self.start + scanner.pos
        if "unbalanced braces" in str(exception):
            return error(
                "bad-bibtex",
                f"{what}: a '}}' without its '{{' in the value of field `{field_name}`",
                self.state.at(position - 1),
                "if the value is in quotes, check that its closing '\"' is there",
            )
        found = self.piece[scanner.pos:].split(maxsplit=1)
        if found and found[0].startswith("%"):
            return error(
                "bad-bibtex", f"{what}: a % comment inside an entry", self.state.at(position),
                "BibTeX has no comments inside entries; delete the line",
            )
        found_text = f"`{_shown(found[0], 30)}`" if found else "the end of the entry"
        if not field_name and scanner.current_fields:
            field_name = scanner.current_fields[-1][0]
        message, hint = _explain_syntax_error(exception, field_name, found_text)
        return error("bad-bibtex", f"{what}: {message}", self.state.at(position), hint)


def _raw_value(piece: str, start: int, field_name: str) -> str | None:
    """The text of the last ``{...}`` or ``"..."`` value of ``field_name`` after ``start``:
    ``""`` when it has no such value, None when its brace or quote never closes."""
    matches = list(_field_pattern(field_name).finditer(piece, start))
    if not matches:
        return ""
    opening = matches[-1].end()
    if piece.startswith("{", opening):
        closing = _closing_brace(piece, opening)
        return None if closing is None else piece[opening + 1:closing]
    if piece.startswith('"', opening):
        level = 0
        for index in range(opening + 1, len(piece)):
            char = piece[index]
            level += (char == "{") - (char == "}")
            if char == '"' and level == 0:
                return piece[opening + 1:index]
        return None
    return ""


def _field_pattern(name: str) -> re.Pattern[str]:
    """``name =`` as it starts a field (not as the end of a longer name)."""
    return re.compile(rf"(?<![\w-]){re.escape(name)}\s*=\s*", re.IGNORECASE)


_SWALLOWED_LINE = re.compile(r"\n\s*(?:@\s*\w+\s*[{(]|[A-Za-z][\w-]*\s*=)")


def _explain_syntax_error(exception: PybtexSyntaxError, field_name: str | None,
                          found: str) -> tuple[str, str | None]:
    """pybtex's "X expected" in the words of someone fixing a .bib by hand."""
    if not isinstance(exception, TokenRequired):
        return str(exception.args[0] if exception.args else exception), None
    expected = str(exception.args[0]).removesuffix(" expected")
    if expected in ("'}'", "')'"):
        after = f"after field `{field_name}`" if field_name else "after the key"
        return (f"expected ',' or {expected} {after}, found {found}",
                "is a comma missing at the end of the previous field?")
    if expected == "'='":
        return f"expected '=' after field name `{field_name}`, found {found}", None
    if expected == "field value":
        return (f"field `{field_name}` has no value, found {found}",
                "write the value in braces: title = {...}")
    if expected == "entry key":
        return "the entry has no key", "write the key after the brace: @article{smith2020, ..."
    if expected == "a valid name":
        return (f"'@' is not followed by an entry type (found {found})",
                "outside entries, '@' starts an entry; remove it or start the line with %")
    if expected == "'(' or '{'":
        return f"expected '{{' after the entry type, found {found}", None
    return f"expected {expected}, found {found}", None


def _report_diagnostic(report: PybtexError, key: str, piece: _PieceParser,
                       offset: int) -> Diagnostic:
    """A problem pybtex reported through ``report_error`` while reading an entry."""
    message = str(report.args[0] if report.args else report)
    duplicate_field = re.match(r"entry with key .* has a duplicate (\S+) field", message)
    if duplicate_field:
        name = duplicate_field.group(1)
        return warning(
            "duplicate-bib-field",
            f"entry `{_shown(key)}` has the field `{name}` twice; the first one is used",
            _second_field_location(piece, name, offset),
        )
    if isinstance(report, BibliographyDataError) or "Too many commas" in message:
        return warning("bad-bib-name" if "commas" in message else "bad-bibtex",
                       f"entry `{_shown(key)}`: {_shown(message, 120)}", piece.state.at(offset))
    return warning("bad-bibtex", f"entry `{_shown(key)}`: {_shown(message, 120)}",
                   piece.state.at(offset))


def _second_field_location(piece: _PieceParser, name: str, offset: int) -> SourceLocation:
    matches = list(_field_pattern(name).finditer(piece.piece, offset - piece.start))
    target = matches[1].start() if len(matches) > 1 else offset - piece.start
    return piece.state.at(piece.start + target)


# ---------------------------------------------------------------------------------------
# Loading


_CACHE: dict[tuple[str, str], Bibliography] = {}
_CACHE_LIMIT = 32
_CACHE_LOCK = threading.Lock()


def load_bibliography(file: pathlib.Path, display_path: str, disk_cache=None,
                      code_version: str = "") -> Bibliography:
    """Read a ``.bib`` (UTF-8) and parse it; the same bytes are parsed once per process, and
    once per ``disk_cache`` (a :class:`distillgen.cache.Cache`) across builds.

    Bytes that are not UTF-8 are a located ``bad-encoding`` error (the file is still parsed
    with them replaced, so its other problems show too); an unreadable file is a
    ``missing-bibliography`` error.
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        problem = error("missing-bibliography",
                        f"cannot read the bibliography: {exc.strerror or exc}",
                        SourceLocation(display_path, 1, 1))
        return Bibliography(display_path, {}, (problem,))
    cache_key = (hashlib.sha256(data).hexdigest(), display_path)
    with _CACHE_LOCK:
        cached = _CACHE.get(cache_key)
    if cached is not None:
        return cached
    disk_key = hashlib.sha256(b"\0".join((code_version.encode(), display_path.encode(), data)))
    bibliography = disk_cache.get(disk_key.hexdigest()) if disk_cache is not None else None
    if not isinstance(bibliography, Bibliography):
        bibliography = _parse_bytes(data, display_path)
        if disk_cache is not None:
            disk_cache.put(disk_key.hexdigest(), bibliography)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[cache_key] = bibliography
    return bibliography


def _parse_bytes(data: bytes, display_path: str) -> Bibliography:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        parsed = parse_bibliography(data.decode("utf-8", errors="replace"), display_path)
        problem = _encoding_error(data, exc, display_path)
        diagnostics = tuple(sort_diagnostics((*parsed.diagnostics, problem)))
        return Bibliography(display_path, parsed.entries, diagnostics)
    return _parse_refusing_forbidden_characters(text, display_path)


def _parse_refusing_forbidden_characters(text: str, display_path: str) -> Bibliography:
    """The one rule of :mod:`distillgen.text` for characters no page or feed may hold, as
    for every other input: a located error (the rest of the file is still read)."""
    text, forbidden = replace_forbidden_characters(text, display_path)
    parsed = parse_bibliography(text, display_path)
    if forbidden is None:
        return parsed
    diagnostics = tuple(sort_diagnostics((*parsed.diagnostics, forbidden)))
    return Bibliography(display_path, parsed.entries, diagnostics)


def _encoding_error(data: bytes, exc: UnicodeDecodeError, display_path: str) -> Diagnostic:
    before = data[:exc.start]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    location = SourceLocation(display_path, before.count(b"\n") + 1, column)
    return error(
        "bad-encoding", f"byte 0x{data[exc.start]:02x} is not valid UTF-8", location,
        "save the file as UTF-8 (it may be Latin-1 or Windows-1252)",
    )
