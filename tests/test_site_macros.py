"""The site's macros.tex: TeX macros for every post, read once, part of the render key."""

from __future__ import annotations

from pathlib import Path

from distillgen.build import build
from distillgen.config import load_config
from distillgen.errors import DistillgenError

MACROS = "% macros for every post\n\\newcommand{\\R}{\\mathbb{R}}\n" \
         "\\DeclareMathOperator*{\\argmax}{arg\\,max}\n"


def make_site(root: Path, body: str = "We have $x \\in \\R$.", macros: str | None = MACROS,
              config: str = "") -> Path:
    (root / "content" / "blog").mkdir(parents=True)
    (root / "distillgen.toml").write_text(config, "utf-8")
    (root / "content" / "blog" / "post.md").write_text(
        f"---\ntitle: P\npubDate: 2024-01-01\n---\n\n{body}\n", "utf-8")
    if macros is not None:
        (root / "macros.tex").write_text(macros, "utf-8")
    return root


def page(root: Path) -> str:
    return (root / "site" / "blog" / "post" / "index.html").read_text("utf-8")


def test_the_default_macros_file_is_read_when_it_exists(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s")
    assert load_config(root).macros == "macros.tex"
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    assert "<mi>ℝ</mi>" in page(root)


def test_no_macros_file_is_fine(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s", body="Plain $x$.", macros=None)
    assert not build(root).failed


def test_the_key_names_another_file_inside_the_site(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s", macros=None, config='macros = "tex/defs.tex"\n')
    (root / "tex").mkdir()
    (root / "tex" / "defs.tex").write_text(MACROS, "utf-8")
    assert not build(root).failed
    assert "<mi>ℝ</mi>" in page(root)
    (root / "distillgen.toml").write_text('macros = "../defs.tex"\n', "utf-8")
    try:
        load_config(root)
    except DistillgenError as problem:
        assert problem.diagnostics[0].code == "bad-config"
    else:
        raise AssertionError("a macros file outside the site was accepted")


def test_a_broken_macros_file_is_located_and_writes_nothing(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s",
                     macros="\\newcommand{\\R}{\\mathbb{R}}\n\\newcommand{\\f}[x]{y}\n")
    result = build(root)
    assert result.failed and not (root / "site").exists()
    (problem,) = [d for d in result.diagnostics if d.code == "bad-macros"]
    assert str(problem.location) == "macros.tex:2:1"


def test_a_post_redefining_a_site_macro_is_told_where_it_was_defined(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s", body="$$\n\\newcommand{\\R}{\\mathbf{R}}\n$$\n")
    result = build(root)
    (problem,) = [d for d in result.diagnostics if d.is_error]
    assert problem.code == "bad-math" and "macros.tex:2" in problem.message
    assert problem.location.line == 7


def test_editing_the_macros_file_renders_the_posts_again(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s")
    assert not build(root).failed
    (root / "macros.tex").write_text(MACROS.replace("\\mathbb{R}", "\\mathbf{R}"), "utf-8")
    result = build(root)
    assert not result.failed and result.stats["rendered"] == 1
    assert "<mi>𝐑</mi>" in page(root)
