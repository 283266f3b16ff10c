"""What fixtures cannot show: the table of contents, registered targets, settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import PurePosixPath

import pytest

from distillgen.config import load_config
from distillgen.errors import DistillgenError
from distillgen.markdown import make_markdown
from distillgen.markdown.state import RenderState
from distillgen.model import Post, PostMeta
from distillgen.render import RenderContext, render_post
from distillgen.settings import default_render_settings


def _render(body: str, **settings):
    post = Post(source_path="content/blog/case.md",
                meta=PostMeta(title="Case", pub_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
                body=body, body_line_offset=0, url_path=PurePosixPath("blog/case"))
    chosen = dataclasses.replace(default_render_settings(), **settings)
    return render_post(post, RenderContext(settings=chosen, assets_on_disk={}))


def _targets(body: str) -> RenderState:
    md = make_markdown(lambda tex, display: "<math></math>")
    state = RenderState(source_path="content/blog/case.md", body_lines=body.split("\n"))
    env = {"dg": state, "dg_body_lines": body.split("\n")}
    md.parse(body, env)
    return state


def test_toc_lists_the_levels_a_post_uses():
    hashes = _render("# One\n\n## One.a\n\n### deep\n\n# Two\n")
    assert [(e.level, e.html) for e in hashes.toc] == [(2, "One"), (3, "One.a"), (2, "Two")]
    deeper = _render("### A\n\n#### B\n\n##### C\n")
    assert [(e.level, e.html) for e in deeper.toc] == [(3, "A"), (4, "B")]


def test_unlisted_and_appendix_headings_stay_out_of_the_toc():
    rendered = _render("## Shown\n\n## Hidden {.unlisted}\n\n## Thanks {.appendix}\n\nText.\n")
    assert [e.html for e in rendered.toc] == ["Shown"]
    assert "Thanks" in rendered.appendix_html and "Thanks" not in rendered.html


def test_targets_are_numbered_per_kind_in_document_order():
    state = _targets(
        "See @fig-b first.\n\n"
        "## Intro {#sec-intro}\n\n### Detail {#sec-detail}\n\n## Method {#sec-method}\n\n"
        "![A](a.png){#fig-a}\n\n![B](b.png)\n\n![C](c.png){#fig-b}\n\n"
        "::: {#thm-x}\nT.\n:::\n\n::: {#lem-y}\nL.\n:::\n\n::: {#thm-z}\nT2.\n:::\n\n"
        "| a |\n|---|\n| 1 |\n\n: Cap {#tbl-t}\n")
    found = {label: (t.kind, t.number, t.line) for label, t in state.targets.items()}
    assert found == {
        "sec-intro": ("sec", "1", 3), "sec-detail": ("sec", "1.1", 5),
        "sec-method": ("sec", "2", 7), "fig-a": ("fig", "1", 9), "fig-b": ("fig", "2", 13),
        "thm-x": ("thm", "1", 15), "lem-y": ("lem", "1", 19), "thm-z": ("thm", "2", 23),
        "tbl-t": ("tbl", "1", 27)}
    assert all(t.anchor == t.label for t in state.targets.values())


def test_previews_exist_before_the_body_renders():
    body = ("A reference comes first.\n\n"
            "::: {#thm-main name=\"Main\"}\nEvery $x$ is fine [@nokey].\n:::\n\n"
            "![A caption](https://example.org/a.png){#fig-a}\n\n"
            "| a |\n|---|\n| 1 |\n\n: The caption {#tbl-a}\n")
    rendered = _render(body)
    assert rendered.html.count("Theorem 1") == 1
    md = make_markdown(lambda tex, display, numbering: "<m/>")
    state = RenderState(source_path="content/blog/case.md", body_lines=body.split("\n"))
    env = {"dg": state, "dg_body_lines": body.split("\n")}
    tokens = md.parse(body, env)
    from distillgen.markdown.numbering import render_previews

    render_previews(md, tokens, env)
    assert "Every" in state.targets["thm-main"].preview_html
    assert "Theorem 1 (Main)." in state.targets["thm-main"].preview_html
    assert 'id="' not in state.targets["thm-main"].preview_html
    assert "<img" in state.targets["fig-a"].preview_html
    assert "The caption" in state.targets["tbl-a"].preview_html
    assert state.diagnostics == [] and state.cited == {}  # the preview pass leaves no trace


def test_duplicate_target_ids_are_a_duplicate_label():
    state = _targets("![A](a.png){#fig-a}\n\n![B](b.png){#fig-a}\n")
    assert [(d.code, d.is_error) for d in state.diagnostics] == [("duplicate-label", True)]
    assert state.diagnostics[0].location.line == 3


def test_smart_punctuation_can_be_turned_off():
    assert "“a” – b…" in _render('"a" -- b...\n').html
    assert '&quot;a&quot; -- b...' in _render('"a" -- b...\n', smart_punctuation=False).html


def test_smart_punctuation_setting(tmp_path):
    (tmp_path / "distillgen.toml").write_text("smart_punctuation = false\n")
    assert load_config(tmp_path).smart_punctuation is False
    (tmp_path / "distillgen.toml").write_text('smart_punctuation = "no"\n')
    with pytest.raises(DistillgenError) as problem:
        load_config(tmp_path)
    assert problem.value.diagnostics[0].code == "bad-config"
    (tmp_path / "distillgen.toml").write_text("smart = true\n")
    with pytest.raises(DistillgenError) as problem:
        load_config(tmp_path)
    assert "smart_punctuation" in (problem.value.diagnostics[0].hint or "")


def test_smart_punctuation_is_part_of_the_cache_key():
    from distillgen.cache.keys import post_digest, render_inputs, render_key

    post = Post(source_path="content/blog/case.md",
                meta=PostMeta(title="Case", pub_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
                body="x", body_line_offset=0, url_path=PurePosixPath("blog/case"))
    settings = default_render_settings()
    plain = dataclasses.replace(settings, smart_punctuation=False)
    assert render_key(post_digest(post), render_inputs(settings, {})) != \
        render_key(post_digest(post), render_inputs(plain, {}))
