"""Bibliographies: BibTeX in, references out.

* ``model``: the data (:class:`Entry`, :class:`Name`, :class:`Bibliography`);
* ``parse``: BibTeX syntax, through pybtex's tokenizer, leniently and with locations;
* ``fields``: what the fields mean (BibTeX's and biblatex's names, dates, crossref);
* ``load``: files, caches, and several files merged into one lookup;
* ``format``: the built-in reference format (numeric and author-year);
* ``styles``: a post's citations and reference list, in the built-in styles or CSL;
* ``csl``: the CSL path, through citeproc-py, fed CSL-JSON built from our entries;
* ``export``: a post's ``references.bib``, and BibTeX and RIS for citing the post.
"""

from __future__ import annotations

from .load import load_bibliography, merge_entries
from .model import Bibliography, Entry, EntryDate, Name
from .parse import parse_bibliography

__all__ = ["Bibliography", "Entry", "EntryDate", "Name", "load_bibliography",
           "merge_entries", "parse_bibliography"]
