"""TeX -> MathML: real formulas convert faithfully, broken ones fail with a located reason."""

from __future__ import annotations

import ast
import contextlib
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillgen.markdown.math import MathError, tex_to_mathml

SHARED = Path(__file__).resolve().parents[3] / "shared"
FORMULAS = SHARED / "corpus" / "math" / "formulas.txt"
BENCH = SHARED / "bench" / "gen_corpus.py"
NS = "{http://www.w3.org/1998/Math/MathML}"
LEAKED_COMMAND = re.compile(r"\\[A-Za-z]+")


def load_formulas() -> list[str]:
    """The corpus, one formula a line, newlines decoded as its README says."""
    if not FORMULAS.exists():
        return []
    lines = FORMULAS.read_text(encoding="utf-8").splitlines()
    return [re.sub(r"\\n(?![A-Za-z])", "\n", line) for line in lines]


CORPUS = load_formulas()
needs_corpus = pytest.mark.skipif(not CORPUS, reason="shared/corpus is not beside the repo")


def corpus_formula(fragment: str, *, whole: bool = False) -> str:
    """The one corpus formula containing ``fragment`` (or equal to it, with ``whole``)."""
    if not CORPUS:
        pytest.skip("shared/corpus is not beside the repo")
    found = [tex for tex in CORPUS if (tex == fragment if whole else fragment in tex)]
    assert len(found) == 1, f"{len(found)} corpus formulas contain {fragment!r}"
    return found[0]


# -- helpers -----------------------------------------------------------------------------------

def parse(mathml: str) -> ElementTree.Element:
    """The <math> element (a trailing tag span is dropped); fails the test if malformed."""
    math_part = mathml.split('<span class="math-tag">')[0]
    root = ElementTree.fromstring(math_part)
    assert root.tag == NS + "math"
    return root


def local(element: ElementTree.Element) -> str:
    return element.tag.removeprefix(NS)


def content(root: ElementTree.Element) -> ElementTree.Element:
    """The presentation markup: first child of <semantics>."""
    semantics = root[0]
    assert local(semantics) == "semantics" and len(semantics) == 2
    assert local(semantics[1]) == "annotation"
    return semantics[0]


