"""Per-post downloads (references.bib, cite.bib, cite.ris), several bibliographies, and
authors as scholarly metadata, on built sites: every file is read back as a reference
manager would read it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from distillgen.bibliography import parse_bibliography
from distillgen.build import build
from distillgen.cite_post import cite_post
from distillgen.model import Author, PostMeta


def read_ris(text: str) -> list[dict[str, list[str]]]:
    """A small RIS reader, strict where the format is: ``TY`` opens a record, ``ER`` closes
    it, every line is ``XX  - value``."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n")[:-1]:
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert match, f"not a RIS line: {line!r}"
        tag, value = match.groups()
        if tag == "TY":
            assert current is None, "TY inside a record"
            current = {"TY": [value]}
        elif tag == "ER":
            assert current is not None and value == ""
            records.append(current)
            current = None
        else:
            assert current is not None, f"{tag} outside a record"
            current.setdefault(tag, []).append(value)
    assert current is None, "a record is not closed"
    return records


HOSTILE = PostMeta(
    title='Braces {and} 100% of $5 & #1 \\ ~ ^ _ "quotes" and\nnew lines',
    pub_date=dt.datetime(2024, 3, 12, tzinfo=dt.UTC),
    authors=(Author("Tom and Jerry Studio"), Author("Martin Luther King, Jr."),
             Author("Ada Lovelace"), Author("Bj\u00f6rk")),
    description="One line\nand another", tags=("a}b", "c"), doi="10.1234/x_y",
)


def test_cite_bib_escapes_and_reads_back() -> None:
    citation = cite_post(HOSTILE, "https://example.org/blog/p/", "Site {A} & B")
    bib = parse_bibliography(citation.bibtex, "cite.bib")
    assert bib.diagnostics == ()
    entry = bib.get(citation.key)
    assert entry.title == 'Braces {and} 100% of $5 & #1 \\ ~ ^ _ "quotes" and new lines'
    assert entry.authors == ("Tom and Jerry Studio", "Martin Luther King, Jr.", "Ada Lovelace",
                             "Björk")
    assert entry.venue == "Site {A} & B"
    assert entry.url == "https://example.org/blog/p/" and entry.doi == "10.1234/x_y"


def test_cite_ris_is_one_record_of_single_lines() -> None:
    citation = cite_post(HOSTILE, "https://example.org/blog/p/", "Site")
    [record] = read_ris(citation.ris)
    assert record["TY"] == ["BLOG"]
    assert record["TI"] == ['Braces {and} 100% of $5 & #1 \\ ~ ^ _ "quotes" and new lines']
    assert record["AU"] == ["Tom and Jerry Studio", "King, Martin Luther, Jr.",
                            "Lovelace, Ada", "Björk"]
    assert record["PY"] == ["2024"] and record["DA"] == ["2024/03/12/"]
    assert record["UR"] == ["https://example.org/blog/p/"] and record["DO"] == ["10.1234/x_y"]
    assert record["AB"] == ["One line and another"] and record["KW"] == ["a}b", "c"]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


