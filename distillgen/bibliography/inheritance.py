"""Fields an entry inherits: from the entry its ``crossref`` names and from the ``@xdata``
entries its ``xdata`` names, with biblatex's rules (a collection's ``title`` becomes the
``booktitle`` of a chapter in it, a multi-volume work's its volume's ``maintitle``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..errors import Diagnostic, warning
from .raw import RawEntry, shown

_NOT_INHERITED = frozenset({
    "ids", "crossref", "xref", "xdata", "entryset", "entrysubtype", "execute", "label",
    "options", "presort", "related", "relatedoptions", "relatedstring", "relatedtype",
    "shorthand", "shorthandintro", "sortkey",
})
_TITLES = ("title", "subtitle", "titleaddon", "shorttitle", "sorttitle", "indextitle",
           "indexsorttitle")
BOOKS = frozenset({"book", "mvbook", "collection", "mvcollection", "reference",
                    "mvreference", "proceedings", "mvproceedings", "inbook"})
_IN_BOOKS = frozenset({"inbook", "bookinbook", "suppbook", "incollection", "inreference",
                       "suppcollection", "inproceedings", "conference", "chapter"})
_MULTIVOLUME = frozenset({"mvbook", "mvcollection", "mvreference", "mvproceedings"})



def inherited_fields(entry: RawEntry, index: Mapping[str, RawEntry],
                      report: Callable[[Diagnostic], None]) -> tuple[dict[str, str], str]:
    """The entry's fields, plus those it inherits; and the key it inherits from."""
    fields = dict(entry.fields)
    parent_key = ""
    for name in ("xdata", "crossref"):
        for written in filter(None, (part.strip() for part in
                                     entry.fields.get(name, "").split(","))):
            parent = index.get(written.lower())
            if parent is None:
                report(warning(
                    "missing-crossref",
                    f"entry `{shown(entry.key)}` takes fields from `{shown(written)}` "
                    f"({name}), which is not in this file",
                    entry.field_location(name),
                    "add that entry to the same .bib, or copy the fields it should "
                    "provide (booktitle, editor, publisher...) into this one",
                ))
                continue
            parent_key = parent_key or parent.key
            chain = _ancestry(parent, index)
            for ancestor in chain:
                _inherit(fields, entry.entry_type, ancestor, name == "xdata")
    return fields, parent_key


def _ancestry(parent: RawEntry, index: Mapping[str, RawEntry]) -> list[RawEntry]:
    """The parent, then its own parents (crossref chains), each once."""
    chain: list[RawEntry] = []
    current: RawEntry | None = parent
    while current is not None and current not in chain and len(chain) < 8:
        chain.append(current)
        next_key = current.fields.get("crossref", "").strip().lower()
        current = index.get(next_key) if next_key else None
    return chain


def _inherit(fields: dict[str, str], child_type: str, parent: RawEntry, same_names: bool
             ) -> None:
    """biblatex's default inheritance: same-named fields the child lacks, except the
    identifying ones; a book's title becomes its chapter's booktitle, a periodical's the
    journal title, a multi-volume work's the volume's main title."""
    mapped: dict[str, str] = {}
    if not same_names:
        prefix = ""
        if parent.entry_type in _MULTIVOLUME and child_type not in _IN_BOOKS:
            prefix = "main"
        elif parent.entry_type in BOOKS and child_type in _IN_BOOKS:
            prefix = "book"
            if "author" in parent.fields:
                mapped["author"] = "bookauthor"
        elif parent.entry_type == "periodical":
            prefix = "journal"
        if prefix:
            mapped.update({"title": f"{prefix}title", "subtitle": f"{prefix}subtitle",
                           "titleaddon": f"{prefix}titleaddon"})
    for name, value in parent.fields.items():
        if name in _NOT_INHERITED:
            continue
        if name in mapped:
            fields.setdefault(mapped[name], value)
            if name != "author":
                continue
        if name in _TITLES and not same_names:
            continue
        fields.setdefault(name, value)