def find_all(element: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
    return list(element.iter(NS + tag))


def texts(element: ElementTree.Element) -> str:
    return "".join(element.itertext())


def convert(tex: str, display: bool = True) -> ElementTree.Element:
    return content(parse(tex_to_mathml(tex, display=display)))


def assert_clean(mathml: str, tex: str = "") -> None:
    r"""Well-formed, one line, no leaked command, no leaked column separator (an ``&`` token
    is right only where the TeX asked for one with ``\&``)."""
    assert "\n" not in mathml
    body = content(parse(mathml))
    for element in body.iter():
        assert not LEAKED_COMMAND.search(element.text or ""), (local(element), element.text)
        for value in element.attrib.values():
            assert "\\" not in value
        if local(element) in ("mi", "mo") and "\\&" not in tex:
            assert element.text != "&", "raw & leaked as a token"


def mtable_shape(table: ElementTree.Element) -> list[int]:
    """Number of cells in each row."""
    return [len(row) for row in table if local(row) == "mtr"]


# -- the real-world corpus ------------------------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("tex", CORPUS or [""], ids=lambda tex: tex[:40])
@pytest.mark.parametrize("display", [True, False], ids=["block", "inline"])
def test_every_corpus_formula_converts_cleanly(tex: str, display: bool) -> None:
    if not CORPUS:
        pytest.skip("shared/corpus is not beside the repo")
    assert_clean(tex_to_mathml(tex, display=display))


@needs_corpus
def test_corpus_has_150_formulas() -> None:
    assert len(CORPUS) == 150


def test_aligned_becomes_a_two_column_table_with_rows_aligned_right_left() -> None:
    tex = corpus_formula(r"w^{k+1}&=w^{k}-\alpha z^{k+1}" + "\n  \\end{aligned}")
    body = convert(tex)
    (table,) = find_all(body, "mtable")
    assert mtable_shape(table) == [2, 2]
    first_row = table[0]
    assert [cell.get("columnalign") for cell in first_row] == ["right", "left"]
    assert "=" in texts(first_row[1])
    assert "0.4" not in texts(body) and "em" not in texts(body)


def test_aligned_with_comment_column_keeps_three_columns_and_its_six_rows() -> None:
    body = convert(corpus_formula("Starting from a random state"))
    table = find_all(body, "mtable")[0]
    assert mtable_shape(table) == [3] * 6
    # \scriptstyle{\text{…}} in the third column is small, and only there.
    note = table[0][2]
    (style,) = find_all(note, "mstyle")
    assert style.get("scriptlevel") == "1"
    assert "Starting from a random state" in texts(style).replace("\u00a0", " ")
    assert not find_all(table[0][1], "mtext")


def test_array_in_parentheses_keeps_its_rows_and_columns() -> None:
    body = convert(corpus_formula(r"Z=\left(\begin{array}{ccccc}"))
    (table,) = find_all(body, "mtable")
    assert mtable_shape(table) == [5, 5, 5, 5]
    assert {cell.get("columnalign") for row in table for cell in row} == {"center"}


def test_aligned_holding_nested_arrays_keeps_both_levels() -> None:
    body = convert(corpus_formula(r"\mathbf{E}f(x^{k})&=\frac{\lambda}{2}"))
    outer = find_all(body, "mtable")[0]
    assert len(mtable_shape(outer)) == 5
    inner = [table for table in find_all(body, "mtable") if table is not outer]
    assert inner and all(mtable_shape(table) == [1, 1] for table in inner)


def test_frac_becomes_mfrac_with_both_parts() -> None:
    body = convert(corpus_formula(r"\frac{\kappa-1}{\kappa+1}", whole=True))
    (fraction,) = find_all(body, "mfrac")
    assert [texts(part) for part in fraction] == ["κ−1", "κ+1"]


def test_mathop_text_with_limits_puts_the_limit_under_the_operator() -> None:
    body = convert(corpus_formula(r"\text{optimal }\alpha"))
    operators = [under for under in find_all(body, "munder") if local(under[0]) == "mo"]
    assert [texts(under[0]) for under in operators] == ["argmin", "min"]
    assert all(texts(under[1]) == "α" for under in operators)


def test_color_with_argument_colours_only_the_argument() -> None:
    body = convert(corpus_formula(r"\color{blue}{\tilde{\boldsymbol{\mu}}}"))
    styles = find_all(body, "mstyle")
    assert [style.get("mathcolor") for style in styles] == ["blue", "red"]
    assert "𝐈" not in texts(styles[1])  # \color{red}{\tilde{\beta}_t} \mathbf{I}
    assert "𝐈" in texts(body)


def test_nested_color_switches_inside_cases_keep_the_table_intact() -> None:
    body = convert(corpus_formula(r"\color{#AAA}{\color{black}{R^{k}}"))
    (table,) = find_all(body, "mtable")
    assert mtable_shape(table) == [2, 2]
    outer = find_all(body, "mstyle")[0]
    assert outer.get("mathcolor") == "#AAA"
    black = [style for style in find_all(outer, "mstyle") if style.get("mathcolor") == "black"]
    assert len(black) == 3


def test_underbrace_labels_sit_under_the_brace() -> None:
    body = convert(corpus_formula(
        r"\underbrace{- \log p_\theta(\mathbf{x}_0 \vert \mathbf{x}_1)}_{L_0}"))
    braces = [under for under in find_all(body, "munder")
              if local(under[0]) == "munder" and texts(under[0][1]) == "\u23df"]
    assert len(braces) == 3
    assert texts(braces[0][1]).startswith("L")


def test_vert_delimiters_become_stretchy_fences() -> None:
    body = convert(corpus_formula("Definition of probability distribution."))
    fences = [mo for mo in find_all(body, "mo") if mo.get("fence") == "true"]
    assert [mo.text for mo in fences] == ["|", "|", "|", "|"]


# -- the benchmark's math templates -------------------------------------------------------

def bench_lists() -> dict[str, list[str]]:
    """The list literals of gen_corpus.py, read without running the script."""
    if not BENCH.exists():
        return {}
    tree = ast.parse(BENCH.read_text(encoding="utf-8"))
    wanted = {"INLINE_MATH", "DISPLAY_MATH", "GREEK", "LATIN", "IDX"}
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in wanted}


def bench_fills() -> list[tuple[str, bool]]:
    lists = bench_lists()
    if not lists:
        return []
    filled = []
    for display, templates in ((False, lists["INLINE_MATH"]), (True, lists["DISPLAY_MATH"])):
        for template in templates:
            for greek in lists["GREEK"]:
                for index, latin in enumerate(lists["LATIN"]):
                    idx = lists["IDX"][index % len(lists["IDX"])]
                    filled.append((template.replace("@G@", greek).replace("@L@", latin)
                                   .replace("@I@", idx), display))
    return sorted(set(filled))


BENCH_FILLS = bench_fills()


