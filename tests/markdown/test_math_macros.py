"""TeX macros: definitions in force from where they are written, expanded before conversion,
and located errors for what cannot work."""

from __future__ import annotations

import pytest

from distillgen.markdown.math import MathError, tex_to_mathml
from distillgen.markdown.math.macros import Macro, expand, parse_definitions


def where(offset: int) -> str:
    return f"post.md:{offset}"


def run(*formulas: str, macros: dict[str, Macro] | None = None) -> list[str]:
    """Each formula expanded in turn, definitions carrying over as in a post."""
    table = {} if macros is None else macros
    return [expand(tex, table, where).tex.strip() for tex in formulas]


def test_definitions_apply_to_later_formulas_and_show_nothing() -> None:
    table: dict[str, Macro] = {}
    definitions = expand(r"\newcommand{\R}{\mathbb{R}} \newcommand\norm[1]{\lVert #1 \rVert}",
                         table, where)
    assert definitions.only_definitions
    assert run(r"x \in \R^n, \norm{x}_2", macros=table) == [
        r"x \in \mathbb{R}^n, \lVert x \rVert_2"]


def test_a_definition_applies_in_its_own_formula() -> None:
    assert run(r"\newcommand{\half}{\frac12} \half x") == [r"\frac12 x"]


@pytest.mark.parametrize(("definition", "use", "expanded"), [
    (r"\newcommand{\f}[2][1]{#1/#2}", r"\f{a} + \f[b]{c}", "1/a + b/c"),
    (r"\newcommand*{\g}[2]{#1+#2}", r"\g xy", "x+y"),
    (r"\def\h#1#2{#1^#2}", r"\h{\alpha}b", r"\alpha^b"),
    (r"\providecommand{\p}{P}", r"\p", "P"),
    (r"\DeclareMathOperator{\Tr}{Tr}", r"\Tr A", r"\operatorname{Tr} A"),
    (r"\DeclareMathOperator*{\esssup}{ess\,sup}", r"\esssup_x", r"\operatorname*{ess\,sup}_x"),
    (r"\newcommand{\set}[1]{\{#1\}}", r"\set{\set{a}}", r"\{\{a\}\}"),
    (r"\newcommand{\sharpsign}{##}", r"\sharpsign", "#"),
])
def test_definition_forms(definition: str, use: str, expanded: str) -> None:
    assert run(definition, use)[1] == expanded


def test_a_control_word_does_not_run_into_the_letter_after_it() -> None:
    assert run(r"\newcommand{\a}{\alpha}", r"\a x") == ["", r"\alpha x"]
    assert run(r"\newcommand{\b}[1]{\beta#1}", r"\b x")[1] == r"\beta x"


def test_renewcommand_replaces_a_macro_and_a_built_in() -> None:
    assert run(r"\newcommand{\R}{A}", r"\renewcommand{\R}{B}", r"\R") == ["", "", "B"]
    assert run(r"\renewcommand{\vec}[1]{\mathbf{#1}}", r"\vec{v}")[1] == r"\mathbf{v}"


def test_providecommand_never_replaces() -> None:
    assert run(r"\newcommand{\R}{A}", r"\providecommand{\R}{B}", r"\R") == ["", "", "A"]
    assert run(r"\providecommand{\alpha}{B}", r"\alpha")[1] == r"\alpha"


def test_require_loads_nothing_and_shows_nothing() -> None:
    assert expand(r"\require{mhchem}", {}, where).only_definitions


def test_the_same_definition_twice_is_harmless() -> None:
    assert run(r"\newcommand{\R}{\mathbb{R}}", r"\newcommand{\R}{\mathbb{R}}", r"\R")[2] == \
        r"\mathbb{R}"


def test_defining_a_built_in_with_its_own_meaning_is_accepted() -> None:
    # \argmax is no LaTeX command; \lVert … is: the definition means what it already does.
    assert run(r"\DeclareMathOperator*{\argmax}{arg\,max}", r"\argmax_x")[1] == \
        r"\operatorname*{arg\,max}_x"
    assert run(r"\newcommand{\to}{\rightarrow}", r"a \to b") == ["", r"a \rightarrow b"]


