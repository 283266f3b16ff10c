"""Real posts written for MathJax (see real_posts/README.md): macros and numbered equations
render as their authors meant, with no diagnostic."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path, PurePosixPath

from distillgen.model import Post, PostMeta
from distillgen.render import RenderContext, render_post

HERE = Path(__file__).parent / "real_posts"


def render(body: str):
    post = Post(source_path="content/blog/real.md",
                meta=PostMeta(title="Real", pub_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
                body=body, body_line_offset=0, url_path=PurePosixPath("blog/real"))
    return render_post(post, RenderContext())


def without_front_matter(text: str) -> str:
    return re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)


def test_al_folio_numbers_its_labelled_equation_environment() -> None:
    rendered = render(without_front_matter((HERE / "al-folio-math.md").read_text("utf-8"))
                      + "\nSee \\eqref{eq:cauchy-schwarz}.\n")
    assert rendered.diagnostics == ()
    assert '<div class="math-display" id="eq-cauchy-schwarz" tabindex="0">' in rendered.html
    assert '<span class="math-tag">(1)</span>' in rendered.html
    assert '<a class="xref-link" href="#eq-cauchy-schwarz"' in rendered.html
    assert rendered.html.count("<math") >= 4


def test_a_block_of_def_macros_shows_nothing_and_defines_them_for_the_post() -> None:
    definitions = (HERE / "bayesian-stats-tex-defs.md").read_text("utf-8")
    rendered = render(definitions + "\nThen $\\E[X] = \\int x \\, \\dd F(x)$, "
                      "$\\Var(X) = \\Cov(X, X)$ and $X \\sim \\Norm(0, 1)$.\n\n"
                      "$$\n\\ee^{x} = \\E[\\ee^{X}] \\quad X \\sim \\Uniform(0, 1)\n$$\n")
    assert rendered.diagnostics == ()
    html = rendered.html
    assert html.count("<math") == 4  # the fourteen definitions render nothing
    assert "<mo>E</mo>" in html and re.search("<mo[^>]*>Var</mo>", html) and "<mi>𝒩</mi>" in html
    assert "<p>\n" not in html  # the paragraph of inline definitions is gone
    assert not re.search(r"\\(E|Var|Cov|dd|ee|Norm|Uniform)\b", html.replace(
        "application/x-tex", ""))