@pytest.mark.skipif(not BENCH_FILLS, reason="shared/bench is not beside the repo")
def test_every_bench_template_converts_cleanly() -> None:
    failures = []
    for tex, display in BENCH_FILLS:
        try:
            assert_clean(tex_to_mathml(tex, display=display))
        except MathError as problem:
            failures.append((tex, problem.message))
    assert failures == []
    assert len(BENCH_FILLS) > 500


# -- everyday formulas -------------------------------------------------------------------------

SHAPLEY = (r"\phi_i = \sum_{S \subseteq N \setminus \{i\}} \frac{|S|!\,(|N|-|S|-1)!}{|N|!}"
           r"\left[v(S \cup \{i\}) - v(S)\right]")


def test_shapley_value() -> None:
    body = convert(SHAPLEY)
    (total,) = [under for under in find_all(body, "munder") if texts(under[0]) == "∑"]
    assert "⊆" in texts(total[1]) and "{" in texts(total[1])
    (fraction,) = find_all(body, "mfrac")
    assert texts(fraction[1]) == "|N|!"
    fences = [mo.text for mo in find_all(body, "mo") if mo.get("fence") == "true"]
    assert fences == ["[", "]"]


@pytest.mark.parametrize(("tex", "letter"), [(r"\mathbb{E}[x]", "𝔼"),
                                             (r"\mathcal{L}(\theta)", "ℒ"),
                                             (r"\mathbf{x}", "𝐱"),
                                             (r"\boldsymbol{\mu}", "𝝁"),
                                             (r"\mathds{1}_{x>0}", "𝟙")])
def test_math_alphabets_become_unicode_math_letters(tex: str, letter: str) -> None:
    body = convert(tex)
    assert letter in texts(body)
    assert not [e for e in body.iter() if e.get("mathvariant") not in (None, "normal")]


def test_cases_is_a_left_aligned_table_after_a_brace() -> None:
    body = convert(r"\operatorname{ReLU}(x) = \begin{cases} x & \text{if } x > 0 \\ "
                   r"0 & \text{otherwise} \end{cases}")
    (table,) = find_all(body, "mtable")
    assert mtable_shape(table) == [2, 2]
    assert {cell.get("columnalign") for row in table for cell in row} == {"left"}
    assert texts(table[0][1]) == "if\u00a0x>0"
    assert find_all(body, "mo")[0].text == "ReLU"


@pytest.mark.parametrize(("environment", "opening", "closing"),
                         [("pmatrix", "(", ")"), ("bmatrix", "[", "]"), ("vmatrix", "|", "|")])
def test_matrices_are_tables_between_their_delimiters(environment: str, opening: str,
                                                      closing: str) -> None:
    body = convert(rf"\begin{{{environment}}} a & b \\ c & d \end{{{environment}}}")
    children = [local(child) for child in body]
    assert children == ["mo", "mtable", "mo"]
    assert (body[0].text, body[2].text) == (opening, closing)
    assert mtable_shape(body[1]) == [2, 2]


def test_binom_is_a_fraction_without_bar_in_parentheses() -> None:
    body = convert(r"\binom{n}{k}")
    (fraction,) = find_all(body, "mfrac")
    assert fraction.get("linethickness") == "0"
    assert [mo.text for mo in find_all(body, "mo")] == ["(", ")"]


def test_cube_root_has_its_index() -> None:
    (root,) = find_all(convert(r"\sqrt[3]{x}"), "mroot")
    assert [texts(part) for part in root] == ["x", "3"]


@pytest.mark.parametrize(("tex", "mark"), [(r"\hat{x}", "^"), (r"\tilde{x}", "~"),
                                           (r"\overline{x}", "\u2015"), (r"\vec{x}", "→"),
                                           (r"\bar{x}", "¯")])
def test_accents_are_marked_as_accents_over_their_base(tex: str, mark: str) -> None:
    (over,) = find_all(convert(tex), "mover")
    assert over.get("accent") == "true"
    assert texts(over[0]) == "x" and texts(over[1]) == mark


def test_overbrace_and_underbrace_carry_their_labels() -> None:
    body = convert(r"\underbrace{a+b}_{n} + \overbrace{c}^{m}")
    under = [e for e in find_all(body, "munder") if local(e[0]) == "munder"]
    over = [e for e in find_all(body, "mover") if local(e[0]) == "mover"]
    assert texts(under[0][0][1]) == "\u23df" and texts(under[0][1]) == "n"
    assert texts(over[0][0][1]) == "\u23de" and texts(over[0][1]) == "m"


