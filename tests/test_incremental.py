"""The incremental cache never shows stale output: after any edit, a warm build gives exactly
what a cold build of the same input gives, and it re-renders only what the edit touches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from distillgen.build import build
from distillgen.parallel import MIN_POSTS_FOR_POOL

BIB = """@article{alpha, author = {Ada Alpha}, title = {First Title}, journal = {J}, year = {2020}}
@article{beta, author = {Bo Beta}, title = {Second Title}, journal = {J}, year = {2021}}
"""


def post(title: str, date: str, body: str, tags: str = "[t]") -> str:
    return f"---\ntitle: {title}\npubDate: {date}\ntags: {tags}\n---\n\n{body}\n"


def make_site(root: Path, count: int = 30) -> None:
    (root / "content" / "blog").mkdir(parents=True)
    (root / "references.bib").write_text(BIB, "utf-8")
    (root / "distillgen.toml").write_text('title = "T"\nfeed_limit = 5\n', "utf-8")
    for i in range(count):
        cite = "[@alpha]" if i % 2 else "[@beta]"
        (root / "content" / "blog" / f"p{i:02}.md").write_text(
            post(f"Post {i}", f"2024-{1 + i // 28:02}-{1 + i % 28:02}",
                 f"Text {i} {cite} and $x_{i}$."), "utf-8")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cold_copy(root: Path, tmp: Path) -> dict[str, bytes]:
    """What a build with no cache at all makes of the same input."""
    fresh = tmp / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("site", ".distillgen-cache"))
    result = build(fresh, workers=1)
    assert not result.failed
    return files(fresh / "site")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    make_site(root)
    assert not build(root).failed
    return root


EDITS = {
    "post text": lambda r: (r / "content/blog/p03.md").write_text(
        post("Post 3", "2024-01-04", "Changed text [@alpha]."), "utf-8"),
    "bib entry title": lambda r: (r / "references.bib").write_text(
        BIB.replace("First Title", "Renamed Title"), "utf-8"),
    "template": lambda r: ((r / "templates").mkdir(), (r / "templates" / "post.html").write_text(
        '{% extends "theme/post.html" %}{% block title %}X {{ meta.title }}{% endblock %}',
        "utf-8")),
    "config title": lambda r: (r / "distillgen.toml").write_text(
        'title = "Other"\nfeed_limit = 5\n', "utf-8"),
    "new newest post enters the feed": lambda r: (r / "content/blog/new.md").write_text(
        post("Newest", "2025-01-01", "New [@beta]."), "utf-8"),
    "post becomes a draft": lambda r: (r / "content/blog/p29.md").write_text(
        post("Post 29", "2024-02-02", "Hidden.") .replace("tags: [t]", "tags: [t]\ndraft: true"),
        "utf-8"),
    "old post dated newest": lambda r: (r / "content/blog/p00.md").write_text(
        post("Post 0", "2026-01-01", "Text 0 [@beta] and $x_0$."), "utf-8"),
    "tag renamed": lambda r: (r / "content/blog/p01.md").write_text(
        post("Post 1", "2024-01-02", "Text 1 [@alpha] and $x_1$.", tags="[u]"), "utf-8"),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_warm_build_after_an_edit_equals_a_cold_build(site: Path, tmp_path: Path, edit: str):
    EDITS[edit](site)
    result = build(site)
    assert not result.failed, [d.format() for d in result.diagnostics]
    assert files(site / "site") == cold_copy(site, tmp_path)


def test_only_the_posts_citing_an_edited_entry_render_again(site: Path):
    (site / "references.bib").write_text(BIB.replace("First Title", "Renamed"), "utf-8")
    result = build(site)
    assert result.stats["rendered"] == 15  # the odd posts cite alpha
    assert result.stats["cached"] == 15


def test_a_template_edit_reruns_templates_not_markdown(site: Path):
    EDITS["template"](site)
    result = build(site)
    assert result.stats["rendered"] == 0
    assert result.stats["pages"] == 30
    assert "<title>X Post 3" in (site / "site/blog/p03/index.html").read_text("utf-8")


def test_no_change_build_touches_nothing(site: Path):
    before = {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")}
    result = build(site)
    assert result.stats.get("unchanged") is True
    assert {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")} == before


def test_a_hand_edited_output_file_is_rebuilt(site: Path):
    page = site / "site" / "blog" / "p03" / "index.html"
    good = page.read_bytes()
    page.write_bytes(b"vandalised")
    result = build(site)
    assert not result.stats.get("unchanged")
    assert page.read_bytes() == good


def test_one_worker_and_many_give_the_same_site(tmp_path: Path):
    one, many, posts = tmp_path / "one", tmp_path / "many", 60
    assert posts >= MIN_POSTS_FOR_POOL  # or two workers would be none
    make_site(one, posts)
    make_site(many, posts)
    assert not build(one, workers=1, use_cache=False).failed
    assert not build(many, workers=2).failed
    assert files(one / "site") == files(many / "site")
