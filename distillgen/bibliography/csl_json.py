"""CSL-JSON from our parsed entries, mapped the way pandoc maps BibTeX to CSL.

``@inproceedings`` is a ``paper-conference``, ``booktitle`` its ``container-title``; the title
of an English entry goes to sentence case except for what braces protect (CSL styles expect
sentence case and title-case what they need). Every string is HTML-escaped before it goes
in, because citeproc-py's HTML formatter writes data as it receives it.
"""

from __future__ import annotations

import html
import re

from ..latex_text import BOLD, END, ITALIC, NO_CASE, SMALL_CAPS, SUBSCRIPT, SUPERSCRIPT, strip_rich
from .model import Entry, Name

OTHERS = "\ue01eothers"
"""Stands for BibTeX's ``and others`` in a name list; the rendered text says "et al."."""



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
                item[variable].append({"literal": OTHERS})
    if entry.date is not None:
        item["issued"] = _csl_date(entry)
    accessed = entry.field("urldate")
    if re.fullmatch(r"\d{4}(?:-\d\d(?:-\d\d)?)?", accessed):
        item["accessed"] = {"date-parts": [[int(part) for part in accessed.split("-")]]}
    if entry.doi:
        item["DOI"] = html.escape(entry.doi, quote=False)
    if entry.url:
        item["URL"] = escape(entry.url)
    elif entry.eprint and entry.eprint[2]:
        item["URL"] = escape(entry.eprint[2])
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


def escape(text: str) -> str:
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
            out.append(escape(char) if char in "&<>" else char)
    for mark in reversed(stack):
        out.append("</span>" if mark == NO_CASE else END)
    return "".join(out)


def _csl_name(name: Name) -> dict:
    if name.literal:
        return {"literal": escape(name.literal)}
    result = {"family": escape(name.family)} if name.family else {}
    if name.given:
        result["given"] = escape(name.given)
    if name.particle:
        result["non-dropping-particle"] = escape(name.particle)
    if name.suffix:
        result["suffix"] = escape(name.suffix)
    return result or {"literal": escape(name.full)}


def _csl_date(entry: Entry) -> dict:
    date = entry.date
    assert date is not None
    if date.start is None:
        return {"literal": escape(date.literal)}

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
