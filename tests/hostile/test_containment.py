"""Nothing outside the site folder is read into, or published by, a build.

Image paths, ``slug``, ``image``, ``bibliography`` and config paths that climb out of the site
are located errors; links (symlinks) that lead out of the site are not followed: a site cloned
from someone else must not publish ``~/.ssh/id_rsa`` because it links to it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from distillgen.build import build
from tests.hostile.sitekit import REPO, run_build, snapshot, unlocated_lines, write_files

SECRET = b"SECRET-CONTENT-outside-the-site"
PNG = (REPO / "assets" / "images" / "saturation-heatmap.png").read_bytes()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site with things a build must never publish."""
    folder = tmp_path / "outside"
    write_files(folder, {
        "pic.png": PNG + SECRET,
        "secret.bib": f"@article{{secret, title={{{SECRET.decode()}}}, year={{2000}}}}\n",
        "post.md": "---\ntitle: Outside\npubDate: 2024-01-01\n---\n" + SECRET.decode() + "\n",
        "dir/pic.png": PNG + SECRET,
        "dir/style.css": SECRET.decode(),
        "templates/404.html": SECRET.decode(),
    })
    return folder


def _site(root: Path, body: str = "Text.", front: str = "") -> Path:
    return write_files(root, {"content/blog/p.md":
                              f"---\ntitle: T\npubDate: 2024-01-01\n{front}---\n{body}\n"})


def _codes_and_places(result) -> list[tuple[str, str]]:
    return [(d.code, str(d.location)) for d in result.diagnostics if d.is_error]


def _published_anything_from(site: Path) -> bool:
    return any(SECRET in data for data in snapshot(site).values())


@pytest.mark.parametrize("path", [
    "../../../outside/pic.png",
    "../../../../../../../../../../etc/passwd.png",
    "/../outside/pic.png",
    "%2e%2e/%2e%2e/%2e%2e/outside/pic.png",
    "..%2F..%2F..%2Foutside%2Fpic.png",
])
def test_an_image_path_climbing_out_is_a_located_error(tmp_path: Path, outside: Path, path: str):
    root = _site(tmp_path / "site", f"Before.\n\n![A picture]({path})")
    result = build(root)
    assert _codes_and_places(result) == [("outside-site", "content/blog/p.md:7:1")]
    assert not (root / "site").exists()


@pytest.mark.parametrize(("front", "code", "place"), [
    ("slug: ../../evil\n", "bad-slug", "content/blog/p.md:4:7"),
    ("slug: ..\n", "bad-slug", "content/blog/p.md:4:7"),
    ("slug: a/b\n", "bad-slug", "content/blog/p.md:4:7"),
    ("image: ../../../outside/pic.png\n", "outside-site", "content/blog/p.md:4:8"),
    ("image: /etc/passwd\n", "bad-field", "content/blog/p.md:4:8"),
    ("image: file:///etc/passwd\n", "bad-field", "content/blog/p.md:4:8"),
    ("bibliography: ../../../outside/secret.bib\n", "outside-site", "content/blog/p.md:4:15"),
    ("bibliography: /tmp/x.bib\n", "bad-field", "content/blog/p.md:4:15"),
])
def test_front_matter_paths_climbing_out_are_located_errors(tmp_path: Path, outside: Path,
                                                            front: str, code: str, place: str):
    result = build(_site(tmp_path / "site", front=front))
    assert _codes_and_places(result) == [(code, place)]


@pytest.mark.parametrize(("setting", "column"), [
    ('bibliography = "../outside/secret.bib"', 16),
    ('content_dir = "../outside"', 15),
    ('output_dir = "../out"', 14),
    ('output_dir = "/tmp/elsewhere"', 14),
    ('content_dir = "content/../../outside"', 15),
])
def test_config_paths_climbing_out_are_located_errors(tmp_path: Path, outside: Path,
                                                      setting: str, column: int):
    root = _site(tmp_path / "site")
    (root / "distillgen.toml").write_text(f'title = "x"\n{setting}\n', "utf-8")
    run = run_build(root)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert f"distillgen.toml:2:{column}: error[bad-config]" in run.stderr
    assert unlocated_lines(run.stderr) == []
    assert not (tmp_path / "out").exists() and not (root / "site").exists()


