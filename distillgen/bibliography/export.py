"""A post's ``references.bib``: the entries its reference list holds, as written.

Each entry is copied from its ``.bib`` file exactly as written, so a reader importing the
file gets what the author had. What an entry needs to stand alone comes along: the
``@string`` definitions it uses (before it) and the entry it takes fields from through
``crossref`` (after it, where BibTeX wants it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .model import Entry

__all__ = ["references_bib"]


def references_bib(entries: Iterable[Entry], lookup: Callable[[str], Entry | None],
                   title: str = "") -> str:
    """The ``.bib`` text of ``entries`` (and what they need), in the order given."""
    chosen = list(entries)
    keys = {entry.key for entry in chosen}
    parents: list[Entry] = []
    for entry in chosen:
        parent = lookup(entry.crossref) if entry.crossref else None
        if parent is not None and parent.key not in keys:
            keys.add(parent.key)
            parents.append(parent)
    strings = dict.fromkeys(definition for entry in chosen + parents
                            for definition in entry.strings_used)
    heading = _comment(f"The works cited in “{title}”, as written in its bibliography."
                       if title else "The works cited, as written in their bibliography.")
    blocks = [heading, *strings, *(entry.source for entry in chosen + parents if entry.source)]
    return "\n\n".join(block.strip() for block in blocks) + "\n"


def _comment(text: str) -> str:
    """A ``%`` comment line (BibTeX ignores text outside entries; ``@`` would start one)."""
    return "% " + " ".join(text.replace("@", "(at)").split())
