"""BibTeX parsing, LaTeX decoding and reference formatting, on real and broken files."""

from __future__ import annotations

import html.parser
import pickle
import re
from pathlib import Path

import pybtex.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillgen.bibliography import Bibliography, Entry, load_bibliography, parse_bibliography
from distillgen.bibliography.format import reference_html, reference_plain
from distillgen.errors import Severity
from distillgen.latex_text import decode_url, latex_to_text
from distillgen.text import decode_source

HERE = Path(__file__).parent
FIXTURES = HERE / "bib"
CORPUS = HERE / "corpus" / "bib"

CORPUS_COUNTS = {
    "alshedivat__al-folio___bibliography_papers.bib": 7,
    "distillpub__post--feature-wise-transformations__public_bibliography.bib": 74,
    "distillpub__post--gnn-intro__data_bibliography.bib": 66,
    "distillpub__post--momentum__public_index.html.bib": 23,
    "distillpub__template__examples_bibliography.bib": 13,
}
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(),
                                  reason="tests/corpus/bib is missing from this checkout")

LEAKED_COMMAND = re.compile(r"\\[a-zA-Z]")


def corpus(name: str) -> Bibliography:
    return parse_bibliography((CORPUS / name).read_text(encoding="utf-8"), name)


def fixture(name: str) -> Bibliography:
    return load_bibliography(FIXTURES / name, f"tests/bib/{name}")


def codes_and_lines(bib: Bibliography) -> list[tuple[str, int]]:
    return [(d.code, d.location.line) for d in bib.diagnostics if d.location]


