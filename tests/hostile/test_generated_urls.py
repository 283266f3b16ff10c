"""A post (or a file it uses) never silently takes the place of a page the site generates:
its URL colliding with the tag index, a tag page, a feed or an asset is a located
``duplicate-url`` error, and the sitemap never lists a page twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillgen.build import build
from tests.hostile.sitekit import REPO, run_build, unlocated_lines, write_files

PNG = (REPO / "assets" / "images" / "saturation-heatmap.png").read_bytes()


def post(title: str, extra: str = "", body: str = "Text.") -> str:
    return f"---\ntitle: {title}\npubDate: 2024-01-01\n{extra}---\n{body}\n"


def _errors(root: Path) -> list[tuple[str, str, str]]:
    result = build(root)
    return [(d.code, str(d.location), d.message) for d in result.diagnostics if d.is_error]


BASE = {"content/blog/a.md": post("A", "tags: [python]\n")}


@pytest.mark.parametrize(("name", "message"), [
    ("content/tags.md", "`content/tags.md` would publish `tags/index.html`, which is the list "
                        "of tags"),
    ("content/tags/python.md", "`content/tags/python.md` would publish "
                               "`tags/python/index.html`, which is the page of the tag `python`"),
])
def test_a_post_at_the_url_of_a_generated_page_is_a_located_error(tmp_path: Path, name: str,
                                                                  message: str):
    root = write_files(tmp_path, {**BASE, name: post("Collides")})
    assert _errors(root) == [("duplicate-url", f"{name}:1:1", message)]
    assert not (root / "site").exists()


@pytest.mark.parametrize("folder", ["feed.xml", "404.html", "sitemap.xml", "robots.txt",
                                    "tags/python/feed.xml"])
def test_a_post_in_a_folder_named_like_a_generated_file_is_a_located_error(tmp_path: Path,
                                                                           folder: str):
    root = write_files(tmp_path, {**BASE, f"content/{folder}/p.md": post("P")})
    [(code, where, message)] = _errors(root)
    assert (code, where) == ("duplicate-url", f"content/{folder}/p.md:1:1")
    assert f"would publish `{folder}/p/index.html`, but `{folder}` is a file" in message


def test_a_copied_image_and_a_site_asset_of_the_same_path_collide(tmp_path: Path):
    root = write_files(tmp_path, {
        "assets/pic.png": PNG,
        "content/assets/pic.png": PNG + b"other bytes",
        "content/p.md": post("P", body="![A picture](assets/pic.png)")})
    [(code, where, message)] = _errors(root)
    assert (code, where) == ("duplicate-url", "content/assets/pic.png:1:1")
    assert "which is a file of the site's assets" in message


def test_a_post_using_a_site_asset_is_fine_and_site_assets_override_the_theme(tmp_path: Path):
    root = write_files(tmp_path, {
        "assets/images/pic.png": PNG,
        "assets/css/distillgen.css": "body { color: red }",
        "content/blog/p.md": post("P", body="![A picture](../../assets/images/pic.png)")})
    assert _errors(root) == []
    assert (root / "site" / "assets" / "css" / "distillgen.css").read_text() == \
        "body { color: red }"


def test_the_command_line_reports_it_and_the_sitemap_never_lists_a_page_twice(tmp_path: Path):
    root = write_files(tmp_path, {**BASE, "content/tags.md": post("Tags")})
    run = run_build(root)
    assert run.returncode == 1
    assert "content/tags.md:1:1: error[duplicate-url]" in run.stderr
    assert "  hint: give the post another `slug:`, or move it to another folder" in run.stderr
    assert unlocated_lines(run.stderr) == []
    (root / "content" / "tags.md").write_text(post("Tags", "slug: all-tags\n"))
    assert run_build(root).returncode == 0
    sitemap = (root / "site" / "sitemap.xml").read_text()
    locs = [line for line in sitemap.splitlines() if "<loc>" in line]
    assert len(locs) == len(set(locs))