def test_xrightarrow_puts_labels_over_and_under_the_arrow() -> None:
    (over,) = find_all(convert(r"\xrightarrow{f}"), "mover")
    assert texts(over[0]) == "→" and texts(over[1]) == "f"
    (both,) = find_all(convert(r"\xrightarrow[g]{f}"), "munderover")
    assert [texts(part) for part in both] == ["→", "g", "f"]


# -- what the rewrites fix -------------------------------------------------------------------

def test_operatorname_star_with_thin_space_puts_subscript_under_arg_min() -> None:
    body = convert(r"\operatorname*{arg\,min}_{w} \; \frac{1}{2} \lVert y - Xw \rVert_2^2")
    (under,) = find_all(body, "munder")
    assert local(under[0]) == "mo"
    assert under[0].text == "arg\u2009min"
    assert under[0].get("movablelimits") == "true"
    assert texts(under[1]) == "w"


def test_arg_max_is_two_operators_with_the_limit_under_max() -> None:
    body = convert(r"\theta^{*} = \arg\max_{\theta} \prod_{i=1}^{n} p(x_i \mid \theta)")
    operators = [mo.text for mo in find_all(body, "mo")]
    assert "arg" in operators
    (under,) = [e for e in find_all(body, "munder") if texts(e[0]) == "max"]
    assert texts(under[1]) == "θ"


@pytest.mark.parametrize(("tex", "text"), [(r"\argmax_x f", "arg\u2009max"),
                                           (r"\lim_{n \to \infty} a_n", "lim"),
                                           (r"\Pr_{x} A", "Pr")])
def test_limit_operators_take_movable_limits_under_them(tex: str, text: str) -> None:
    for display in (True, False):
        (under,) = find_all(convert(tex, display), "munder")
        assert under[0].text == text and under[0].get("movablelimits") == "true"


def test_operator_names_with_other_characters_keep_their_text() -> None:
    body = convert(r"\operatorname{log-sum-exp}(x) + \operatorname{KL}")
    assert [mo.text for mo in find_all(body, "mo") if len(mo.text) > 1] == ["log-sum-exp", "KL"]


def test_function_names_get_a_thin_space_before_a_letter_but_not_a_parenthesis() -> None:
    body = convert(r"\log p(x) + \exp(x)")
    children = [(local(child), child.get("width"), texts(child)) for child in body]
    assert children[:3] == [("mi", None, "log"), ("mspace", "0.1667em", ""), ("msub", None, "p")
                            ] or children[:3] == [("mi", None, "log"),
                                                  ("mspace", "0.1667em", ""), ("mi", None, "p")]
    position = [text for _, _, text in children].index("exp")
    assert children[position + 1][2] == "("


@pytest.mark.parametrize(("tex", "expected"),
                         [(r"\big\vert x \big\vert", ["|", "|"]),
                          (r"\Big| x \Big|", ["|", "|"]),
                          (r"\bigl\{ x \bigr\}", ["{", "}"]),
                          (r"\bigg( x \bigg)", ["(", ")"]),
                          (r"\Big\| x \Big\|", ["‖", "‖"]),
                          (r"\big\langle x \big\rangle", ["⟨", "⟩"])])
def test_big_delimiters_are_sized_stretchy_fences(tex: str, expected: list[str]) -> None:
    sized = [mo for mo in find_all(convert(tex), "mo") if mo.get("minsize")]
    assert [mo.text for mo in sized] == expected
    assert all(mo.get("stretchy") == "true" for mo in sized)


def test_color_switch_in_aligned_stops_at_the_end_of_its_cell() -> None:
    body = convert(r"\begin{aligned} a &= \color{red} b + c \\ d &= e \end{aligned}")
    (table,) = find_all(body, "mtable")
    assert mtable_shape(table) == [2, 2]
    (red,) = find_all(body, "mstyle")
    assert red.get("mathcolor") == "red" and texts(red) == "b+c"
    assert texts(table[1]) == "d=e"


def test_scriptstyle_switch_covers_the_rest_of_its_group() -> None:
    body = convert(r"\begin{aligned} a &= b & \scriptstyle \text{note } x \\ c &= d \end{aligned}")
    (style,) = find_all(body, "mstyle")
    assert style.get("scriptlevel") == "1"
    assert texts(style) == "note\u00a0x"


