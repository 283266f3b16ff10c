"""Property tests over the whole render: random Markdown, TeX and BibTeX never end in a
traceback, always give well-formed output, and give the same output every time.

The Markdown is built from a grammar of the dialect's pieces (citations of real and made-up
keys, notes, math, images of files that exist and that do not, headings, code, tables, raw
HTML, emphasis, stray brackets and dollars) so that the examples hit the plugins' corners
rather than plain prose.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillgen.bibliography import load_bibliography, parse_bibliography
from distillgen.bibliography.format import reference_html, reference_plain
from distillgen.errors import Diagnostic
from distillgen.markdown.math import MathError, tex_to_mathml
from distillgen.markdown.state import AssetInfo
from distillgen.model import Post, PostMeta
from distillgen.render import RenderContext, render_post
from tests.hostile.sitekit import REPO, example_bib_keys

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SOURCE = "content/blog/random.md"
FRONT_MATTER_LINES = 4
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}

REAL_KEYS = example_bib_keys()
FAKE_KEYS = ["nobody2020", "shapley1953valu", "x", "a:b.c", "_under", "9lives", "q&a"]
ASSETS = {"content/blog/fig.png": AssetInfo(10, 20), "assets/images/ig-path.svg": AssetInfo()}


@pytest.fixture(scope="module")
def context() -> RenderContext:
    bib = load_bibliography(REPO / "references.bib", "references.bib")
    assert bib.entries and not any(d.is_error for d in bib.diagnostics)
    return RenderContext(entries=dict(bib.entries), assets_on_disk=ASSETS,
                         post_urls={SOURCE: "blog/random", "content/blog/other.md": "blog/other"})


# --- the Markdown grammar ----------------------------------------------------------------

words = st.sampled_from(["word", "Zoë", "naïve", "x", "2", "a_b", "C++", "日本語", "e-mail",
                         "user@example.org", "https://example.org/a@b", "5 and $10", "\\@", "&",
                         "&amp;", "<", ">", "'", '"', "--", "...", "\\$", "\\*", "\\[", "|"])
keys = st.sampled_from(REAL_KEYS[:8] + FAKE_KEYS)
simple_tex = st.sampled_from([
    "x", "x^2", "\\frac{a}{b}", "\\sum_{i=1}^n x_i", "\\alpha + \\beta", "\\sqrt{2}",
    "\\mathbb{E}[X]", "\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}", "\\left( x \\right)",
    "\\text{if } x > 0", "{", "}", "\\frac{a}", "\\unknowncmd", "x_", "\\\\", "a & b",
    "\\begin{matrix} 1 & 2 \\end{matrix}", "\\operatorname*{arg\\,max}_x f", "<", "&", "\\%",
    "\\label{eq}", "\\tag{1}", "\\color{red} x", "\\big\\vert x", "f'(x)", "\\$", "#",
])


@st.composite
def citation(draw) -> str:
    form = draw(st.sampled_from(["[@{}]", "@{}", "[@{}, p. 33]", "[-@{}]", "[see @{}; @{}]",
                                 "@{} [p. 3]", "[@{{{}}}]", "\\@{}"]))
    return form.format(*(draw(keys) for _ in range(form.count("{}"))))


@st.composite
def inline(draw) -> str:
    piece = draw(st.sampled_from(["word", "cite", "note", "math", "display", "image", "emph",
                                  "strong", "code", "link", "html", "bracket", "dollar",
                                  "strike", "attrs", "autolink"]))
    text = " ".join(draw(st.lists(words, min_size=1, max_size=3)))
    if piece == "cite":
        return draw(citation())
    if piece == "note":
        return f"[^{draw(st.sampled_from(['1', 'a', 'note', 'missing']))}]"
    if piece == "math":
        return f"${draw(simple_tex)}$"
    if piece == "display":
        return f"$${draw(simple_tex)}$$"
    if piece == "image":
        path = draw(st.sampled_from(["fig.png", "missing.png", "../../assets/images/ig-path.svg",
                                     "../../../outside.png", "https://example.org/x.png", ""]))
        return f"![{text}]({path})"
    if piece == "emph":
        return f"*{text}*"
    if piece == "strong":
        return f"**{text}**"
    if piece == "code":
        return f"`{text}`"
    if piece == "link":
        target = draw(st.sampled_from(["https://example.org", "other.md", "#sec", "javascript:x",
                                       "../other.md#a", "mailto:a@b.c"]))
        return f"[{text}]({target})"
    if piece == "html":
        return draw(st.sampled_from(['<span class="x">t</span>', "<kbd>K</kbd>", "<br>",
                                     "<!-- c -->", "<sup>2</sup>", "<em>e</em>"]))
    if piece == "bracket":
        return draw(st.sampled_from(["[", "]", "[x]", "[[", "]]", "[@", "[^", "{", "}"]))
    if piece == "dollar":
        return draw(st.sampled_from(["$", "$$", "$5", "$ x $", "\\$"]))
    if piece == "strike":
        return f"~~{text}~~"
    if piece == "attrs":
        return "{.l-page}"
    if piece == "autolink":
        return "<https://example.org/a>"
    return text


@st.composite
def block(draw) -> str:
    kind = draw(st.sampled_from(["paragraph", "heading", "code", "unclosed_code", "table",
                                 "quote", "list", "ordered", "display_math", "unclosed_math",
                                 "figure", "note_def", "raw_html", "hr", "attrs_block"]))
    line = " ".join(draw(st.lists(inline(), min_size=1, max_size=6)))
    if kind == "heading":
        return "#" * draw(st.integers(1, 4)) + " " + line
    if kind == "code":
        return f"```{draw(st.sampled_from(['python', 'js', 'nolang', '']))}\n{line}\n```"
    if kind == "unclosed_code":
        return f"```\n{line}"
    if kind == "table":
        return f"| a | b |\n|---|:-:|\n| {line} | x |"
    if kind == "quote":
        return "> " + line
    if kind == "list":
        return f"- {line}\n- {line}\n  - nested"
    if kind == "ordered":
        return f"1. {line}\n2. two"
    if kind == "display_math":
        return f"$$\n{draw(simple_tex)}\n$$"
    if kind == "unclosed_math":
        return f"$$\n{draw(simple_tex)}"
    if kind == "figure":
        return f"![{line.replace(']', '')}](fig.png){{.l-page}}"
    if kind == "note_def":
        return f"[^{draw(st.sampled_from(['1', 'a', 'note']))}]: {line}"
    if kind == "raw_html":
        return draw(st.sampled_from(['<div class="fig">\n\ninside\n\n</div>',
                                     "<details><summary>S</summary>\n\nd\n\n</details>",
                                     "<!-- a comment -->",
                                     "<figure><img src=x.png alt=a></figure>"]))
    if kind == "hr":
        return "---"
    if kind == "attrs_block":
        return "{.l-gutter}\n" + line
    return line


markdown_bodies = st.lists(block(), min_size=1, max_size=8).map("\n\n".join)


def _post(body: str) -> Post:
    meta = PostMeta(title="Random", pub_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    return Post(SOURCE, meta, body, FRONT_MATTER_LINES, PurePosixPath("blog/random"))


ELEMENT_NAME = re.compile(r"[a-z][a-z0-9-]*")
"""An element name; raw HTML an author typed may hold other things in angle brackets
(``<https://x>`` inside an HTML block), which a browser would not count either."""


class _Balance(HTMLParser):
    """Checks that every non-void element is closed, in order (markdown-it, our plugins and
    the MathML converter never rely on HTML's implied end tags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID and ELEMENT_NAME.fullmatch(tag):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID or not ELEMENT_NAME.fullmatch(tag):
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def unbalanced(html: str) -> list[str]:
    checker = _Balance()
    checker.feed(html)
    checker.close()
    return checker.errors + [f"<{tag}> never closed" for tag in checker.stack]


def _check_rendered(body: str, context: RenderContext) -> None:
    first = render_post(_post(body), context)
    total_lines = FRONT_MATTER_LINES + body.count("\n") + 1
    for diagnostic in first.diagnostics:
        assert isinstance(diagnostic, Diagnostic)
        assert diagnostic.location is not None and diagnostic.location.path == SOURCE
        assert 1 <= diagnostic.location.line <= total_lines, diagnostic.format()
        assert diagnostic.location.column >= 1, diagnostic.format()
    for html in (first.html, first.feed_html, *(note for _, note in first.footnotes_html),
                 *(entry.html for entry in first.toc)):
        assert unbalanced(html) == [], html
    second = render_post(_post(body), context)
    assert second == first


@pytest.mark.slow
@SETTINGS
@given(body=markdown_bodies)
def test_random_markdown_renders_to_balanced_html_the_same_every_time(body, context):
    _check_rendered(body, context)


@SETTINGS
@given(body=st.text(alphabet=st.sampled_from(list("ab @[]()!*_`$\\^{}>&#|~-:.;\n ")),
                    max_size=200))
def test_random_punctuation_renders_to_balanced_html(body, context):
    """Every Markdown punctuation character but ``<``, which would start raw HTML: that is
    the author's own and passed through as written, balanced or not."""
    _check_rendered(body, context)


# --- TeX -----------------------------------------------------------------------------------

tex_tokens = st.sampled_from([
    "x", "y", "1", "+", "-", "=", "^", "_", "{", "}", "(", ")", "[", "]", "|", "&", "\\\\", " ",
    "\\frac", "\\sqrt", "\\sum", "\\int", "\\alpha", "\\mathbf", "\\text", "\\left", "\\right",
    "\\middle", "\\begin{aligned}", "\\end{aligned}", "\\begin{cases}", "\\end{cases}",
    "\\begin{matrix}", "\\end{pmatrix}", "\\operatorname*", "\\big", "\\vert", "\\color",
    "\\tag", "\\not", "\\hat", "\\mathbb", "\\ ", "\\,", "'", "%", "#", "$", "\\unknown", "<",
    ">", "\\lt", "\\&", "\\{", "\\}", "é", "\u200b",
])
random_tex = st.lists(tex_tokens, max_size=25).map("".join)


@SETTINGS
@given(tex=random_tex, display=st.booleans())
def test_random_tex_gives_mathml_or_a_math_error(tex, display):
    try:
        mathml = tex_to_mathml(tex, display=display)
    except MathError as problem:
        assert problem.message
        assert problem.offset is None or 0 <= problem.offset <= len(tex)
        return
    wrapped = f"<p>{mathml}</p>"
    root = ET.fromstring(wrapped)
    math = root[0]
    assert math.tag == "{http://www.w3.org/1998/Math/MathML}math"
    assert math.get("display") == ("block" if display else "inline")
    leaked = [el.text for el in math.iter() if el.text and el.text.startswith("\\")
              and not el.tag.endswith("annotation")]
    assert leaked == [], mathml
    assert tex_to_mathml(tex, display=display) == mathml


# --- BibTeX --------------------------------------------------------------------------------

bib_pieces = st.sampled_from([
    "@article{", "@book{", "@misc{", "@string{", "@comment{", "@preamble{", "key1,", "key2,",
    "key1", "author = {", "title = {", "year = {2020}", "year = 2020", "journal = \"J\"",
    "url = {javascript:alert(1)}", "doi = {10.1000/x}", "}", "{", ",", "\n", " and ", "A. B",
    "{\\\"u}", "\\emph{x}", "--", "#", "\"", "=", "%", "@", "Jo, A", "{{", "}}", "\\url{",
    "mystring", "<script>", "&",
])
random_bib = st.lists(bib_pieces, max_size=30).map("".join)


@SETTINGS
@given(text=random_bib)
def test_random_bibtex_gives_entries_or_located_bad_bibtex(text):
    bib = parse_bibliography(text, "refs.bib")
    line_count = text.count("\n") + 1
    for diagnostic in bib.diagnostics:
        assert diagnostic.location is not None and diagnostic.location.path == "refs.bib"
        assert 1 <= diagnostic.location.line <= line_count, diagnostic.format()
    for key, entry in bib.entries.items():
        assert entry.key == key
        assert unbalanced(reference_html(entry)) == []
        assert "<script" not in reference_html(entry)
        assert isinstance(reference_plain(entry), str) and isinstance(entry.short_authors(), str)
    again = parse_bibliography(text, "refs.bib")
    assert again.diagnostics == bib.diagnostics
    assert {k: reference_html(e) for k, e in again.entries.items()} == \
        {k: reference_html(e) for k, e in bib.entries.items()}


def test_the_grammar_reaches_the_interesting_cases(context):
    """A guard for the generators themselves: the cases above must include citations,
    formulas and figures that render, and the errors they are meant to provoke."""
    body = ("[@shapley1953value] @nobody2020 $x^2$ $\\frac{a}$\n\n![A](fig.png)\n\n"
            "![B](missing.png)\n\n[^missing]")
    codes = sorted(d.code for d in render_post(_post(body), context).diagnostics)
    assert codes == ["bad-math", "missing-asset", "unknown-citation", "unknown-footnote"]
    assert Path(REPO / "references.bib").is_file()
