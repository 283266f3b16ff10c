"""The no-change fast path never misses an edit: the fingerprint covers every file the build
reads, wherever it is (hidden folders, folders named ``env``, files behind links)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from distillgen.build import build
from tests.hostile.sitekit import REPO, write_files

PNG = (REPO / "assets" / "images" / "saturation-heatmap.png").read_bytes()


def post(title: str, body: str = "Text.") -> str:
    return f"---\ntitle: {title}\npubDate: 2024-01-01\n---\n{body}\n"


BIB = "@misc{k1, title={Original Title}, year={2000}}\n"
CITING = post("C", "See [@k1].")


def _rebuilt_after(root: Path, edit: Callable[[Path], None], page: str, expected: str) -> None:
    first = build(root)
    assert not first.failed, [d.format() for d in first.diagnostics]
    # A build that reads a post-local .bib for the first time records it: one more build.
    assert any(build(root).stats.get("unchanged") for _ in range(2)), "no fast path"
    time.sleep(0.002)
    edit(root)
    again = build(root)
    assert not again.failed, [d.format() for d in again.diagnostics]
    assert not again.stats.get("unchanged"), "the edit was not noticed"
    assert expected in (root / "site" / page).read_text("utf-8")


def test_a_hidden_bibliography(tmp_path: Path):
    root = write_files(tmp_path, {".refs/refs.bib": BIB, "content/blog/c.md": CITING,
                                  "distillgen.toml": 'bibliography = ".refs/refs.bib"\n'})
    _rebuilt_after(root, lambda r: (r / ".refs/refs.bib").write_text(
        BIB.replace("Original", "Edited")), "blog/c/index.html", "Edited Title")


def test_a_bibliography_inside_a_tool_folder(tmp_path: Path):
    root = write_files(tmp_path, {"node_modules/refs/refs.bib": BIB, "content/blog/c.md": CITING,
                                  "distillgen.toml":
                                      'bibliography = "node_modules/refs/refs.bib"\n'})
    _rebuilt_after(root, lambda r: (r / "node_modules/refs/refs.bib").write_text(
        BIB.replace("Original", "Edited")), "blog/c/index.html", "Edited Title")


def test_a_post_local_bibliography_in_a_hidden_folder(tmp_path: Path):
    root = write_files(tmp_path, {
        ".bibs/local.bib": BIB,
        "content/blog/c.md": "---\ntitle: C\npubDate: 2024-01-01\n"
                             "bibliography: ../../.bibs/local.bib\n---\nSee [@k1].\n"})
    _rebuilt_after(root, lambda r: (r / ".bibs/local.bib").write_text(
        BIB.replace("Original", "Edited")), "blog/c/index.html", "Edited Title")


def test_a_hidden_content_folder(tmp_path: Path):
    root = write_files(tmp_path, {"distillgen.toml": 'content_dir = ".posts"\n',
                                  ".posts/p.md": post("P")})
    _rebuilt_after(root, lambda r: (r / ".posts/p.md").write_text(post("Edited")),
                   "p/index.html", "Edited")


def test_a_post_linked_from_a_hidden_folder(tmp_path: Path):
    root = write_files(tmp_path, {".drafts/p.md": post("P")})
    (root / "content" / "blog").mkdir(parents=True)
    (root / "content" / "blog" / "p.md").symlink_to(Path("..", "..", ".drafts", "p.md"))
    _rebuilt_after(root, lambda r: (r / ".drafts/p.md").write_text(post("Edited")),
                   "blog/p/index.html", "Edited")


def test_a_folder_of_posts_linked_into_the_content_folder(tmp_path: Path):
    root = write_files(tmp_path, {"elsewhere/notes/p.md": post("P")})
    (root / "content").mkdir()
    (root / "content" / "notes").symlink_to(Path("..", "elsewhere", "notes"))
    _rebuilt_after(root, lambda r: (r / "elsewhere/notes/p.md").write_text(post("Edited")),
                   "notes/p/index.html", "Edited")


@pytest.mark.parametrize("folder", ["env", "venv", "node_modules", "site-packages"])
def test_a_post_under_a_folder_named_like_a_tool(tmp_path: Path, folder: str):
    root = write_files(tmp_path, {f"content/blog/{folder}/p.md": post("P")})
    _rebuilt_after(root, lambda r: (r / f"content/blog/{folder}/p.md").write_text(
        post("Edited")), f"blog/{folder}/p/index.html", "Edited")


def test_a_site_asset_under_node_modules(tmp_path: Path):
    root = write_files(tmp_path, {"assets/node_modules/lib/x.css": "a { color: red }",
                                  "content/blog/p.md": post("P")})
    _rebuilt_after(root, lambda r: (r / "assets/node_modules/lib/x.css").write_text(
        "a { color: blue }"), "assets/node_modules/lib/x.css", "blue")


def test_a_hidden_template(tmp_path: Path):
    root = write_files(tmp_path, {"templates/.parts/footer.html": "Footer one",
                                  "templates/404.html": '{% include ".parts/footer.html" %}',
                                  "content/blog/p.md": post("P")})
    _rebuilt_after(root, lambda r: (r / "templates/.parts/footer.html").write_text(
        "Footer two"), "404.html", "Footer two")


def test_an_image_under_a_folder_named_env_is_found_and_its_edit_seen(tmp_path: Path):
    root = write_files(tmp_path, {"img/env/a.png": PNG, "content/blog/i.md": post(
        "I", "![An image](../../img/env/a.png)")})
    _rebuilt_after(root, lambda r: (r / "img/env/a.png").write_bytes(PNG + b"more"),
                   "index.html", "I")
    assert (root / "site" / "img" / "env" / "a.png").read_bytes() == PNG + b"more"


def test_an_image_linked_to_a_file_elsewhere_in_the_site(tmp_path: Path):
    root = write_files(tmp_path, {"shared/a.png": PNG, "content/blog/i.md": post(
        "I", "![An image](a.png)")})
    (root / "content" / "blog" / "a.png").symlink_to(root / "shared" / "a.png")
    result = build(root)
    # Links to files are not published (the index skips them): the same on every build.
    assert [d.code for d in result.diagnostics if d.is_error] == ["missing-asset"]


def test_a_python_environment_is_neither_indexed_nor_fingerprinted(tmp_path: Path):
    root = write_files(tmp_path, {"content/blog/p.md": post("P"),
                                  "tools/pyvenv.cfg": "home = /usr/bin\n",
                                  "tools/lib/data.json": "{}"})
    assert not build(root).failed
    (root / "tools" / "lib" / "data.json").write_text('{"changed": true}')
    assert build(root).stats.get("unchanged")


def test_an_edit_to_the_settings_is_seen(tmp_path: Path):
    root = write_files(tmp_path, {"content/blog/p.md": post("P"),
                                  "distillgen.toml": 'title = "One"\n'})
    _rebuilt_after(root, lambda r: (r / "distillgen.toml").write_text('title = "Two"\n'),
                   "index.html", "Two")


def test_adding_a_file_in_a_new_hidden_folder_counts(tmp_path: Path):
    root = write_files(tmp_path, {"content/blog/c.md": CITING,
                                  "distillgen.toml": 'bibliography = ".refs/refs.bib"\n'})
    first = build(root)
    assert [d.code for d in first.diagnostics if d.is_error] == ["unknown-citation",
                                                                 "missing-bibliography"]
    write_files(root, {".refs/refs.bib": BIB})
    os.utime(root / ".refs" / "refs.bib")
    again = build(root)
    assert not again.failed, [d.format() for d in again.diagnostics]


def test_loops_of_links_and_a_link_to_the_root_are_walked_once(tmp_path: Path):
    root = write_files(tmp_path, {"content/blog/p.md": post("P")})
    (root / "loop").symlink_to("loop")
    (root / "nowhere").symlink_to("missing")
    (root / "assets").mkdir()
    (root / "assets" / "up").symlink_to("..")
    for _ in range(2):
        result = build(root)
        assert not result.failed, [d.format() for d in result.diagnostics]
    assert result.stats.get("unchanged")
    (root / "content" / "blog" / "p.md").write_text(post("Edited"))
    assert not build(root).stats.get("unchanged")
