"""One post's citations and reference list in a CSL style, through citeproc-py, and what
citeproc-py does not do, done around it: year suffixes (2019a), in-text forms ("Smith
(2019)"), ``[-@key]`` without the author, links to the entries, URLs and DOIs as links.
citeproc-py is imported when a post first uses a style (see :mod:`.csl`).
"""

from __future__ import annotations

import functools
import html
import re
import warnings

from ..latex_text import BOLD, END, ITALIC, NO_CASE, SMALL_CAPS, SUBSCRIPT, SUPERSCRIPT
from ..names import doi_url
from .csl import CSL_NAMESPACE, CslStyle, parsed_style, punctuation_in_quote
from .csl_json import csl_json, escape
from .format import reference_html, year_suffix
from .model import Entry

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
                                        else reference_html(self.entries[key]))

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
                    self.suffixes[key] = year_suffix(index)
                    self.source[self.ids[key]]["year_suffix"] = String(year_suffix(index))
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
            targets.append(escape(doi_url(entry.doi)))
        if entry.url:
            targets.append(escape(entry.url))
        if entry.eprint and entry.eprint[2]:
            targets.append(escape(entry.eprint[2]))
        for target in dict.fromkeys(targets):
            text = _linkify(text, target)
        if entry.doi and not any(escape(doi_url(entry.doi)) in t for t in [text]):
            text = _linkify(text, escape(entry.doi), doi_url(entry.doi))
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