class FragmentChecker(html.parser.HTMLParser):
    """Fails on unbalanced tags, unexpected tags, or links that are not http(s)."""

    ALLOWED = {"span", "a", "i", "b", "sup", "sub"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.links: list[dict[str, str | None]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, tag
        assert {name for name, _ in attrs} <= {"class", "href"}, attrs
        if tag == "a":
            self.links.append(dict(attrs))
            assert re.match(r"https?://", dict(attrs)["href"] or ""), attrs
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open, tag)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text += data


def check_fragment(fragment: str) -> FragmentChecker:
    checker = FragmentChecker()
    checker.feed(fragment)
    checker.close()
    assert not checker.open, checker.open
    return checker


# ---------------------------------------------------------------------------------------
# The real files


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_corpus_file_parses_without_errors(name: str) -> None:
    bib = corpus(name)
    assert len(bib.entries) == CORPUS_COUNTS[name]
    assert not [d for d in bib.diagnostics if d.is_error]


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_every_corpus_entry_renders_clean_html(name: str) -> None:
    for entry in corpus(name).entries.values():
        fragment = reference_html(entry)
        assert fragment.strip(), entry.key
        assert not LEAKED_COMMAND.search(fragment), (entry.key, fragment)
        assert "{" not in fragment and "}" not in fragment, (entry.key, fragment)
        checker = check_fragment(fragment)
        assert checker.text.strip()
        plain = reference_plain(entry)
        assert plain and not LEAKED_COMMAND.search(plain) and not re.search(r"[{}<>]", plain)


@needs_corpus
def test_momentum_duplicate_key_warns_at_second_and_keeps_first() -> None:
    name = "distillpub__post--momentum__public_index.html.bib"
    text = (CORPUS / name).read_text(encoding="utf-8")
    lines = [number for number, line in enumerate(text.splitlines(), 1)
             if "@article{flammarion2015averaging" in line]
    bib = corpus(name)
    duplicates = [d for d in bib.diagnostics if d.code == "duplicate-bib-key"]
    assert len(duplicates) == 1
    assert duplicates[0].severity is Severity.WARNING
    assert duplicates[0].location.line == lines[1]
    assert str(lines[0]) in duplicates[0].message
    kept = bib.get("flammarion2015averaging")
    assert kept.title == "From averaging to acceleration, there is only a step-size"
    assert kept.location.line == lines[0]


@needs_corpus
def test_al_folio_front_matter_string_and_raw_utf8() -> None:
    bib = corpus("alshedivat__al-folio___bibliography_papers.bib")
    assert bib.diagnostics == ()  # front matter is no stray text; @string aps is defined
    assert "Erwin Schrödinger" in bib.get("przibram1967letters").authors
    assert bib.get("einstein1905molekularkinetischen").title.startswith("Über die von")
    physrev = bib.get("PhysRev.47.777")
    assert physrev.venue == "Phys. Rev."  # the trailing comma Google Scholar leaves is gone
    assert physrev.doi == "10.1103/PhysRev.47.777"
    assert physrev.details == "Vol 47(10), pp. 777–780"


@needs_corpus
def test_gnn_intro_double_escaped_name_renders_as_meant() -> None:
    entry = corpus("distillpub__post--gnn-intro__data_bibliography.bib").get("Ying2019-gk")
    assert "F d'Alché-Buc" in entry.editors
    assert len(entry.editors) == 6


@needs_corpus
def test_arxiv_articles_without_journal_name_their_preprint() -> None:
    gnn = corpus("distillpub__post--gnn-intro__data_bibliography.bib")
    monti = gnn.get("Monti2018-ov")  # eprint only, no archivePrefix, no journal
    assert monti.venue == "arXiv preprint arXiv:1806.00770"
    assert monti.url == "https://arxiv.org/abs/1806.00770"
    assert "arXiv preprint arXiv:1806.00770" in reference_html(monti)
    battaglia = gnn.get("Battaglia2018-pi")
    assert battaglia.venue == "arXiv preprint arXiv:1806.01261"


@needs_corpus
@pytest.mark.parametrize(("name", "key", "count"), [
    ("distillpub__post--gnn-intro__data_bibliography.bib", "Battaglia2018-pi", 27),
    ("distillpub__post--gnn-intro__data_bibliography.bib", "Stokes2020-az", 20),
    ("distillpub__post--gnn-intro__data_bibliography.bib", "Monti2018-ov", 6),
    ("alshedivat__al-folio___bibliography_papers.bib", "przibram1967letters", 5),
    ("alshedivat__al-folio___bibliography_papers.bib", "PhysRev.47.777", 3),
    ("distillpub__post--feature-wise-transformations__public_bibliography.bib",
     "vries2017modulating", 6),
    ("distillpub__template__examples_bibliography.bib", "openai2018charter", 1),
])
def test_author_counts(name: str, key: str, count: int) -> None:
    entry = corpus(name).get(key)
    assert len(entry.authors) == count
    assert reference_html(entry).count(", ") >= count - 1


@needs_corpus
@pytest.mark.parametrize(("name", "key", "author"), [
    ("distillpub__post--gnn-intro__data_bibliography.bib", "Monti2018-ov", "Stephan Günnemann"),
    ("distillpub__post--gnn-intro__data_bibliography.bib", "Corso2020-py", "Petar Veličković"),
    ("distillpub__post--gnn-intro__data_bibliography.bib", "Lample2019-jg", "François Charton"),
    ("distillpub__post--feature-wise-transformations__public_bibliography.bib",
     "vries2017modulating", "Jérémie Mary"),
    ("distillpub__post--feature-wise-transformations__public_bibliography.bib",
     "vries2017modulating", "Harm de Vries"),
    ("distillpub__post--momentum__public_index.html.bib", "bubeck2015geometric",
     "Sébastien Bubeck"),
])
def test_corpus_accents_and_particles_decode(name: str, key: str, author: str) -> None:
    assert author in corpus(name).get(key).authors


# ---------------------------------------------------------------------------------------
# LaTeX decoding


@pytest.mark.parametrize(("latex", "text"), [
    (r"M{\"u}ller", "Müller"),
    (r"M\"{u}ller", "Müller"),
    (r"M\"uller", "Müller"),
    (r"Garc{\'\i}a", "García"),
    (r"Garc\'{\i}a", "García"),
    (r"Erd{\H{o}}s", "Erdős"),
    (r"Fran{\c c}ois", "François"),
    (r"Fran\c{c}ois", "François"),
    (r"Veli{\v c}kovi{\'c}", "Veličković"),
    (r"Gau\ss", "Gauß"),
    (r"{\O}ystein {\o}", "Øystein ø"),
    (r"{\AA}ngstr{\"o}m \aa", "Ångström å"),
    (r"{\L}ukasz \l", "Łukasz ł"),
    (r"\ae\ \oe", "æ œ"),
    ("Schrödinger", "Schrödinger"),
    ("pages 1--10", "pages 1–10"),
    ("yes---no", "yes—no"),
    ("a~b", "a\u00a0b"),
    (r"R\&D 50\% \$5 \_x \#1", "R&D 50% $5 _x #1"),
    ("``quoted''", "“quoted”"),
    (r"\emph{x} \textit{y} \textbf{z} \textsc{w}", "x y z w"),
    (r"{\em emphasised} {\bf bold}", "emphasised bold"),
    (r"\url{https://a.org/~x--y}", "https://a.org/~x--y"),
    (r"\href{https://a.org}{the text}", "the text"),
    (r"{{Protected}} {B}races", "Protected Braces"),
    (r"$k$-means and $O(n \log n)$", "k-means and O(n log n)"),
    (r"$\ell_1$, $L^2$, $\alpha$", "ℓ₁, L², α"),
    (r"a \textbackslash{} b", "a \\ b"),
    (r"d\textbackslashtextquotesingle", "d'"),
    (r"Szemer\textbackslash'edi", "Szemerédi"),
    (r"{\noopsort{b}}Zed", "Zed"),
    (r"\unknowncommand{kept} text", "kept text"),
    ("  lots \n of\t space  ", "lots of space"),
    (r"\'{}", "´"),
    ("", ""),
])
def test_latex_to_text(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


def test_decode_url_unescapes_but_keeps_url_characters() -> None:
    assert decode_url(r"https://x.org/a\_b\%20--c~d") == "https://x.org/a_b%20--c~d"
    assert decode_url(r"\url{https://x.org/p}") == "https://x.org/p"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab {}\\$^_~'`\"-@") + [r"\'", r"\emph", r"\c"]),
                max_size=40).map("".join))
