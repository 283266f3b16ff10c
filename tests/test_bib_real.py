"""Real .bib files, end to end: every entry of every file builds when cited, shows no TeX,
and loses nothing it has (title, authors, year, venue), in the built-in style and in APA.

The files are described in ``tests/bib/real/README.md``; the shared corpus (al-folio and
Distill articles) is read from ``shared/corpus/bib`` beside the repository.
"""

from __future__ import annotations

import collections
import html
import re
import shutil
from pathlib import Path

import pytest

from distillgen.bibliography import Entry, parse_bibliography
from distillgen.bibliography.csl import find_style
from distillgen.bibliography.csl_citations import CslCitations
from distillgen.build import build
from distillgen.markdown.citations import anchor_id

HERE = Path(__file__).parent
REAL = HERE / "bib" / "real"
CORPUS = HERE.parents[1] / "shared" / "corpus" / "bib"

# file -> (entries, warnings by code); no file has an error.
COUNTS = {
    "bibdesk.bib": (1, {}),
    "biblatex-examples.bib": (92, {}),
    "google-scholar.bib": (78, {"duplicate-bib-key": 2, "ignored-bib-text": 5}),
    "hal.bib": (40, {}),
    "jabref.bib": (20, {}),
    "mendeley-reference-manager.bib": (54, {"duplicate-bib-key": 2, "keyless-bib-entry": 4}),
    "zotero-biblatex.bib": (80, {}),
    "alshedivat__al-folio___bibliography_papers.bib": (7, {}),
    "distillpub__post--feature-wise-transformations__public_bibliography.bib": (74, {}),
    "distillpub__post--gnn-intro__data_bibliography.bib": (66, {}),
    "distillpub__post--momentum__public_index.html.bib": (23, {"duplicate-bib-key": 1}),
    "distillpub__template__examples_bibliography.bib": (13, {}),
}
FILES = sorted(REAL.glob("*.bib")) + (sorted(CORPUS.glob("*.bib")) if CORPUS.is_dir() else [])
LEAKED = re.compile(r"\\[A-Za-z]|[{}]")
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "school", "institution", "publisher",
                "howpublished", "organization", "maintitle")


def test_every_file_is_here() -> None:
    assert {path.name for path in FILES} == set(COUNTS)


def parsed(path: Path):
    return parse_bibliography(path.read_text("utf-8"), path.name)


@pytest.mark.parametrize("path", FILES, ids=[path.stem[:40] for path in FILES])
def test_counts_and_no_errors(path: Path) -> None:
    bib = parsed(path)
    count, warnings = COUNTS[path.name]
    assert len(bib.entries) == count
    assert not [d.format() for d in bib.diagnostics if d.is_error]
    assert dict(collections.Counter(d.code for d in bib.diagnostics)) == warnings


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def written_fields(entry: Entry) -> set[str]:
    return {name.lower() for name in re.findall(r"(?m)^\s*([A-Za-z][\w-]*)\s*=", entry.source)}


def norm(text: str) -> str:
    return " ".join(text.split())


def missing_parts(entry: Entry, shown: str) -> list[str]:
    """What the entry has that the rendered reference does not show."""
    missing = []
    if entry.title and norm(entry.title) not in shown:
        missing.append(f"title {entry.title!r}")
    people = entry.names("author") or entry.names("editor")
    for name in people:
        if norm(name.literal or name.family) not in shown:
            missing.append(f"name {name.full!r}")
    if entry.year and entry.year not in shown:
        missing.append(f"year {entry.year!r}")
    has_venue = written_fields(entry) & set(VENUE_FIELDS)
    if has_venue == {"howpublished"} and entry.url and not entry.venue:
        has_venue = set()  # \url{...} in howpublished: the title links to it
    if has_venue and not (entry.venue and norm(entry.venue) in shown) and not (
            entry.field("publisher") and plain(entry.field("publisher")) in shown):
        missing.append(f"venue (from {sorted(has_venue)})")
    written = written_fields(entry)
    if "title" in written and not entry.title:
        missing.append("the title was not read")
    if "author" in written and not (entry.authors or entry.more_authors):
        missing.append("the authors were not read")
    if {"year", "date"} & written and not entry.year:
        missing.append("the date was not read")
    return missing


@pytest.mark.parametrize("path", FILES, ids=[path.stem[:40] for path in FILES])
def test_every_entry_builds_when_cited_and_shows_everything(path: Path, tmp_path: Path) -> None:
    entries = parsed(path).entries
    (tmp_path / "content" / "blog").mkdir(parents=True)
    shutil.copy(path, tmp_path / "references.bib")
    citations = " ".join(f"[@{{{key}}}]" for key in entries)
    (tmp_path / "content" / "blog" / "all.md").write_text(
        f"---\ntitle: All\npubDate: 2024-01-01\n---\n\nEverything: {citations}\n", "utf-8")
    result = build(tmp_path, workers=1)
    assert not result.failed, [d.format() for d in result.diagnostics if d.is_error]
    page = (tmp_path / "site" / "blog" / "all" / "index.html").read_text("utf-8")
    items = dict(re.findall(r'<li id="ref-([^"]*)">(.*?)</li>', page, re.S))
    assert len(items) == len(entries)
    problems = {}
    for key, entry in entries.items():
        shown = plain(items[anchor_id(key)])
        assert not LEAKED.search(shown), (key, shown)
        if missing_parts(entry, shown):
            problems[key] = missing_parts(entry, shown)
    assert problems == {}
    downloads = (tmp_path / "site" / "blog" / "all" / "references.bib").read_text("utf-8")
    again = parse_bibliography(downloads, "references.bib")
    assert set(again.entries) >= set(entries)
    assert not [d for d in again.diagnostics if d.is_error]


@pytest.mark.parametrize("path", FILES, ids=[path.stem[:40] for path in FILES])
def test_every_entry_renders_in_apa(path: Path) -> None:
    entries = list(parsed(path).entries.values())
    style, _message, _hint = find_style("apa", Path("."))
    assert style is not None
    citations = CslCitations(style, entries)
    assert sorted(citations.order) == sorted(entry.key for entry in entries)
    problems = {}
    for entry in entries:
        shown = citations.reference_plain(entry.key)
        assert shown and not LEAKED.search(shown), (entry.key, shown)
        first = (entry.names("author") or entry.names("editor") or (None,))[0]
        if first is not None and (first.literal or first.family) not in shown:
            problems[entry.key] = f"{first.full!r} not in {shown!r}"
        if entry.date and entry.date.start and str(entry.date.start.year) not in shown:
            problems[entry.key] = f"{entry.date.start.year} not in {shown!r}"
    assert problems == {}