REFS = """@string{jmlr = {Journal of Machine Learning Research}}
% a comment the download does not need
@article{smith2020,
  author  = {Smith, Jane},
  title   = {A {Paper}},
  journal = jmlr,
  year    = 2020
}

@incollection{chapter, author = {Doe, John}, title = {A Chapter}, crossref = {book}}
@book{book, editor = {Roe, Rick}, title = {The Book}, publisher = {Press}, year = 2019}
@article{uncited, title = {Never cited}, year = 2001}
"""
POST = """---
title: "A post"
pubDate: 2024-01-02
abstract: |
  First paragraph of the abstract, with <b>markup</b> shown as text.

  Second paragraph.
authors:
  - name: Ada Lovelace
    orcid: https://orcid.org/0000-0002-1825-0097
    affiliations:
      - name: Analytical Engines Ltd
        url: https://example.org/engines
      - Royal Society
  - name: Charles Babbage
    affiliation: Cambridge
    affiliationUrl: https://example.org/cam
---

As @smith2020 and [@chapter] show.
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write(tmp_path, {
        "references.bib": REFS,
        "content/blog/post.md": POST,
        "content/blog/plain.md": "---\ntitle: Plain\npubDate: 2024-01-03\ncitation: false\n"
                                 "---\n\nNo citations here.\n",
    })
    result = build(tmp_path, workers=1)
    assert not result.failed, [d.format() for d in result.diagnostics]
    return tmp_path / "site"


def test_references_bib_holds_exactly_the_cited_entries_as_written(site: Path) -> None:
    text = (site / "blog" / "post" / "references.bib").read_text("utf-8")
    bib = parse_bibliography(text, "references.bib")
    assert bib.diagnostics == ()
    assert list(bib.entries) == ["smith2020", "chapter", "book"]  # the crossref parent follows
    assert "@string{jmlr = {Journal of Machine Learning Research}}" in text
    assert "@article{smith2020,\n  author  = {Smith, Jane},\n  title   = {A {Paper}}," in text
    assert bib.get("smith2020").venue == "Journal of Machine Learning Research"
    assert bib.get("chapter").venue == "The Book"
    assert "uncited" not in text and "a comment" not in text
    assert not (site / "blog" / "plain" / "references.bib").exists()


def test_cite_files_and_the_links_to_them(site: Path) -> None:
    folder = site / "blog" / "post"
    page = (folder / "index.html").read_text("utf-8")
    assert '<a href="references.bib" type="application/x-bibtex" download>' in page
    assert '<a href="cite.bib" type="application/x-bibtex" download>BibTeX</a>' in page
    assert '<a href="cite.ris" type="application/x-research-info-systems" download>RIS</a>' \
        in page
    bib = parse_bibliography((folder / "cite.bib").read_text("utf-8"), "cite.bib")
    [entry] = bib.entries.values()
    assert entry.title == "A post" and entry.authors == ("Ada Lovelace", "Charles Babbage")
    [record] = read_ris((folder / "cite.ris").read_bytes().decode("utf-8"))
    assert record["TI"] == ["A post"] and record["AU"] == ["Lovelace, Ada", "Babbage, Charles"]
    assert record["AB"][0].startswith("First paragraph of the abstract")
    assert not (site / "blog" / "plain" / "cite.bib").exists()  # citation: false
    assert "cite.bib" not in (site / "blog" / "plain" / "index.html").read_text("utf-8")


def test_authors_and_abstract_in_the_page_and_its_metadata(site: Path) -> None:
    page = (site / "blog" / "post" / "index.html").read_text("utf-8")
    assert '<a class="orcid" href="https://orcid.org/0000-0002-1825-0097"' in page
    assert '<meta name="citation_author_orcid" content="https://orcid.org/0000-0002-1825-0097">' \
        in page
    assert page.count('<meta name="citation_author_institution"') == 3
    assert '<a href="https://example.org/engines">Analytical Engines Ltd</a>' in page
    assert '<span class="affiliation">Royal Society</span>' in page
    assert '<a href="https://example.org/cam">Cambridge</a>' in page
    assert '<section class="d-abstract" aria-labelledby="abstract-heading">' in page
    assert "<p>First paragraph of the abstract, with &lt;b&gt;markup&lt;/b&gt; shown as text.</p>" \
        in page and "<p>Second paragraph.</p>" in page
    assert '<meta name="citation_abstract" content="First paragraph' in page
    assert '<meta property="og:description" content="First paragraph of the abstract' in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page,
                                re.S).group(1))
    ada = data["author"][0]
    assert ada["identifier"] == "https://orcid.org/0000-0002-1825-0097"
    assert [a["name"] for a in ada["affiliation"]] == ["Analytical Engines Ltd", "Royal Society"]
    assert data["abstract"].startswith("First paragraph") and data["description"] == \
        data["abstract"]


def test_several_bibliographies_searched_in_order_with_duplicates_named(tmp_path: Path) -> None:
    write(tmp_path, {
        "distillgen.toml": 'bibliography = ["refs.bib", "more.bib"]\n',
        "refs.bib": "@misc{shared, title = {From refs}}\n@misc{a, title = {A}}\n",
        "more.bib": "@misc{b, title = {B}}\n\n@misc{Shared, title = {From more}}\n",
        "local/one.bib": "@misc{x, title = {X one}}\n",
        "local/two.bib": "@misc{x, title = {X two}}\n@misc{a, title = {A local}}\n",
        "content/blog/p.md": "---\ntitle: P\npubDate: 2024-01-01\n"
                             "bibliography: [../../local/one.bib, ../../local/two.bib]\n---\n\n"
                             "[@shared; @a; @b; @x]\n",
    })
    result = build(tmp_path, workers=1)
    assert not result.failed, [d.format() for d in result.diagnostics]
    warnings = [(d.code, str(d.location), d.message) for d in result.diagnostics]
    assert [(code, where) for code, where, _ in warnings] == [
        ("duplicate-bib-key", "local/two.bib:1:1"), ("duplicate-bib-key", "more.bib:3:1")]
    assert "local/one.bib" in warnings[0][2] and "refs.bib" in warnings[1][2]
    page = (tmp_path / "site" / "blog" / "p" / "index.html").read_text("utf-8")
    references = page.split('<ol class="references">')[1].split("</ol>")[0]
    titles = re.findall(r'<span class="ref-title">(.*?)</span>', references)
    assert titles == ["From refs", "A local", "B", "X one"]


def test_a_configured_bibliography_that_is_missing_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"distillgen.toml": 'title = "x"\nbibliography = ["refs.bib", "gone.bib"]\n',
                     "refs.bib": "@misc{a, title = {A}}\n"})
    result = build(tmp_path, workers=1)
    assert [(d.code, str(d.location)) for d in result.diagnostics if d.is_error] == [
        ("missing-bibliography", "distillgen.toml:2:1")]


def test_csl_setting_and_front_matter_style(tmp_path: Path) -> None:
    write(tmp_path, {
        "distillgen.toml": 'csl = "apa"\n',
        "references.bib": "@article{s, author = {Smith, Jane}, title = {Some Title}, "
                          "journal = {J}, year = 2020}\n",
        "content/blog/site-style.md": "---\ntitle: A\npubDate: 2024-01-01\n---\n\n[@s]\n",
        "content/blog/own-style.md": "---\ntitle: B\npubDate: 2024-01-01\ncsl: ieee\n---\n\n"
                                     "[@s]\n",
    })
    result = build(tmp_path, workers=1)
    assert not result.failed, [d.format() for d in result.diagnostics]
    apa = (tmp_path / "site" / "blog" / "site-style" / "index.html").read_text("utf-8")
    ieee = (tmp_path / "site" / "blog" / "own-style" / "index.html").read_text("utf-8")
    assert '>Smith, 2020</a>' in apa and "Smith, J. (2020). Some title." in apa
    assert ">[1]</a>" in ieee and "J. Smith, “Some title,”" in ieee
    assert '<ol class="references references-unnumbered">' in apa