def test_decoder_never_leaks_commands_or_braces(source: str) -> None:
    text = latex_to_text(source)
    if "textbackslash" not in source:
        assert not LEAKED_COMMAND.search(text)
    if "\\{" not in source and "\\}" not in source and "\\\\" not in source:
        assert "{" not in text and "}" not in text


# ---------------------------------------------------------------------------------------
# Fixture files: formatting, names, fields


def test_latex_fixture_fields() -> None:
    bib = fixture("latex.bib")
    assert bib.diagnostics == ()
    entry = bib.get("accents")
    assert entry.authors == (
        "Klaus-Robert Müller", "José García", "Paul Erdős", "Øystein François", "Carl Gauß",
        "Łukasz Kaiser", "Karl Åström", "Bernhard Schölkopf",
    )
    assert entry.title == ("Über Kernels, Mixtures and Bold Caps — a k-means ℓ₁–ℓ₂ study "
                           "of “quoted” 100% & more\u00a0text")
    assert entry.venue == "Advances in Neural Information Processing Systems 30"  # @string #
    assert entry.entry_type == "inproceedings"
    assert entry.year == "2017"
    assert entry.url == "https://example.org/paper_one.pdf"
    assert entry.doi == "10.5555/Test_Doi.1"
    assert entry.details == "pp. 1–10"
    assert entry.location.line == 4 and entry.location.column == 1


def test_names_in_reading_order() -> None:
    entry = fixture("latex.bib").get("names")
    assert entry.authors == ("Laurens van der Maaten", "Ana de la Fuente", "John Smith, Jr.",
                             "Ludwig van Beethoven", "Google Brain Team", "OpenAI")
    assert entry.short_authors() == "van der Maaten et al."
    assert entry.details == "Vol 12(3), pp. 45–67"


def test_other_venues() -> None:
    bib = fixture("latex.bib")
    assert bib.get("arxiv").venue == "arXiv preprint arXiv:1905.12345"
    assert bib.get("arxiv").url == "https://arxiv.org/abs/1905.12345"
    blog = bib.get("blog")
    assert blog.url == "https://blog.example.org/post_1" and blog.venue == ""
    assert bib.get("thesis").venue == "PhD thesis, University of Somewhere"


def test_html_format() -> None:
    entry = fixture("latex.bib").get("names")
    assert reference_html(entry) == (
        '<span class="ref-authors">Laurens van der Maaten, Ana de la Fuente, John Smith, Jr., '
        'Ludwig van Beethoven, Google Brain Team, OpenAI</span>. '
        '<span class="ref-year">2018</span>. <span class="ref-title">Names</span>. '
        '<span class="ref-venue"><i>Journal of Names</i>, Vol 12(3), pp. 45–67</span>.'
    )
    assert reference_plain(entry) == (
        "Laurens van der Maaten, Ana de la Fuente, John Smith, Jr., Ludwig van Beethoven, "
        "Google Brain Team, OpenAI. 2018. Names. Journal of Names, Vol 12(3), pp. 45–67."
    )


def test_title_links_to_url_and_doi_is_linked() -> None:
    fragment = reference_html(fixture("latex.bib").get("accents"))
    checker = check_fragment(fragment)
    assert [link["href"] for link in checker.links] == [
        "https://example.org/paper_one.pdf", "https://doi.org/10.5555/Test_Doi.1"]
    assert fragment.endswith("doi:10.5555/Test_Doi.1</a>")


def test_entry_with_nothing_still_renders() -> None:
    entry = fixture("latex.bib").get("empty")
    assert reference_html(entry) == '<span class="ref-key">empty</span>'
    assert reference_plain(entry) == "empty"
    assert entry.short_authors() == "empty"


def make_entry(**fields) -> Entry:
    bib = parse_bibliography("@misc{k,\n" + ",\n".join(
        f"  {name} = {{{value}}}" for name, value in fields.items()) + "\n}\n", "t.bib")
    return bib.get("k")