def test_text_keeps_spaces_braces_and_escapes_and_splits_out_inline_math() -> None:
    body = convert(r"\text{a {b} \{c\} 50\% x\textbackslash y -- $\alpha^2$ end}")
    pieces = [(local(child), texts(child)) for child in body]
    assert pieces[0] == ("mtext", "a\u00a0b\u00a0{c}\u00a050%\u00a0x\\y\u00a0–\u00a0")
    assert pieces[1] == ("mrow", "α2")
    assert pieces[2] == ("mtext", "\u00a0end")


def test_textbackslash_in_math_is_a_backslash() -> None:
    assert texts(convert(r"a \textbackslash b")) == "a\\b"


@pytest.mark.parametrize(("tex", "symbols"),
                         [(r"\lVert x \rVert", ["‖", "‖"]), (r"a \mid b", ["∣"]),
                          (r"A^\top", ["⊤"]), (r"a \star b", ["⋆"]),
                          (r"x_1, \dots, x_n", [",", "…", ","]), (r"a \cdots b", ["⋯"]),
                          (r"x \sim p", ["∼"]), (r"a \pm b", ["±"])])
def test_symbols_are_operators(tex: str, symbols: list[str]) -> None:
    assert [mo.text for mo in find_all(convert(tex), "mo")] == symbols


def test_infinity_is_an_ordinary_symbol() -> None:
    body = convert(r"\infty")
    assert [local(child) for child in body] == ["mi"] and body[0].text == "∞"


def test_tfrac_and_dfrac_set_their_style() -> None:
    body = convert(r"\tfrac{1}{2} \dfrac{a}{b}")
    styles = [style.get("displaystyle") for style in find_all(body, "mstyle")]
    assert styles == ["false", "true"]
    assert len(find_all(body, "mfrac")) == 2


def test_invisible_left_delimiter_with_evaluation_bar() -> None:
    body = convert(r"\left. \frac{a}{b} \right|_{x=0}")
    (sub,) = find_all(body, "msub")
    fences = [mo for mo in find_all(sub, "mo") if mo.get("fence") == "true"]
    assert [mo.text for mo in fences] == [None, "|"]


@pytest.mark.parametrize(("tex", "width"), [(r"a\,b", "0.167em"), (r"a\;b", "0.278em"),
                                            (r"a\quad b", "1em"), (r"a\qquad b", "2em"),
                                            (r"a\!b", "negativethinmathspace")])
def test_spacing_commands(tex: str, width: str) -> None:
    assert [space.get("width") for space in find_all(convert(tex), "mspace")] == [width]


def test_tilde_is_a_non_breaking_space() -> None:
    body = convert(r"x~=~y")
    assert [texts(e) for e in find_all(body, "mtext")] == ["\u00a0", "\u00a0"]


def test_row_spacing_is_dropped_but_a_bracket_after_a_row_break_is_kept() -> None:
    body = convert(r"\begin{bmatrix} a \\[2pt] b \\ [x] \end{bmatrix}")
    (table,) = find_all(body, "mtable")
    assert [texts(row) for row in table] == ["a", "b", "[x]"]


def test_substack_does_not_swallow_what_follows() -> None:
    body = convert(r"\sum_{\substack{i<j \\ k}} x")
    (under,) = find_all(body, "munder")
    assert mtable_shape(find_all(under, "mtable")[0]) == [1, 1]
    assert texts(body[-1]) == "x" and local(body[-1]) == "mi"


@pytest.mark.parametrize("environment", ["align", "align*", "aligned", "split"])
def test_align_family_is_a_right_left_table(environment: str) -> None:
    body = convert(rf"\begin{{{environment}}} a &= b \\ c &= d \end{{{environment}}}")
    (table,) = find_all(body, "mtable")
    assert mtable_shape(table) == [2, 2]
    assert "(1)" not in texts(body)  # no automatic equation numbers


def test_gathered_is_a_centred_column() -> None:
    body = convert(r"\begin{gathered} a = b \\ c \end{gathered}")
    (table,) = find_all(body, "mtable")
    assert mtable_shape(table) == [1, 1]


def test_label_nonumber_and_notag_are_dropped() -> None:
    body = convert(r"\label{eq:a} x \nonumber + y \notag")
    assert texts(body) == "x+y"


def test_escaped_dollar_is_a_dollar_sign() -> None:
    assert texts(convert(r"\$5")) == "$5"


# -- \tag ------------------------------------------------------------------------------------

def test_tag_is_returned_as_a_span_after_the_math() -> None:
    mathml = tex_to_mathml(r"E = mc^2 \tag{3}", display=True)
    assert mathml.endswith('</math><span class="math-tag">(3)</span>')
    assert "(3)" not in texts(content(parse(mathml)))
    assert r"\tag{3}" in texts(parse(mathml))  # the annotation keeps the source


