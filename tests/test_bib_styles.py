"""Citation styles as a reader sees them: author-year done right, CSL styles through
citeproc-py, and the CSL-JSON handed to it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from pathlib import Path, PurePosixPath

import pytest

from distillgen.bibliography import parse_bibliography
from distillgen.bibliography.csl import CslStyle, find_style
from distillgen.bibliography.csl_citations import CslCitations, split_locator
from distillgen.bibliography.csl_json import _sentence_case, csl_json
from distillgen.latex_text import latex_to_rich
from distillgen.model import Post, PostMeta
from distillgen.render import RenderContext, render_post
from distillgen.settings import default_render_settings

BIB = parse_bibliography(r"""
@article{smith2019graphs, author = {Smith, Jane}, title = {First Paper on Graphs},
  journal = {Journal of Graphs}, year = 2019, volume = 3, number = 2, pages = {10-20},
  doi = {10.1234/abc}}
@article{smith2019trees, author = {Smith, Jane}, title = {Another Paper on Trees},
  journal = {Journal of Trees}, year = 2019, volume = 4, pages = {1--9}}
@inproceedings{ribeiro2016, author = {Ribeiro, Marco Tulio and Singh, Sameer and Guestrin, Carlos},
  title = {"Why Should {I} Trust You?": Explaining the Predictions of Any Classifier},
  booktitle = {Proceedings of the 22nd {ACM} {SIGKDD} International Conference on Knowledge
               Discovery and Data Mining},
  pages = {1135--1144}, year = 2016, publisher = {ACM}, address = {San Francisco}}