@pytest.mark.parametrize(("author", "short"), [
    ("Rudin, Cynthia", "Rudin"),
    ("Lundberg, Scott and Lee, Su-In", "Lundberg and Lee"),
    ("Marco Tulio Ribeiro and Sameer Singh and Carlos Guestrin", "Ribeiro et al."),
    ("Rudin, Cynthia and others", "Rudin et al."),
    ("Lundberg, Scott and Lee, Su-In and others", "Lundberg et al."),
    ("{OpenAI}", "OpenAI"),
])
def test_short_authors(author: str, short: str) -> None:
    assert make_entry(author=author, title="T").short_authors() == short


def test_short_authors_falls_back_to_editors_title_then_key() -> None:
    assert make_entry(editor="Doe, Jane", title="T").short_authors() == "Doe"
    assert make_entry(title="Attention Is All You Need").short_authors() == "Attention Is All…"
    assert make_entry(year="2020").short_authors() == "k"


def test_editors_stand_in_for_missing_authors() -> None:
    entry = make_entry(editor="Doe, Jane and Roe, Rick", title="Collected")
    assert reference_plain(entry) == "Jane Doe, Rick Roe (eds.). Collected."


def test_et_al_in_full_reference() -> None:
    entry = make_entry(author="Doe, Jane and others", title="T")
    assert entry.authors == ("Jane Doe",)
    assert reference_plain(entry).startswith("Jane Doe, et al. ")


def test_entries_are_picklable_and_frozen() -> None:
    bib = fixture("latex.bib")
    copy = pickle.loads(pickle.dumps(bib))
    assert copy.entries == bib.entries
    assert reference_html(copy.get("accents")) == reference_html(bib.get("accents"))
    with pytest.raises(AttributeError):
        bib.get("accents").title = "changed"  # type: ignore[misc]


def test_keys_are_case_sensitive_and_case_variants_are_duplicates() -> None:
    bib = parse_bibliography("@misc{Smith2020, title={A}}\n@misc{smith2020, title={B}}\n",
                             "t.bib")
    assert bib.get("Smith2020").title == "A"
    assert bib.get("smith2020") is None
    assert codes_and_lines(bib) == [("duplicate-bib-key", 2)]


# ---------------------------------------------------------------------------------------
# Broken and hostile input


def test_broken_fixture_reports_each_problem_and_recovers() -> None:
    bib = fixture("broken.bib")
    assert codes_and_lines(bib) == [
        ("ignored-bib-text", 7),  # stray text after the first entry: ignored, as BibTeX does
        ("bad-bibtex", 9),   # entry whose title brace never closes (swallows its own fields)
        ("bad-bibtex", 16),  # missing comma: located where the next field starts
        ("bad-bibtex", 19),  # entry without a key
    ]
    assert [d.is_error for d in bib.diagnostics] == [False, True, True, True]
    assert list(bib.entries) == ["first2020", "unclosed2021", "missingcomma2022", "last2024"]
    assert bib.get("missingcomma2022").title == "Missing Comma"
    assert bib.get("last2024").title == "The Last"
    assert "title" in bib.diagnostics[1].hint


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    pytest.param("@misc{a, title={A}}\n@misc{b,\n  title = {B {x}\n\n@misc{c, title={C}}\n",
                 2, 1, "never ends", id="unclosed-value"),
    pytest.param("@misc{a, title={A},\n  year=2000\n\n@misc{c, title={C}}\n",
                 1, 1, "not closed", id="unclosed-entry"),
    pytest.param("@misc{a,\n  title = {A}\n  year = 2000\n}\n", 3, 3, "','", id="missing-comma"),
    pytest.param("@misc{\n  title = {No key}\n}\n", 1, 1, "no key", id="no-key"),
    pytest.param('@misc{a,\n  title = "A {b} ,\n  year = 2000\n}\n', 4, 1, "'}'",
                 id="quote-never-closed"),
    pytest.param("@misc{a, title={A}}\n@ foo\n", 2, 1, "entry type", id="lone-at"),
    pytest.param("@misc{a,\n  title={A},\n% note = {x},\n}\n", 3, 1, "%", id="percent-inside"),
    pytest.param("@misc{a,\n  title = ,\n}\n", 2, 11, "no value", id="no-value"),
])
def test_malformed_input_gives_located_bad_bibtex(text: str, line: int, column: int,
                                                  words: str) -> None:
    bib = parse_bibliography(text, "broken.bib")
    errors = [d for d in bib.diagnostics if d.is_error]
    assert len(errors) == 1, [d.format() for d in bib.diagnostics]
    problem = errors[0]
    assert problem.code == "bad-bibtex"
    assert (problem.location.path, problem.location.line, problem.location.column) == (
        "broken.bib", line, column)
    assert words in problem.message


def test_unclosed_entry_does_not_swallow_the_rest() -> None:
    text = "@misc{a,\n  title = {A\n\n@misc{b, title={B}}\n@misc{c, title={C}}\n"
    bib = parse_bibliography(text, "t.bib")
    assert list(bib.entries) == ["a", "b", "c"]
    assert bib.get("b").title == "B"