def test_starred_tag_has_no_parentheses() -> None:
    assert tex_to_mathml(r"x \tag*{A.1}", display=True).endswith(
        '<span class="math-tag">A.1</span>')


def test_tag_in_inline_math_is_an_error() -> None:
    with pytest.raises(MathError, match="display math"):
        tex_to_mathml(r"x \tag{1}", display=False)


# -- the output envelope -------------------------------------------------------------------

def test_envelope_has_namespace_display_and_escaped_annotation() -> None:
    tex = "a < b \\\\\n c & d"
    mathml = tex_to_mathml(r"\begin{aligned}" + tex + r"\end{aligned}", display=True)
    assert mathml.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" '
                             'display="block"><semantics><mrow>')
    assert mathml.endswith("</annotation></semantics></math>")
    assert "a &lt; b \\\\&#10; c &amp; d" in mathml
    annotation = parse(mathml)[0][1]
    assert annotation.text == r"\begin{aligned}" + tex + r"\end{aligned}"


def test_inline_display_attribute() -> None:
    assert tex_to_mathml("x", display=False).startswith(
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')


def test_output_is_deterministic_and_memoised() -> None:
    tex = SHAPLEY + r" + \operatorname{arg\,min}_w"
    first = tex_to_mathml(tex, display=True)
    hits = tex_to_mathml.cache_info().hits
    assert tex_to_mathml(tex, display=True) is first
    assert tex_to_mathml.cache_info().hits == hits + 1
    assert tex_to_mathml.__wrapped__(tex, display=True) == first


# -- bad input -------------------------------------------------------------------------------

BAD = [
    # tex, message fragment, offset, hint fragment
    (r"\frac{1}{", "unclosed {", 8, "}"),
    (r"x^{2", "unclosed {", 2, "}"),
    (r"\left( x", r"\left has no matching \right", 0, r"\right"),
    (r"\begin{foo} x \end{foo}", "unknown environment foo", 0, "aligned"),
    (r"\begin{alligned} x \end{alligned}", "unknown environment alligned", 0, "aligned"),
    (r"\notacommand x", r"unknown command \notacommand", 0, r"\operatorname"),
    (r"\fracc{a}{b}", r"unknown command \fracc", 0, r"did you mean \frac?"),
    (r"a + \alpah", r"unknown command \alpah", 4, r"\alpha"),
    ("}", "unmatched }", 0, r"\}"),
    ("a $ b", "unescaped $", 2, r"\$"),
    (r"\frac{1}", r"\frac is missing an argument", 0, r"\frac{…}{…}"),
    ("x^", "^ has no superscript", 1, "x^{2}"),
    ("x_{a}_", "_ has no subscript", 5, None),
    ("x^a^b", "double superscript", None, "braces"),
    (r"\begin{aligned} a \end{array}", r"\end{array} does not match \begin{aligned}", 18,
     r"\end{aligned}"),
    ("{a & b}", "& outside a table", 3, r"\&"),
    ("a & b", "& outside a table", 2, r"\&"),
    (r"\left( a \\ b \right)", r"\left and \right", 0, None),
    (r"\hspace{xx}", "length", 0, None),
    (r"\color{red!50}{x}", "unsupported colour", 7, None),
    (r"\begin{array}{p{2cm}} a \end{array}", "column spec", 14, None),
    (r"\newcommand{\R}{x}", "macro definitions", 0, None),
    (r"\big x", r"\big must be followed by a delimiter", 0, None),
    (r"\left x \right)", r"\left needs a delimiter", 0, r"\left."),
    (r"\hat", r"\hat is missing an argument", 0, None),
    (r"\sqrt[3]", r"\sqrt is missing an argument", 0, None),
    (r"\text{a $b}", "unclosed $", 8, None),
    (r"\text{\alpha}", r"\alpha cannot be used inside text", 6, "$"),
    (r"\right)", r"\right without a matching \left", 0, None),
    (r"\end{aligned}", r"\end{aligned} without", 0, None),
    (r"\begin{aligned} a", r"\begin{aligned} is never closed", 0, None),
    ("\\", "lone backslash", 0, None),
    (r"a \' b", r"\' is not valid in math", 2, None),
    (r"\colorbox{red}{x}", r"\colorbox is not supported", 0, None),
    ("", "empty formula", 0, None),
    (r"\label{x}", "empty formula", 0, None),
]


@pytest.mark.parametrize(("tex", "message", "offset", "hint"), BAD,
                         ids=[case[0] or "empty" for case in BAD])
def test_bad_input_is_a_located_math_error(tex: str, message: str, offset: int | None,
                                           hint: str | None) -> None:
    with pytest.raises(MathError) as caught:
        tex_to_mathml(tex, display=True)
    problem = caught.value
    assert message in problem.message
    assert problem.offset == offset
    if hint is not None:
        assert problem.hint is not None and hint in problem.hint
    assert str(problem) == problem.message


def test_offset_points_at_the_culprit_on_a_later_line() -> None:
    tex = "a &= b \\\\\n c &= \\fracc{1}{2}"
    with pytest.raises(MathError) as caught:
        tex_to_mathml(r"\begin{aligned}" + tex + r"\end{aligned}", display=True)
    offset = caught.value.offset
    assert offset is not None
    assert (r"\begin{aligned}" + tex)[offset:].startswith(r"\fracc")


# -- never anything but MathML or MathError --------------------------------------------------

TEX_PIECES = st.sampled_from([
    "a", "x", "1", "2.5", "{", "}", "[", "]", "(", ")", "^", "_", "&", "$", "#", "%", "~", "'",
    "|", ",", ".", "<", ">", "=", "+", "-", " ", "\n", "\\", "\\\\", r"\frac", r"\left",
    r"\right", r"\middle", r"\begin{aligned}", r"\end{aligned}", r"\begin{cases}",
    r"\end{cases}", r"\begin{array}{cc}", r"\end{array}", r"\text{", r"\color{red}",
    r"\sqrt", r"\big", r"\Bigl", r"\operatorname*{", r"\mathop", r"\limits", r"\alpha",
    r"\sum", r"\tag{", r"\label{", r"\over", r"\not", r"\scriptstyle", r"\hat", r"\mathbf{",
    r"\overbrace", r"\underset", r"\xrightarrow[", r"\substack{", r"\hline", r"\vert",
    r"\{", r"\}", r"\$", r"\,", r"\arg", r"\max", r"\hspace{", "em", r"\notacommand",
    r"\textbackslash", r"\dots", r"\\[2pt]", r"\pmatrix{", r"\sim", r"\log",
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEX_PIECES, min_size=1, max_size=14).map("".join), st.booleans())
def test_tex_ish_input_gives_clean_mathml_or_math_error(tex: str, display: bool) -> None:
    try:
        mathml = tex_to_mathml.__wrapped__(tex, display=display)
    except MathError as problem:
        assert problem.message
        assert problem.offset is None or 0 <= problem.offset <= len(tex)
        return
    assert_clean(mathml, tex)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.booleans())