@pytest.mark.parametrize(("link", "target"), [
    ("references.bib", "secret.bib"),
    ("content", "."),
])
def test_default_paths_that_are_links_out_are_located_errors(tmp_path: Path, outside: Path,
                                                             link: str, target: str):
    root = _site(tmp_path / "site")
    if link == "content":
        shutil.rmtree(root / "content")
    os.symlink(outside / target, root / link)
    run = run_build(root)
    assert run.returncode == 1, run.stderr
    assert f"{link}:1:1: error[bad-config]" in run.stderr
    assert unlocated_lines(run.stderr) == []


def test_links_out_of_the_site_are_not_followed(tmp_path: Path, outside: Path):
    root = _site(tmp_path / "site", "![A picture](pic.png)\n\n![Another](d/pic.png)")
    blog = root / "content" / "blog"
    os.symlink(outside / "pic.png", blog / "pic.png")
    os.symlink(outside / "dir", blog / "d")
    os.symlink(outside / "post.md", blog / "linked-post.md")
    result = build(root)
    missing = sorted(str(d.location) for d in result.diagnostics if d.code == "missing-asset")
    assert missing == ["content/blog/p.md:5:1", "content/blog/p.md:7:1"]
    skipped = sorted(d.location.path for d in result.diagnostics if d.code == "outside-site")
    assert skipped == ["content/blog/d", "content/blog/linked-post.md", "content/blog/pic.png"]


def test_a_linked_post_outside_is_skipped_and_the_rest_builds(tmp_path: Path, outside: Path):
    root = _site(tmp_path / "site")
    os.symlink(outside / "post.md", root / "content" / "blog" / "linked-post.md")
    result = build(root)
    assert not result.failed
    assert not (root / "site" / "blog" / "linked-post").exists()
    assert not _published_anything_from(root / "site")


def test_an_assets_folder_linked_from_outside_is_not_published(tmp_path: Path, outside: Path):
    root = _site(tmp_path / "site")
    os.symlink(outside / "dir", root / "assets")
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    assert not _published_anything_from(root / "site")
    assert not (root / "site" / "assets" / "style.css").exists()


@pytest.mark.parametrize("whole_folder", [True, False])
def test_templates_linked_from_outside_are_not_used(tmp_path: Path, outside: Path,
                                                    whole_folder: bool):
    root = _site(tmp_path / "site")
    if whole_folder:
        os.symlink(outside / "templates", root / "templates")
    else:
        (root / "templates").mkdir()
        os.symlink(outside / "templates" / "404.html", root / "templates" / "404.html")
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    assert not _published_anything_from(root / "site")
    assert b"<!doctype html>" in (root / "site" / "404.html").read_bytes()


def test_links_inside_the_site_are_followed(tmp_path: Path):
    root = _site(tmp_path / "site")
    write_files(root, {"drafts/kept.md": "---\ntitle: Kept\npubDate: 2024-02-01\n---\nKept.\n"})
    os.symlink(Path("..", "..", "drafts", "kept.md"), root / "content" / "blog" / "kept.md")
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    assert b"Kept." in (root / "site" / "blog" / "kept" / "index.html").read_bytes()


def test_a_post_bibliography_linked_inside_the_site_is_used(tmp_path: Path):
    root = _site(tmp_path / "site", "[@secret]", front="bibliography: refs.bib\n")
    write_files(root, {"bibs/shared.bib": "@article{secret, title={T}, author={S}, year={2000}}\n"})
    os.symlink(Path("..", "..", "bibs", "shared.bib"), root / "content" / "blog" / "refs.bib")
    result = build(root)
    assert _codes_and_places(result) == []


def test_a_post_bibliography_linked_from_outside_is_refused(tmp_path: Path, outside: Path):
    root = _site(tmp_path / "site", "[@secret]", front="bibliography: refs.bib\n")
    os.symlink(outside / "secret.bib", root / "content" / "blog" / "refs.bib")
    result = build(root)
    assert "outside-site" in [code for code, place in _codes_and_places(result)
                              if place.startswith("content/blog/p.md:")]