def test_hostile_fields_are_escaped_and_unsafe_urls_dropped() -> None:
    bib = fixture("hostile.bib")
    entry = bib.get("hostile")
    fragment = reference_html(entry)
    assert "<script" not in fragment and "<img" not in fragment and "<b>" not in fragment
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in fragment
    assert entry.url is None and bib.get("datauri").url is None
    assert "javascript" not in fragment
    checker = check_fragment(fragment)
    assert checker.links == []
    assert "<script>alert(1)</script>" in checker.text  # shown as text, exactly as written
    assert codes_and_lines(bib) == [("unsafe-url", 5), ("unsafe-url", 11)]
    assert all(d.severity is Severity.WARNING for d in bib.diagnostics)


def test_quotes_in_url_stay_inside_the_attribute() -> None:
    fragment = reference_html(fixture("hostile.bib").get("quotes"))
    checker = check_fragment(fragment)
    assert checker.links == [{"href": 'https://example.org/a"onmouseover="alert(1)'}]


def test_diagnostic_text_is_printable() -> None:
    bib = parse_bibliography("@misc{a, url = {javascript:\x1b[31mred}}\n", "t.bib")
    assert "\x1b" not in bib.diagnostics[0].message


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "@misc{", "@article{k,", "@string{s=", "@comment{", "title", "author", " = ", "{", "}",
    '"', ",", "\n", "x", "\\'", "\\emph", "<b>", "javascript:", "http://a.b", " and ",
    "others", "#", "@", "%", "---\n",
]), max_size=40).map("".join))
def test_never_raises_and_always_renders_well_formed(text: str) -> None:
    bib = parse_bibliography(text, "t.bib")
    for entry in bib.entries.values():
        check_fragment(reference_html(entry))
        reference_plain(entry)
        entry.short_authors()
    assert all(d.location is not None for d in bib.diagnostics)


# ---------------------------------------------------------------------------------------
# Other syntax


def test_comment_preamble_months_and_undefined_strings() -> None:
    text = (
        "@preamble{\"\\newcommand{\\noopsort}[1]{}\"}\n"
        "@comment{ @misc{hidden, title={H}} }\n"
        "% a comment line\n"
        "@string{j = {Journal}}\n"
        "@article{a, title={A}, journal = j # { of Things}, month = may, publisher = nope}\n"
    )
    bib = parse_bibliography(text, "t.bib")
    assert list(bib.entries) == ["a"]
    assert bib.get("a").venue == "Journal of Things"
    assert codes_and_lines(bib) == [("undefined-bib-string", 5)]
    assert not bib.diagnostics[0].is_error


def test_duplicate_field_warns_and_keeps_first() -> None:
    bib = parse_bibliography("@misc{a,\n  title={One},\n  title={Two}\n}\n", "t.bib")
    assert bib.get("a").title == "One"
    assert codes_and_lines(bib) == [("duplicate-bib-field", 3)]


def test_parentheses_and_crlf_and_bom() -> None:
    bib = parse_bibliography("\ufeff@misc(a, title={A})\r\n\r\n@misc{b, title={B}\r\n",
                             "t.bib")
    assert list(bib.entries) == ["a", "b"]
    assert codes_and_lines(bib) == [("bad-bibtex", 3)]


def test_strict_mode_is_left_alone() -> None:
    before = pybtex.errors.strict
    pybtex.errors.set_strict_mode(True)
    try:
        bib = parse_bibliography("@misc{a, title={A}}\n@misc{a, title={B}}\n", "t.bib")
        assert codes_and_lines(bib) == [("duplicate-bib-key", 2)]
        assert pybtex.errors.strict is True
        assert pybtex.errors.captured_errors is None
    finally:
        pybtex.errors.set_strict_mode(before)


def test_three_hundred_entries() -> None:
    entries = [
        f"@article{{key{index},\n  author = {{M{{\\\"u}}ller, Anna and Doe, John}},\n"
        f"  title = {{Title {index}}},\n  journal = {{Journal}},\n  year = {2000 + index % 20},"
        f"\n  pages = {{1--10}},\n  doi = {{10.1234/x.{index}}}\n}}\n"
        for index in range(300)
    ]
    bib = parse_bibliography("\n".join(entries), "big.bib")
    assert len(bib.entries) == 300 and bib.diagnostics == ()
    assert bib.get("key299").location.line == 299 * 9 + 1
    assert bib.get("key7").authors == ("Anna Müller", "John Doe")


# ---------------------------------------------------------------------------------------
# Loading