def test_any_text_gives_mathml_or_math_error(tex: str, display: bool) -> None:
    with contextlib.suppress(MathError):
        assert_clean(tex_to_mathml.__wrapped__(tex, display=display), tex)


# -- what browsers need (MathML Core) ----------------------------------------------------------

def cell_styles(table: ElementTree.Element) -> list[list[str]]:
    return [[cell.get("style") or "" for cell in row] for row in table]


def test_aligned_columns_align_by_css_with_no_gap_at_the_alignment_point() -> None:
    body = convert(r"\begin{aligned} a &= b + c \\ xxxxxx &= y \end{aligned}")
    (table,) = find_all(body, "mtable")
    for right, left in cell_styles(table):
        assert "text-align:-webkit-right" in right and "padding-right:0" in right
        assert "text-align:-webkit-left" in left and "padding-left:0" in left
    assert [cell.get("columnalign") for cell in table[0]] == ["right", "left"]  # kept


def test_aligned_pairs_are_set_apart_by_the_column_spacing() -> None:
    body = convert(r"\begin{aligned} a &= b & c &= d \end{aligned}")
    (styles,) = cell_styles(find_all(body, "mtable")[0])
    assert "padding-right:1em" in styles[1] and "padding-left:1em" in styles[2]


def test_array_columns_keep_their_alignment_as_css() -> None:
    body = convert(r"\begin{array}{lcr} a & b & c \\ aaa & bbb & ccc \end{array}")
    styles = cell_styles(find_all(body, "mtable")[0])
    assert "-webkit-left" in styles[0][0] and styles[0][1] == "" and "-webkit-right" in styles[0][2]


def test_a_row_ending_in_an_empty_cell_is_kept() -> None:
    body = convert(r"\begin{array}{cc} a & b \\ c & \end{array}")
    assert mtable_shape(find_all(body, "mtable")[0]) == [2, 2]
    body = convert(r"\begin{aligned} a &= b & \end{aligned}")
    assert mtable_shape(find_all(body, "mtable")[0]) == [3]
    assert texts(body) == "a=b"


