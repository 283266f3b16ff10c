"""Cross-references of every kind: the resolver renders any target in RenderState.targets,
whichever plugin registered it (figures, tables, sections and theorems register theirs while
the post is parsed, as equations do)."""

from __future__ import annotations

import pytest
from markdown_it.rules_core import StateCore

from distillgen.errors import SourceLocation
from distillgen.markdown import make_markdown
from distillgen.markdown.crossref import is_reference_key, register_target
from distillgen.markdown.state import RenderState
from distillgen.markdown.targets import KIND_NAMES, Target

TARGETS = [
    Target("fig", "fig-lattice", "fig-lattice", "1", 3,
           '<figure><img src="l.png" alt="A lattice" id="img-1"><figcaption>Figure 1: A lattice'
           "</figcaption></figure>"),
    Target("tbl", "tbl-runs", "tbl-runs", "2", 4, "<p>Table 2: Runs</p>"),
    Target("sec", "sec-method", "sec-method", "3.1", 5, "<p>The method</p>"),
    Target("thm", "thm-main", "thm-main", "1", 6,
           '<div class="theorem"><p><strong>Theorem 1</strong> All is well.</p></div>'),
    Target("lem", "lem-aux", "lem-aux", "4", 7, ""),
]


def render(markdown: str, targets=TARGETS) -> tuple[str, RenderState]:
    """Render with targets registered as another plugin would, during parsing."""
    md = make_markdown()

    def register(state: StateCore) -> None:
        render_state = state.env["dg"]
        for target in targets:
            register_target(render_state, target, SourceLocation("p.md", target.line))

    md.core.ruler.after("inline", "test_targets", register)
    state = RenderState(source_path="p.md")
    return md.render(markdown, {"dg": state}), state


@pytest.mark.parametrize(("written", "text"), [
    ("@fig-lattice", "Figure\u00a01"), ("@Fig-lattice", "Figure\u00a01"),
    ("[@tbl-runs]", "Table\u00a02"), ("[-@sec-method]", "3.1"), ("@sec-method", "Section\u00a03.1"),
    ("@thm-main", "Theorem\u00a01"), ("[Thm. @thm-main]", "Thm.\u00a01"),
    ("@lem-aux", "Lemma\u00a04"), ("[@fig-lattice, left]", "Figure\u00a01, left"),
    (r"\ref{fig-lattice}", "1"),
])
def test_every_kind_renders_its_name_and_number(written: str, text: str) -> None:
    html, state = render(f"See {written}.")
    assert f">{text}</a>" in html
    assert not state.diagnostics


def test_a_card_previews_the_target_without_its_ids() -> None:
    html, _ = render("See @fig-lattice.")
    card = html[html.index('<span class="xref-card"'):]
    # Phrasing content only: the card sits inside a paragraph.
    assert '<span class="xref-block xref-figcaption">Figure 1: A lattice</span>' in card
    assert "<figure" not in card and "<p>" not in card
    assert 'id="img-1"' not in card and 'id="xref-card-1"' in card
    assert '<span class="xref-card-title">Figure\u00a01</span>' in card


def test_block_elements_of_a_preview_become_spans_keeping_their_classes() -> None:
    html, _ = render("See @thm-main.")
    assert ('<span class="xref-block xref-div theorem"><span class="xref-block xref-p">'
            "<strong>Theorem 1</strong> All is well.</span></span>") in html


def test_a_target_without_a_preview_is_a_plain_link() -> None:
    html, _ = render("See @lem-aux.")
    assert '<a class="xref-link" href="#lem-aux">Lemma\u00a04</a>' in html
    assert "xref-card" not in html


def test_a_preview_rendered_after_the_reference_is_used() -> None:
    """A target whose preview is filled in while it renders, after the reference."""
    late = Target("fig", "fig-late", "fig-late", "9", 1)
    md = make_markdown()

    def register(state: StateCore) -> None:
        register_target(state.env["dg"], late, SourceLocation("p.md", 1))

    def render_heading(self, tokens, idx, options, env) -> str:
        late.preview_html = "<p>The late caption</p>"
        return "<h2>"

    md.core.ruler.after("inline", "test_targets", register)
    md.add_render_rule("heading_open", render_heading)
    html = md.render("See @fig-late.\n\n## After\n", {"dg": RenderState(source_path="p.md")})
    assert "The late caption" in html[:html.index("<h2>")]


def test_an_unknown_label_of_any_kind_is_located_with_a_did_you_mean() -> None:
    _, state = render("See @fig-latice and [-@tbl-run].")
    assert [(d.code, str(d.location), d.hint) for d in state.diagnostics] == [
        ("unknown-reference", "p.md:1:5", "did you mean `fig-lattice`?"),
        ("unknown-reference", "p.md:1:23", "did you mean `tbl-runs`?")]


def test_a_label_registered_twice_is_a_duplicate() -> None:
    _, state = render("Text.", targets=[*TARGETS, Target("fig", "fig-lattice", "x", "2", 9)])
    (problem,) = state.diagnostics
    assert problem.code == "duplicate-label" and "line 3" in problem.message
    assert str(problem.location) == "p.md:9:1"


@pytest.mark.parametrize("key", [f"{kind}-x" for kind in KIND_NAMES] +
                         [f"{kind.capitalize()}-x" for kind in KIND_NAMES])
def test_keys_with_a_kind_prefix_are_cross_references(key: str) -> None:
    assert is_reference_key(key)


@pytest.mark.parametrize("key", ["smith2020", "figure", "fig-", "FIG-x", "eqx", "secret-x"])
def test_other_keys_are_citations(key: str) -> None:
    assert not is_reference_key(key)


def test_a_reference_in_a_heading_is_plain_text_in_the_table_of_contents() -> None:
    from distillgen.markdown.headings import table_of_contents

    md = make_markdown()

    def register(state: StateCore) -> None:
        for target in TARGETS:
            register_target(state.env["dg"], target, SourceLocation("p.md", 1))

    md.core.ruler.after("inline", "test_targets", register)
    env = {"dg": RenderState(source_path="p.md")}
    tokens = md.parse("## Proof of @thm-main\n", env)
    body = md.renderer.render(tokens, md.options, env)
    (entry,) = table_of_contents(md, tokens, env)
    assert entry.html == "Proof of Theorem\u00a01"
    assert 'class="xref-link"' in body


def test_the_feed_copy_has_plain_links() -> None:
    md = make_markdown()
    state = RenderState(source_path="p.md", for_feed=True)
    html = md.render("$$\nx \\label{x}\n$$\n\nSee \\eqref{x}.\n", {"dg": state})
    assert '<a class="xref-link" href="#eq-x">(1)</a>' in html and "xref-card" not in html