def test_load_is_memoised_by_content(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@misc{a, title={A}}\n", encoding="utf-8")
    first = load_bibliography(path, "refs.bib")
    assert load_bibliography(path, "refs.bib") is first
    path.write_text("@misc{a, title={Changed}}\n", encoding="utf-8")
    assert load_bibliography(path, "refs.bib").get("a").title == "Changed"


def test_load_locates_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.bib"
    path.write_bytes("@misc{a,\n  author = {M\u00fcller, Anna}\n}\n".encode("latin-1"))
    bib = load_bibliography(path, "latin1.bib")
    problems = [d for d in bib.diagnostics if d.code == "bad-encoding"]
    assert len(problems) == 1 and problems[0].is_error
    assert (problems[0].location.line, problems[0].location.column) == (2, 14)
    assert "a" in bib.entries  # the rest of the file is still read


def test_bytes_that_are_not_utf8_read_alike_in_a_bib_and_in_a_post(tmp_path: Path) -> None:
    data = "@misc{a,\r\n  author = {M\u00fcller, Anna}\r\n}\r\n".encode("latin-1")
    path = tmp_path / "latin1.bib"
    path.write_bytes(data)
    [from_bib] = [d for d in load_bibliography(path, "x.bib").diagnostics
                  if d.code == "bad-encoding"]
    _, [from_post] = decode_source(data, "x.bib")
    assert from_bib == from_post
    assert (from_bib.location.line, from_bib.location.column) == (2, 14)


def test_load_missing_file_is_a_diagnostic(tmp_path: Path) -> None:
    bib = load_bibliography(tmp_path / "nope.bib", "nope.bib")
    assert bib.entries == {}
    assert [d.code for d in bib.diagnostics] == ["missing-bibliography"]


# ---------------------------------------------------------------------------------------
# Lenient like BibTeX, and saying so


@pytest.mark.parametrize(("text", "line", "words"), [
    pytest.param("@misc{a, title={A}}\n# Papers by A. Smith\n@misc{c, title={C}}\n", 2,
                 "# Papers", id="hash-comment"),
    pytest.param("// ------- Laumond ----------\n@misc{a, title={A}}\n", 1, "// -------",
                 id="slash-comment"),
    pytest.param("@misc{a, title={A}}\n}\n@misc{c, title={C}}\n", 2, "}", id="stray-brace"),
    pytest.param("@Comment Len Schubert\n@misc{a, title={A}}\n", 1, "@Comment Len",
                 id="bare-comment"),
    pytest.param("@misc{a, title={A}}, year = {2000}}\n", 1, ", year", id="early-close"),
    pytest.param("@misc{a, title={A}}\nwrite to me@example.org\n", 2, "me@example",
                 id="address"),
])
def test_text_between_entries_is_ignored_with_a_warning(text: str, line: int,
                                                        words: str) -> None:
    bib = parse_bibliography(text, "t.bib")
    assert [(d.code, d.location.line, d.is_error) for d in bib.diagnostics] == [
        ("ignored-bib-text", line, False)]
    assert words in bib.diagnostics[0].message
    assert "a" in bib.entries


def test_stray_fields_after_an_early_close_get_a_hint() -> None:
    bib = parse_bibliography("@misc{a, title={A}}, year = {2000}}\n", "t.bib")
    assert "closed that entry too early" in bib.diagnostics[0].hint


def test_percent_lines_between_entries_are_silent_comments() -> None:
    bib = parse_bibliography("% me@example.org wrote this\n@misc{a, title={A}}\n"
                             "%% and this\n@misc{b, title={B}}\n", "t.bib")
    assert bib.diagnostics == () and list(bib.entries) == ["a", "b"]


def test_empty_keys_are_skipped_with_a_warning_and_do_not_hide_the_next_entry() -> None:
    text = ("@article{,\nauthor = {Doe, Jane},\ntitle = {{No key}}\n}\n"
            "@article{kept, title = {Kept}}\n"
            "@misc{a, title={A}} @book{, title = {Inline}} @misc{b, title={B}}\n")
    bib = parse_bibliography(text, "t.bib")
    assert list(bib.entries) == ["kept", "a", "b"]
    assert [(d.code, d.location.line, d.location.column) for d in bib.diagnostics] == [
        ("keyless-bib-entry", 1, 1), ("keyless-bib-entry", 6, 21)]
    assert not any(d.is_error for d in bib.diagnostics)


def test_an_undefined_string_is_left_out_of_a_name_list_as_bibtex_does() -> None:
    bib = parse_bibliography(
        '@techreport{m, author = MCDERMOTT # " and Gerald J. Sussman",\n'
        '  title = {The Conniver Reference Manual}, institution = MIT, year = 1972}\n', "t.bib")
    entry = bib.get("m")
    assert entry.authors == ("Gerald J. Sussman",)
    assert entry.venue.startswith("Technical report")
    assert sorted(d.code for d in bib.diagnostics) == ["undefined-bib-string"] * 2
    assert "left out" in bib.diagnostics[0].message


def test_a_syntax_error_inside_an_entry_stays_an_error() -> None:
    bib = parse_bibliography("@misc{a,\n  title = {A}\n  year = 2000\n}\n", "t.bib")
    assert [(d.code, d.is_error) for d in bib.diagnostics] == [("bad-bibtex", True)]


def test_pybtex_is_the_version_these_internals_were_verified_with() -> None:
    """The parser drives pybtex's tokenizer and entry builder, which are not documented
    API. This fails when pybtex changes what is relied on: re-verify, then widen the bound in
    pyproject.toml."""
    import importlib.metadata
    import inspect

    from pybtex.database.input import bibtex as pybtex_bibtex

    version = importlib.metadata.version("pybtex")
    assert version.startswith("0.26."), version
    pyproject = (HERE.parent / "pyproject.toml").read_text("utf-8")
    assert '"pybtex>=0.26,<0.27"' in pyproject
    scanner = pybtex_bibtex.LowLevelParser
    for name in ("parse_command", "handle_error", "want_entry", "required", "optional",
                 "command_start", "current_entry_key", "current_field_name", "current_fields",
                 "macros", "pos", "text"):
        assert hasattr(scanner, name) or name in inspect.signature(scanner.__init__).parameters \
            or name in ("pos", "text"), name
    assert "person_fields" in inspect.signature(pybtex_bibtex.Parser.__init__).parameters
    assert hasattr(pybtex_bibtex, "SkipEntry") and hasattr(pybtex_bibtex, "UndefinedMacro")
    parser = pybtex_bibtex.Parser(person_fields=())
    tokens = list(pybtex_bibtex.LowLevelParser("@misc{k, title = x # {y}}",
                                               macros={"x": "X"}))
    assert tokens == [("misc", ("k", [("title", ["X", "y"])]))]
    parser.process_entry("misc", "k", [("title", ["X", "y"]), ("author", ["A and B"])])
    assert parser.data.entries["K"].fields["author"] == "A and B"  # names are left to us


# ---------------------------------------------------------------------------------------
# biblatex's fields


def test_biblatex_fields() -> None:
    bib = parse_bibliography(r"""
@article{kastenholz,
  author       = {Kastenholz, M. A. and H{\"u}nenberger, Philippe H.},
  title        = {Computation of methodology independent ionic solvation free energies},
  subtitle     = {I. The electrostatic potential in molecular liquids},
  journaltitle = {J.~Chem. Phys.},
  date         = {2006-03},
  volume       = 124,
  pages        = {203-210},
  eprinttype   = {arxiv},
  eprint       = {math/0307200v3},
  urldate      = {2020-07-10},
  url          = {https://example.org/k},
}
@book{works, editor = {Matuz, Roger}, title = {Works}, date = {1984/1986}, location = {Detroit},
  publisher = {Gale}}
@collection{both, editor = {Matuz, Roger and Doe, Jane}, title = {Both}, year = 1990}
@online{only, title = {\textsc{Only} a \emph{Title}}, date = {2001/}}
""", "t.bib")
    entry = bib.get("kastenholz")
    assert entry.title == ("Computation of methodology independent ionic solvation free "
                           "energies: I. The electrostatic potential in molecular liquids")
    assert entry.venue == "J.\u00a0Chem. Phys."
    assert entry.year == "2006" and entry.date.start.month == 3
    assert entry.details == "Vol 124, pp. 203–210"
    assert entry.eprint == ("arXiv", "math/0307200v3", "https://arxiv.org/abs/math/0307200v3")
    assert entry.field("urldate") == "2020-07-10"
    fragment = reference_html(entry)
    assert '<a class="ref-eprint" href="https://arxiv.org/abs/math/0307200v3">' in fragment
    assert "Accessed 2020-07-10" in fragment
    works = bib.get("works")
    assert works.year == "1984–1986"
    assert reference_plain(works) == "Roger Matuz (ed.). 1984–1986. Works. Detroit: Gale."
    assert reference_plain(bib.get("both")).startswith("Roger Matuz, Jane Doe (eds.). 1990. Both.")
    only = bib.get("only")
    assert only.year == "2001–"
    assert '<span class="smallcaps">Only</span> a <i>Title</i>' in reference_html(only)
    assert check_fragment(reference_html(only)).text.startswith("2001–")


def test_crossref_inherits_book_title_editors_and_publisher() -> None:
    bib = parse_bibliography("""
@incollection{westfahl:space,
  author = {Westfahl, Gary}, title = {The True Frontier}, pages = {55-65},
  crossref = {westfahl:frontier}}
@collection{westfahl:frontier,
  editor = {Westfahl, Gary}, title = {Space and Beyond}, subtitle = {The Frontier Theme},
  date = 2000, publisher = {Greenwood}, location = {Westport, Conn.}}
@inproceedings{lost, title = {Lost}, crossref = {nowhere}, year = 2001}
""", "t.bib")
    chapter = bib.get("westfahl:space")
    assert chapter.venue == "Space and Beyond: The Frontier Theme"
    assert chapter.editors == ("Gary Westfahl",) and chapter.year == "2000"
    assert chapter.crossref == "westfahl:frontier"
    assert reference_plain(chapter) == (
        "Gary Westfahl. 2000. The True Frontier. In Gary Westfahl (ed.), "
        "Space and Beyond: The Frontier Theme, pp. 55–65. Westport, Conn.: Greenwood.")
    assert [(d.code, d.location.line) for d in bib.diagnostics] == [("missing-crossref", 8)]


def test_mendeley_and_zotero_idioms() -> None:
    bib = parse_bibliography("""@article{m,
   author = {Ching-Han Chen and Chao-Tsu Liu},
   journal = {Computers & Electrical Engineering},
   month = {7}, issue = {4},
   title = {{A 3.5-tier container-based edge computing architecture}},
   url = {http://www.ncbi.nlm.nih.gov/pubmed/1 http://www.pubmedcentral.nih.gov/2},
   year = {2021},
}""", "t.bib")
    entry = bib.get("m")
    assert entry.venue == "Computers & Electrical Engineering"
    assert entry.url == "http://www.ncbi.nlm.nih.gov/pubmed/1"
    assert entry.date.start.month == 7 and entry.details == "No. 4"
    assert "Computers &amp; Electrical Engineering" in reference_html(entry)


def test_eprints_link_only_identifiers_that_look_like_one() -> None:
    bib = parse_bibliography("@misc{j, title={J}, eprinttype={jstor}, eprint={285783}}\n"
                             "@misc{k, title={K}, eprinttype={jstor}, eprint={Arkiv nr. 27}}\n"
                             "@misc{p, title={P}, eprinttype={pubmed}, eprint={20428515}}\n",
                             "t.bib")
    assert bib.get("j").eprint == ("JSTOR", "285783", "https://www.jstor.org/stable/285783")
    assert bib.get("k").eprint == ("JSTOR", "Arkiv nr. 27", "")
    assert "href" not in reference_html(bib.get("k"))
    assert bib.get("p").eprint[2] == "https://pubmed.ncbi.nlm.nih.gov/20428515/"


def test_an_escaped_brace_that_breaks_an_entry_is_read_as_a_literal_brace() -> None:
    text = ("@TECHREPORT(t:93,\n  AUTHOR = {Sylvie Thi\\{'ebaux and Joachim Hertzberg},\n"
            "  YEAR = {1993},\n)\n\n@misc{next, title = {Next}}\n")
    bib = parse_bibliography(text, "t.bib")
    [problem] = bib.diagnostics
    assert (problem.code, problem.location.line, problem.location.column) == ("bad-bibtex", 2, 23)
    assert not problem.is_error and "{\\'e}" in problem.hint
    entry = bib.get("t:93")
    assert entry.authors == ("Sylvie Thiébaux", "Joachim Hertzberg") and entry.year == "1993"
    assert entry.source == text.split("\n\n")[0]  # downloads keep it as written
    assert "next" in bib.entries


def test_an_unbalancing_escaped_brace_without_an_accent_is_a_literal_brace() -> None:
    bib = parse_bibliography("@misc{a,\n  title = {Open \\{ set},\n  year = 2001\n}\n", "t.bib")
    assert [d.code for d in bib.diagnostics] == ["bad-bibtex"]
    assert bib.get("a").title == "Open { set" and bib.get("a").year == "2001"


def test_balanced_escaped_braces_are_left_to_bibtex_rules() -> None:
    bib = parse_bibliography("@misc{a, title = {Sets \\{x\\} and more}}\n", "t.bib")
    assert bib.diagnostics == () and bib.get("a").title == "Sets {x} and more"


def test_an_unclosed_entry_with_an_escaped_brace_is_explained() -> None:
    bib = parse_bibliography("@misc{a,\n  title = {A \\{ B\n\n@misc{next, title = {N}}\n",
                             "t.bib")
    assert [(d.code, d.is_error) for d in bib.diagnostics] == [("bad-bibtex", True)]
    assert "{\\'e}" in bib.diagnostics[0].hint


def test_mendeley_reference_manager_types_read_as_biblatex_types() -> None:
    bib = parse_bibliography("@book_section{c, author = {Mills, A.}, title = {Ch},\n"
                             "  booktitle = {The Book}, editor = {Roe, R.}, year = 2010}\n"
                             "@web_page{w, title = {Page}, url = {https://x.org}}\n", "t.bib")
    assert bib.get("c").entry_type == "incollection"
    assert reference_plain(bib.get("c")) == "A. Mills. 2010. Ch. In R. Roe (ed.), The Book."
    assert bib.get("w").entry_type == "online"