def test_a_final_line_break_adds_no_row() -> None:
    body = convert(r"\begin{aligned} a &= b \\ c &= d \\ \end{aligned}")
    assert mtable_shape(find_all(body, "mtable")[0]) == [2, 2]


@pytest.mark.parametrize("environment", ["cases", "bmatrix", "pmatrix", "aligned"])
def test_a_bracket_opening_the_first_cell_is_content_not_an_option(environment: str) -> None:
    body = convert(rf"\begin{{{environment}}}[x] & y \\ z & w\end{{{environment}}}")
    table = find_all(body, "mtable")[0]
    assert mtable_shape(table) == [2, 2]
    assert texts(table[0][0]) == "[x]"


def test_starred_matrices_take_an_alignment_and_keep_their_delimiters() -> None:
    body = convert(r"\begin{pmatrix*}[r] 1 & -1 \\ 10 & 1 \end{pmatrix*}")
    assert [local(child) for child in body] == ["mo", "mtable", "mo"]
    assert (body[0].text, body[2].text) == ("(", ")")
    assert {cell.get("columnalign") for row in body[1] for cell in row} == {"right"}


@pytest.mark.parametrize("tex", [r"\Sigma", r"\Gamma", r"\Omega", "\u0394"])
def test_capital_greek_is_upright(tex: str) -> None:
    (letter,) = list(convert(tex))
    assert letter.get("mathvariant") == "normal"


def test_lowercase_greek_stays_italic() -> None:
    (letter,) = list(convert(r"\sigma"))
    assert letter.get("mathvariant") is None


def test_a_period_is_no_operator() -> None:
    (_, period) = list(convert("b."))
    assert (period.get("lspace"), period.get("rspace")) == ("0", "0")
    assert texts(convert("2.5")) == "2.5" and local(convert("2.5")[0]) == "mn"


def test_a_colon_is_a_relation_and_colon_is_punctuation() -> None:
    (_, colon, _) = list(convert("k: A"))
    assert local(colon) == "mo" and colon.get("lspace") == colon.get("rspace") == "0.2778em"
    (_, punct, *_rest) = list(convert(r"f\colon X \to Y"))
    assert (punct.get("lspace"), punct.get("rspace")) == ("0", "0.3333em")


def test_colon_equals_touch() -> None:
    (_, colon, equals, _) = list(convert("x := y"))
    assert colon.get("rspace") == "0" and equals.get("lspace") == "0"


@pytest.mark.parametrize(("tex", "dots"), [(r"x + \dots = y", "⋯"), (r"x_1 + \dots + x_n", "⋯"),
                                           (r"x_1, \dots, x_n", "…"), (r"(1, \dots)", "…"),
                                           (r"a \dots", "…"), (r"\int \dots \int", "⋯")])
def test_dots_follow_what_comes_next_as_amsmath_does(tex: str, dots: str) -> None:
    assert dots in texts(convert(tex))


def test_a_top_level_line_break_makes_one_centred_line_per_row() -> None:
    body = convert(r"a = b \\ c = d \\ e")
    (table,) = find_all(body, "mtable")
    assert [texts(row) for row in table] == ["a=b", "c=d", "e"]
    inline = convert(r"a \\ b", display=False)
    assert not find_all(inline, "mtable")


def test_line_breaks_inside_an_environment_stay_its_rows() -> None:
    body = convert(r"\begin{cases} a \\ b \end{cases} \quad x")
    assert len(find_all(body, "mtable")) == 1


@pytest.mark.parametrize(("tex", "spaces"), [(r"a \mathrel{\#} b", ("0.2778em", "0.2778em")),
                                             (r"a \mathbin{\#} b", ("0.2222em", "0.2222em")),
                                             (r"a \mathpunct{;} b", ("0", "0.1667em"))])
def test_math_class_commands_space_a_symbol_as_that_class(tex: str, spaces) -> None:
    (symbol,) = [mo for mo in find_all(convert(tex), "mo")]
    assert (symbol.get("lspace"), symbol.get("rspace")) == spaces


def test_math_class_commands_around_a_construct_keep_it() -> None:
    body = convert(r"a \mathrel{\overset{\text{def}}{=}} b")
    assert find_all(body, "mover") and [s.get("width") for s in find_all(body, "mspace")] == [
        "0.278em", "0.278em"]


def test_a_slash_is_no_operator() -> None:
    (_, slash, _) = list(convert("1/n"))
    assert slash.text == "/" and (slash.get("lspace"), slash.get("rspace")) == ("0", "0")
