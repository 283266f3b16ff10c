"""The publications page: ``publications: papers.bib`` lists every entry of a ``.bib``.

The way al-folio's users expect it, and with no JavaScript: entries grouped by year, newest
first (a year that is not a number, such as "in press", comes first; entries without a year
come last), in file order within a year. Each entry shows its reference, its links and, in
``<details>``, its abstract and its BibTeX as written (fields that only drive a page's
display, such as al-folio's ``bibtex_show`` or ``pdf``, are left out of the copy).

Links, in this order, each shown when its field is present: ``pdf``, ``doi``, ``arxiv``,
``url`` (labelled arXiv when it leads there, as an arXiv ``eprint`` does), ``html``,
``code``, ``slides``, ``poster``, ``video``, ``website``, ``blog``, ``supp``. A value is an
http(s) URL, or a file: a path relative to the ``.bib`` (al-folio's ``assets/pdf/`` is
searched too), copied into the site and checked like an image (a missing file is a located
``missing-asset`` error).

The entries come from the bibliography loader (the same parsing, decoding and diagnostics as
for citations); only the fields it does not model (the links above, the abstract) and the
entry's source text are read here.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pybtex.errors
from pybtex.database.input.bibtex import Parser
from pybtex.exceptions import PybtexError

from .bibliography import Entry, load_bibliography
from .bibliography.format import reference_html
from .errors import Diagnostic, SourceLocation, error, warning
from .latex_text import decode_url, latex_to_text
from .model import AssetInfo, AssetRef, Post
from .names import doi_url, is_web_url
from .text import LineIndex, decode_leniently

LINK_FIELDS = (("pdf", "PDF"), ("doi", "DOI"), ("arxiv", "arXiv"), ("url", "URL"),
               ("html", "HTML"), ("code", "Code"), ("slides", "Slides"),
               ("poster", "Poster"), ("video", "Video"), ("website", "Website"),
               ("blog", "Blog"), ("supp", "Supplement"))
"""(field, label) of every link an entry may show, in the order shown."""
HIDDEN_FIELDS = frozenset({
    "abbr", "abstract", "additional_info", "altmetric", "annotation", "award", "award_name",
    "bibtex_show", "blog", "code", "dimensions", "google_scholar_id", "html", "inspirehep_id",
    "pdf", "poster", "preview", "selected", "slides", "supp", "video", "website",
})
"""Fields left out of the BibTeX a reader copies: they say how to show the entry, not what
it is."""
PDF_FOLDER = "assets/pdf"
"""Where al-folio keeps the files its ``pdf`` fields name."""


@dataclass(frozen=True)
class PublicationLink:
    label: str
    href: str
    """An absolute URL, or the address of a copied file relative to the page."""


@dataclass(frozen=True)
class Publication:
    key: str
    html: str
    """The reference as safe HTML (the same text as in a post's bibliography)."""
    links: tuple[PublicationLink, ...]
    abstract: str
    """Plain text (escaped by the template); empty when the entry has none."""
    bibtex: str
    """The entry's source as written, display-only fields removed."""


@dataclass(frozen=True)
class YearGroup:
    year: str
    """``2024``, or a year as written (``in press``), or ``Undated``."""
    anchor: str
    entries: tuple[Publication, ...]


@dataclass(frozen=True)
class PublicationList:
    """What a publications page shows, and the files it needs copied."""

    source: str
    """The ``.bib``, relative to the site root."""
    years: tuple[YearGroup, ...]
    count: int
    files: tuple[AssetRef, ...] = ()


def load_publications(root: Path, content_dir: str, pages: Iterable[Post],
                      assets_on_disk: Mapping[str, AssetInfo], site_author: str = "",
                      ) -> tuple[dict[str, PublicationList], list[Diagnostic]]:
    """The publication list of every page with ``publications:``, by the page's source path."""
    found: dict[str, PublicationList] = {}
    diagnostics: list[Diagnostic] = []
    for page in pages:
        if not page.meta.publications:
            continue
        display = posixpath.normpath(posixpath.join(posixpath.dirname(page.source_path),
                                                    page.meta.publications))
        file = root / display
        where = SourceLocation(page.source_path, 1, 1)
        if not file.resolve().is_relative_to(root.resolve()):
            diagnostics.append(error("outside-site", f"`{page.meta.publications}` leads outside "
                                     "the site folder", where, "keep the .bib inside the site"))
            continue
        if not file.is_file():
            diagnostics.append(error(
                "missing-bibliography", f"publications file not found: "
                f"`{page.meta.publications}` (looked for `{display}`)", where,
                f"the path is relative to `{page.source_path}`"))
            continue
        bibliography = load_bibliography(file, display)
        diagnostics.extend(bibliography.diagnostics)
        text, _ = decode_leniently(file.read_bytes(), display)  # reported by the load
        builder = _ListBuilder(display, text, page, content_dir, assets_on_disk, site_author)
        found[page.source_path] = builder.build(bibliography.entries.values())
        diagnostics.extend(builder.diagnostics)
    return found, diagnostics


class _ListBuilder:
    def __init__(self, display: str, text: str, page: Post, content_dir: str,
                 assets_on_disk: Mapping[str, AssetInfo], site_author: str):
        self.display = display
        self.text = text
        self.lines = LineIndex(text, display)
        self.page = page
        self.content_dir = PurePosixPath(content_dir)
        self.assets_on_disk = assets_on_disk
        self.site_author = site_author
        self.files: dict[str, AssetRef] = {}
        self.diagnostics: list[Diagnostic] = []

    def build(self, entries: Iterable[Entry]) -> PublicationList:
        groups: dict[str, list[Publication]] = {}
        for entry in entries:
            groups.setdefault(_year_group(entry.year), []).append(self.publication(entry))
        years = tuple(YearGroup(year, "year-" + re.sub(r"[^a-z0-9]+", "-", year.lower()),
                                tuple(items))
                      for year, items in sorted(groups.items(), key=lambda kv: _year_order(kv[0])))
        count = sum(len(group.entries) for group in years)
        return PublicationList(self.display, years, count,
                               tuple(self.files[k] for k in sorted(self.files)))

    def publication(self, entry: Entry) -> Publication:
        source = self.source_of(entry)
        fields = _extra_fields(source)
        links: list[PublicationLink] = []
        for name, label in LINK_FIELDS:
            href = self.link(entry, name, fields, source)
            if name == "url" and re.match(r"https?://(?:www\.)?arxiv\.org/", href):
                label = "arXiv"
            if href and all(link.href != href for link in links):
                links.append(PublicationLink(label, href))
        return Publication(
            key=entry.key, html=_mark_author(reference_html(entry), self.site_author),
            links=tuple(links), abstract=_abstract(fields.get("abstract", "")),
            bibtex=_without_display_fields(source))

    def link(self, entry: Entry, name: str, fields: Mapping[str, str], source: str) -> str:
        if name == "doi":
            return doi_url(entry.doi) if entry.doi else ""
        if name == "url":
            return entry.url or ""
        if name == "arxiv":
            arxiv = _url_value(fields.get("arxiv", ""))
            if arxiv:
                return arxiv if is_web_url(arxiv) else f"https://arxiv.org/abs/{arxiv}"
            return ""
        value = _url_value(fields.get(name, ""))
        if not value:
            return ""
        if is_web_url(value):
            return value
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
            self.diagnostics.append(warning(
                "unsafe-url", f"`{name}` of `{entry.key}` is not a web link; it is left out",
                self.field_location(entry, name, source),
                "use an http:// or https:// link, or a file path relative to the .bib"))
            return ""
        return self.local_file(entry, name, value, source)

    def local_file(self, entry: Entry, name: str, value: str, source: str) -> str:
        folder = posixpath.dirname(self.display)
        candidates = [posixpath.normpath(posixpath.join(folder, value))]
        if name in ("pdf", "slides", "poster", "supp"):
            candidates.append(posixpath.normpath(posixpath.join(PDF_FOLDER, value)))
        for candidate in candidates:
            if candidate.startswith("../") or candidate == "..":
                continue
            if candidate in self.assets_on_disk:
                target = _output_path(PurePosixPath(candidate), self.content_dir)
                self.files[candidate] = AssetRef(source=candidate, target=target)
                return posixpath.relpath(str(target), str(self.page.url_path))
        self.diagnostics.append(error(
            "missing-asset", f"file not found: `{value}` (the `{name}` of `{entry.key}`; "
            f"looked for `{candidates[0]}`)", self.field_location(entry, name, source),
            "a path is relative to the .bib file" + (f", or to {PDF_FOLDER}/"
                                                     if len(candidates) > 1 else "")))
        return ""

    # -- the entry's source text

    def offset(self, location: SourceLocation) -> int:
        start = self.lines.line_start(location.line)
        at = self.text.find("@", start + max(location.column - 1, 0))
        return at if at >= 0 else start

    def source_of(self, entry: Entry) -> str:
        start = self.offset(entry.location)
        return self.text[start:_entry_end(self.text, start)].rstrip()

    def field_location(self, entry: Entry, name: str, source: str) -> SourceLocation:
        match = re.search(rf"(?im)^\s*{re.escape(name)}\s*=", source)
        if not match:
            return entry.location
        start = self.offset(entry.location) + match.start() + (len(match.group())
                                                              - len(match.group().lstrip()))
        return self.lines.location(start)


def _output_path(source: PurePosixPath, content_dir: PurePosixPath) -> PurePosixPath:
    """As for images: files under the content folder drop that prefix, others keep theirs."""
    try:
        return source.relative_to(content_dir)
    except ValueError:
        return source


def _entry_end(text: str, start: int) -> int:
    """Where the entry starting at ``start`` (its ``@``) ends: after its closing brace or
    parenthesis; at the next line starting with ``@`` if it is never closed."""
    opening = re.compile(r"@\s*[A-Za-z][\w-]*\s*([{(])").match(text, start)
    if opening:
        closer = "}" if opening.group(1) == "{" else ")"
        depth = 0
        for index in range(opening.end(), len(text)):
            char = text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0 and closer == "}":
                    return index + 1
                depth -= 1
            elif char == ")" and closer == ")" and depth == 0:
                return index + 1
    following = re.compile(r"^[ \t]*@", re.MULTILINE).search(text, start + 1)
    return following.start() if following else len(text)


def _extra_fields(source: str) -> dict[str, str]:
    """The raw values of the fields the bibliography does not model (lowercased names)."""
    wanted = {name for name, _ in LINK_FIELDS} | {"abstract"}
    try:
        with pybtex.errors.capture():
            data = Parser().parse_string(source)
    except (PybtexError, ValueError):
        return {}
    for entry in data.entries.values():
        return {name.lower(): str(value) for name, value in entry.fields.items()
                if name.lower() in wanted}
    return {}


def _url_value(raw: str) -> str:
    return decode_url(raw) if raw else ""


def _abstract(raw: str) -> str:
    return latex_to_text(raw) if raw else ""


_YEAR = re.compile(r"\d{4}")


def _year_group(year: str) -> str:
    year = year.strip()
    if not year:
        return "Undated"
    match = _YEAR.search(year)
    return match.group() if match else year


def _year_order(group: str) -> tuple[int, int, str]:
    """Words (in press, submitted) first, then years newest first, then the undated."""
    if group == "Undated":
        return (2, 0, "")
    if _YEAR.fullmatch(group):
        return (1, -int(group), "")
    return (0, 0, group.casefold())


def _mark_author(reference: str, author: str) -> str:
    """The site's author in bold in the author list, as on a researcher's own page."""
    author = author.strip()
    if not author:
        return reference
    match = re.match(r'(<span class="ref-authors">)(.*?)(</span>)', reference)
    if not match:
        return reference
    escaped = html.escape(author)
    names = re.sub(rf"(?<![\w-]){re.escape(escaped)}(?![\w-])",
                   lambda m: f'<strong class="ref-self">{m.group()}</strong>', match.group(2))
    return match.group(1) + names + match.group(3) + reference[match.end():]


_FIELD_START = re.compile(r"^[ \t]*([A-Za-z][\w-]*)[ \t]*=[ \t]*", re.MULTILINE)


def _without_display_fields(source: str) -> str:
    """The entry's source without the fields in :data:`HIDDEN_FIELDS`, each removed with its
    whole value (braces counted), when it starts a line."""
    pieces: list[str] = []
    position = 0
    for match in _FIELD_START.finditer(source):
        if match.start() < position or match.group(1).lower() not in HIDDEN_FIELDS:
            continue
        end = _value_end(source, match.end())
        if end is None:
            continue
        newline = source.find("\n", end)
        rest = source[end:newline if newline >= 0 else len(source)]
        if rest.strip() not in ("", ","):
            continue  # another field follows on the same line: leave the line alone
        pieces.append(source[position:match.start()])
        position = newline + 1 if newline >= 0 else len(source)
    pieces.append(source[position:])
    return "".join(pieces)


def _value_end(source: str, start: int) -> int | None:
    """The end of a field value (``{…}``, ``"…"``, a number or a macro, joined with ``#``)."""
    index = start
    while True:
        if index >= len(source):
            return None
        char = source[index]
        if char == "{":
            depth = 0
            for index in range(index, len(source)):  # noqa: B020 - scanning on
                if source[index] == "{":
                    depth += 1
                elif source[index] == "}":
                    depth -= 1
                    if depth == 0:
                        break
            else:
                return None
            index += 1
        elif char == '"':
            depth = 0
            index += 1
            while index < len(source) and not (source[index] == '"' and depth == 0):
                depth += {"{": 1, "}": -1}.get(source[index], 0)
                index += 1
            if index >= len(source):
                return None
            index += 1
        else:
            word = re.match(r"[\w:.+-]+", source[index:])
            if not word:
                return None
            index += word.end()
        hash_join = re.match(r"\s*#\s*", source[index:])
        if not hash_join:
            return index
        index += hash_join.end()


def publications_digest(lists: Mapping[str, PublicationList]) -> str:
    """What the lists add to the page cache key (a changed .bib re-runs the templates)."""
    return repr(sorted(lists.items()))


def all_files(lists: Mapping[str, PublicationList]) -> Sequence[AssetRef]:
    return [ref for pubs in lists.values() for ref in pubs.files]