BAD = [
    # formulas, message, offset in the last formula, hint fragment
    ((r"\newcommand{\f}[2]{#1#2}", r"x + \f{a}"), r"\f takes 2 arguments, but only 1 is given",
     4, "defined at post.md:0"),
    ((r"\newcommand{\loop}{x\loop}", r"a \loop"), r"\loop never stops expanding", 2,
     "definition at post.md:0 uses itself"),
    ((r"\newcommand{\a}{\b} \newcommand{\b}{\a}", r"\a"), r"\a never stops expanding", 0, None),
    ((r"x \newcommand{\vec}[1]{\underline{#1}}",), r"redefines the built-in command \vec", 2,
     r"\renewcommand{\vec}"),
    ((r"\newcommand{\R}{A}", r"\newcommand{\R}{B}"), r"\R is already defined at post.md:0", 0,
     r"\renewcommand{\R}"),
    ((r"\newcommand{R}{x}",), r"\newcommand needs the name of a command", 0, None),
    ((r"\newcommand{\x}[a]{x}",), "from 0 to 9", 0, None),
    ((r"\newcommand{\x}",), r"has no definition", 0, None),
    ((r"\def\x#1.{x}",), "delimited parameters", 0, None),
    ((r"\newcommand{\f}[2][d]{#1#2}", r"\f[a"), r"optional argument of \f is not closed", 2,
     None),
]


@pytest.mark.parametrize(("formulas", "message", "offset", "hint"), BAD,
                         ids=[case[1][:40] for case in BAD])
def test_mistakes_are_located_errors(formulas, message, offset, hint) -> None:
    table: dict[str, Macro] = {}
    *before, last = formulas
    for tex in before:
        expand(tex, table, where)
    with pytest.raises(MathError) as caught:
        expand(last, table, where)
    assert message in caught.value.message
    assert caught.value.offset == offset
    if hint:
        assert hint in caught.value.hint


def test_an_error_inside_an_argument_points_into_the_argument() -> None:
    table: dict[str, Macro] = {}
    expand(r"\newcommand{\wrap}[1]{\left( #1 \right)}", table, where)
    expansion = expand(r"a + \wrap{\fracc{1}{2}}", table, where)
    with pytest.raises(MathError) as caught:
        tex_to_mathml(expansion.tex, display=True)
    assert expansion.original_offset(caught.value.offset) == r"a + \wrap{\fracc{1}{2}}".index(
        r"\fracc")


def test_an_error_in_a_macro_body_points_at_its_use() -> None:
    table: dict[str, Macro] = {}
    expand(r"\newcommand{\bad}{\fracc{1}{2}}", table, where)
    expansion = expand(r"a + \bad", table, where)
    with pytest.raises(MathError) as caught:
        tex_to_mathml(expansion.tex, display=True)
    assert expansion.original_offset(caught.value.offset) == 4


def test_a_macros_file_holds_definitions_only() -> None:
    macros = parse_definitions("% site macros\n\\newcommand{\\R}{\\mathbb{R}}\n"
                               "\\DeclareMathOperator{\\Var}{Var}\n", "macros.tex")
    assert set(macros) == {r"\R", r"\Var"}
    assert macros[r"\Var"].where == "macros.tex:3"
    with pytest.raises(MathError) as caught:
        parse_definitions("\\newcommand{\\R}{x}\n  x + y\n", "macros.tex")
    assert caught.value.offset == "\\newcommand{\\R}{x}\n  ".__len__()


def test_a_post_may_redefine_a_site_macro_only_with_renewcommand() -> None:
    site = parse_definitions(r"\newcommand{\R}{\mathbb{R}}", "macros.tex")
    with pytest.raises(MathError, match="already defined at macros.tex:1"):
        expand(r"\newcommand{\R}{\mathbf{R}}", dict(site), where)
    assert run(r"\renewcommand{\R}{\mathbf{R}}", r"\R", macros=dict(site))[1] == r"\mathbf{R}"


def test_expansion_is_bounded() -> None:
    table: dict[str, Macro] = {}
    expand(r"\newcommand{\a}{xx}" + "".join(
        rf"\newcommand{{\{name}}}{{\{previous}\{previous}}}"
        for previous, name in zip("abcdefghijklmnop", "bcdefghijklmnopq", strict=True)),
        table, where)
    with pytest.raises(MathError, match="never stops expanding"):
        expand(r"\q", table, where)


def test_a_macro_expanding_to_too_much_stops() -> None:
    table: dict[str, Macro] = {}
    expand(r"\newcommand{\a}{" + "x" * 5000 + "}" + r"\newcommand{\b}{\a\a\a\a\a\a\a\a\a\a}"
           r"\newcommand{\c}{\b\b\b\b\b\b\b\b\b\b}", table, where)
    with pytest.raises(MathError, match="expands to more than"):
        expand(r"\c", table, where)