@book{goodfellow2016, author = {Goodfellow, Ian and Bengio, Yoshua and Courville, Aaron},
  title = {Deep Learning}, publisher = {MIT Press}, address = {Cambridge, MA}, year = 2016,
  url = {http://www.deeplearningbook.org}}
@article{lundberg2017, author = {Lundberg, Scott M. and Lee, Su-In},
  title = {A Unified Approach to Interpreting Model Predictions},
  journal = {Advances in Neural Information Processing Systems}, volume = {30}, year = {2017}}
@article{adams2020, author = {Adams, Zoe and others}, title = {Zebra}, journal = {Z}, year = 2020}
@misc{undated, author = {Brown, Bob}, title = {No Date}}
@misc{hostile, author = {O'Brien <b>, J.}, title = {<script>alert(1)</script> \& Co},
  year = 2021, url = {https://x.org/?a=1&b=2}}
""", "refs.bib")


def post_html(body: str, *, style: str = "numeric", csl: str | None = None,
              nocite: tuple[str, ...] = ()):
    post = Post(source_path="content/blog/p.md",
                meta=PostMeta(title="P", pub_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                              nocite=nocite),
                body=body, body_line_offset=0, url_path=PurePosixPath("blog/p"))
    settings = dataclasses.replace(default_render_settings(), citation_style=style)
    context = RenderContext(entries=dict(BIB.entries), settings=settings,
                            csl=find_style(csl, Path("."))[0] if csl else None)
    return render_post(post, context)


def text_of(fragment: str) -> str:
    fragment = re.sub(r'<span class="citation-card".*?</span></span>', "</span>", fragment,
                      flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


BODY = ("As @smith2019graphs and @smith2019trees show, and @ribeiro2016 [p. 33] argue "
        "[see @goodfellow2016, chap. 2; @lundberg2017]. Also [@lundberg2017, pp. 4-5] and "
        "[-@smith2019graphs] and @adams2020.")


# ---------------------------------------------------------------------------------------
# Built-in author-year


def test_author_year_disambiguates_in_text_and_list_and_sorts_the_list() -> None:
    rendered = post_html(BODY, style="author-year")
    assert text_of(rendered.html) == (
        "As Smith (2019b) and Smith (2019a) show, and Ribeiro et al. (2016, p. 33) argue "
        "(see Goodfellow et al., 2016, chap. 2; Lundberg and Lee, 2017). Also (Lundberg and "
        "Lee, 2017, pp. 4-5) and (2019b) and Adams et al. (2020).")
    keys = [key for key, _ in rendered.bibliography_html]
    assert keys == ["adams2020", "goodfellow2016", "lundberg2017", "ribeiro2016",
                    "smith2019trees", "smith2019graphs"]
    listed = dict(rendered.bibliography_html)
    assert '<span class="ref-year">2019a</span>' in listed["smith2019trees"]
    assert '<span class="ref-year">2019b</span>' in listed["smith2019graphs"]
    assert rendered.bibliography_numbered is False
    # the hover card shows the same, disambiguated entry
    assert '<span class="ref-year">2019b</span>' in rendered.html.split("Smith (2019b)")[1][:400]


def test_et_al_is_never_followed_by_a_second_period() -> None:
    rendered = post_html("[@adams2020]", style="author-year")
    entry = dict(rendered.bibliography_html)["adams2020"]
    assert "Zoe Adams, et al.</span> <span" in entry
    assert "et al.." not in text_of(entry) and "et al.." not in text_of(rendered.html)


def test_undated_works_read_n_d() -> None:
    rendered = post_html("[@undated] and @undated", style="author-year")
    assert text_of(rendered.html) == "(Brown, n.d.) and Brown (n.d.)"


def test_numeric_numbers_in_order_of_first_citation_and_lists_nocite_after() -> None:
    rendered = post_html("[@lundberg2017] then @smith2019trees [@lundberg2017]",
                         nocite=("goodfellow2016", "lundberg2017"))
    assert text_of(rendered.html) == "[1] then Smith [2] [1]"
    assert [key for key, _ in rendered.bibliography_html] == [
        "lundberg2017", "smith2019trees", "goodfellow2016"]
    assert rendered.citations == ("lundberg2017", "smith2019trees", "goodfellow2016")


def test_nocite_star_lists_every_entry_and_unknown_nocite_keys_are_reported() -> None:
    every = post_html("Nothing cited.", nocite=("*",))
    assert len(every.bibliography_html) == len(BIB.entries)
    unknown = post_html("Nothing cited.", nocite=("nope",))
    assert [(d.code, d.location.line) for d in unknown.diagnostics] == [("unknown-citation", 1)]


# ---------------------------------------------------------------------------------------
# CSL


@pytest.mark.parametrize(("style", "expected"), [
    ("apa", "As Smith (2019b) and Smith (2019a) show, and Ribeiro et al. (2016, p. 33) argue "
            "(see Goodfellow et al., 2016, chap. 2; Lundberg & Lee, 2017). Also (Lundberg & "
            "Lee, 2017, pp. 4–5) and (2019b) and Adams et al. (2020)."),
    ("chicago-author-date",
     "As Smith (2019b) and Smith (2019a) show, and Ribeiro et al. (2016, 33) argue (see "
     "Goodfellow et al. 2016, chap. 2; Lundberg and Lee 2017). Also (Lundberg and Lee 2017, "
     "4–5) and (2019b) and Adams et al. (2020)."),
    ("ieee", "As Smith [1] and Smith [2] show, and Ribeiro et al. [3, p. 33] argue see [4, Ch. "
             "2], [5]. Also [5, pp. 4–5] and [1] and Adams et al. [6]."),
])
def test_csl_citations_in_text_and_in_brackets(style: str, expected: str) -> None:
    rendered = post_html(BODY, csl=style)
    assert text_of(rendered.html) == expected
    assert rendered.bibliography_numbered is False
    assert not rendered.diagnostics


def test_csl_reference_list_follows_the_style() -> None:
    rendered = post_html(BODY, csl="apa")
    listed = dict(rendered.bibliography_html)
    assert [key for key, _ in rendered.bibliography_html][-2:] == [
        "smith2019trees", "smith2019graphs"]
    assert text_of(listed["smith2019graphs"]) == (
        "Smith, J. (2019b). First paper on graphs. Journal of Graphs, 3(2), 10–20. "
        "https://doi.org/10.1234/abc")
    assert '<a href="https://doi.org/10.1234/abc">https://doi.org/10.1234/abc</a>' in \
        listed["smith2019graphs"]
    assert text_of(listed["ribeiro2016"]) == (
        'Ribeiro, M. T., Singh, S., & Guestrin, C. (2016). "Why should I trust you?": '
        "Explaining the predictions of any classifier. Proceedings of the 22nd ACM SIGKDD "
        "International Conference on Knowledge Discovery and Data Mining, 1135–1144.")
    ieee = dict(post_html(BODY, csl="ieee").bibliography_html)
    assert ieee["smith2019graphs"].startswith('<span class="csl-label">[1]</span> J. Smith, '
                                              "“First paper on graphs,” ")
    # the hover card is the styled entry
    assert "Smith, J. (2019b). First paper on graphs." in text_of(
        rendered.html.split('class="citation-card"')[1].split("</span></span>")[0] + "</span>")


def test_csl_output_is_escaped_and_links_only_to_the_web() -> None:
    listed = dict(post_html("[@hostile]", csl="apa").bibliography_html)["hostile"]
    assert "<script>" not in listed and "<b>" not in listed
    assert "&#60;script&#62;alert(1)&#60;/script&#62; &#38; co" in listed
    assert '<a href="https://x.org/?a=1&amp;b=2">https://x.org/?a=1&#38;b=2</a>' in listed


def test_csl_json_follows_pandocs_mapping() -> None:
    item = csl_json(BIB.get("ribeiro2016"), "r1")
    assert item["type"] == "paper-conference"
    assert item["title"] == ('"Why should <span class="nocase">I</span> trust you?": '
                             "Explaining the predictions of any classifier")
    assert item["container-title"].startswith('Proceedings of the 22nd <span class="nocase">'
                                              "ACM</span>")
    assert item["publisher-place"] == "San Francisco" and item["page"] == "1135–1144"
    assert item["author"][0] == {"family": "Ribeiro", "given": "Marco Tulio"}
    assert item["issued"] == {"date-parts": [[2016]]}
    book = csl_json(BIB.get("goodfellow2016"), "r2")
    assert (book["type"], book["URL"], book["publisher"]) == (
        "book", "http://www.deeplearningbook.org", "MIT Press")


@pytest.mark.parametrize(("written", "sentence"), [
    ("Attention Is All You Need", "Attention is all you need"),
    ("Towards A Rigorous Science of Interpretable Machine Learning",
     "Towards a rigorous science of interpretable machine learning"),
    ("Layer-Wise Relevance Propagation: An Overview", "Layer-wise relevance propagation: An "
                                                      "overview"),
    ("{BERT}: Pre-training of Deep Bidirectional Transformers",
     "BERT: Pre-training of deep bidirectional transformers"),
    ("Deep Learning with {Python} for iPhone Users and NASA", "Deep learning with Python for "
                                                              "iPhone users and NASA"),
    ("Why Should I Trust You?", "Why should I trust you?"),
])
def test_english_titles_go_to_sentence_case_except_what_braces_protect(
        written: str, sentence: str) -> None:
    assert re.sub("[\ue010-\ue01f]", "", _sentence_case(latex_to_rich(written))) == sentence


@pytest.mark.parametrize(("suffix", "locator"), [
    ("p. 33", ("page", "33", "")),
    ("pp. 4-5", ("page", "4-5", "")),
    ("33", ("page", "33", "")),
    ("chap. 2, emphasis added", ("chapter", "2", ", emphasis added")),
    ("sec. 3.1", ("section", "3.1", "")),
    ("emphasis added", ("", "", "emphasis added")),
])
def test_locators_as_pandoc_reads_them(suffix: str, locator: tuple[str, str, str]) -> None:
    assert split_locator(suffix) == locator


def test_a_style_file_and_unknown_names() -> None:
    apa, _, _ = find_style("apa", Path("."))
    assert isinstance(apa, CslStyle) and b"American Psychological Association" in apa.xml
    dependent, _, _ = find_style("nature-neuroscience", Path("."))
    assert dependent is not None  # a dependent style resolves to its parent
    none, message, hint = find_style("apa-7th", Path("."))
    assert none is None and "unknown CSL style" in message and '"apa"' in hint


def test_numeric_csl_styles_number_in_order_of_first_citation() -> None:
    entries = [BIB.get(key) for key in ("lundberg2017", "smith2019trees", "adams2020")]
    citations = CslCitations(find_style("ieee", Path("."))[0], entries)
    assert citations.order == ["lundberg2017", "smith2019trees", "adams2020"]
    assert citations.numeric and citations.cite_text("adams2020", "")[0] == "[3]"


def test_citeproc_is_the_version_these_internals_were_verified_with() -> None:
    """The CSL path reads citeproc-py's style tree (citation layout, affixes), renders one
    item at a time and sets year suffixes on its items; none of that is documented API. This
    fails when citeproc-py changes: re-verify, then widen the bound in pyproject.toml."""
    import importlib.metadata

    from citeproc import CitationStylesBibliography
    from citeproc.model import CitationStylesElement

    assert importlib.metadata.version("citeproc-py").startswith("0.11."), "re-verify"
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8")
    assert '"citeproc-py>=0.11,<0.12"' in pyproject
    citations = CslCitations(find_style("apa", Path("."))[0],
                             [BIB.get("smith2019graphs"), BIB.get("smith2019trees")])
    assert isinstance(citations.bibliography, CitationStylesBibliography)
    assert (citations.prefix, citations.suffix, citations.delimiter) == ("(", ")", "; ")
    assert len(citations.bibliography.items) == 2
    assert citations.suffixes == {"smith2019trees": "a", "smith2019graphs": "b"}
    assert getattr(CitationStylesElement.get_macro, "remembers", False)


@pytest.mark.slow  # formats every entry of a large file twice
def test_remembered_macros_change_nothing_but_speed() -> None:
    """Each style's macros are looked up once; the references read the same without it."""
    from citeproc.model import CitationStylesElement

    from distillgen.bibliography import csl

    entries = list(BIB.entries.values())
    style = find_style("chicago-author-date", Path("."))[0]
    remembered = {key: CslCitations(style, entries).reference_html(key) for key in BIB.entries}
    lookup = CitationStylesElement.get_macro
    original = lookup.__closure__[0].cell_contents  # the lookup it wraps
    CitationStylesElement.get_macro = original
    csl.parsed_style.cache_clear()
    try:
        plain = {key: CslCitations(style, entries).reference_html(key) for key in BIB.entries}
    finally:
        CitationStylesElement.get_macro = lookup
        csl.parsed_style.cache_clear()
    assert plain == remembered
