"""No flag or setting makes a build replace a folder it did not write.

One rule decides every output folder (``output_dir``, ``--output``, the dev server's
settings): it may never be, contain or lie inside a folder the build reads, nor be .git, the
site folder, a folder holding it, the home folder, ``/`` or the cache. A flag that breaks it
is bad usage (exit 2), a setting a located ``bad-config`` error (exit 1). Beyond that, an
existing folder is replaced only when it is empty or holds the marker the writer leaves.
Every test snapshots the whole neighbourhood of the site, hidden files included, and checks
that not one byte changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from distillgen.build import build
from distillgen.config import SiteConfig
from distillgen.output_rule import output_refusal
from distillgen.write import MARKER, MARKER_CONTENT
from tests.faults.faultkit import whole_tree
from tests.hostile.sitekit import cli_env, run_build, unlocated_lines, write_files

POST = "---\ntitle: {title}\npubDate: 2024-01-0{day}\n---\nText of {title}.\n"


def _site(root: Path, **extra: str) -> Path:
    """A site with things a careless output folder would destroy."""
    return write_files(root, {
        "content/blog/a.md": POST.format(title="A", day=1),
        "content/blog/b.md": POST.format(title="B", day=2),
        "assets/style.css": "body { color: black }",
        "templates/robots.txt": "User-agent: *\n",
        "templates/mine.html": "my own template",
        "refs/refs.bib": "@misc{k, title={T}, year={2000}}\n",
        "notes/todo.txt": "my notes",
        ".git/HEAD": "ref: refs/heads/main\n",
        ".distillgen-cache/keep": "kept",
        **extra,
    })


@pytest.fixture
def neighbourhood(tmp_path: Path) -> tuple[Path, Path]:
    """(site root, the folder around it): a home folder, another site beside it."""
    around = tmp_path / "around"
    root = _site(around / "blog")
    write_files(around, {"home/.bashrc": "export X=1\n", "another-site/notes.md": "mine"})
    return root, around


FLAGS = [
    ("content/blog", "lies inside the content folder"),
    ("content", "is the content folder"),
    ("assets", "is the assets folder"),
    ("assets/out", "lies inside the assets folder"),
    ("templates", "is the templates folder"),
    (".git", "is the git repository"),
    (".distillgen-cache", "is the cache folder"),
    (".", "is the site folder itself"),
    ("..", "contains the site folder"),
    ("../home", "is or contains your home folder"),
    ("/", "is the filesystem root"),
]


@pytest.mark.parametrize(("flag", "reason"), FLAGS, ids=[flag for flag, _ in FLAGS])
def test_a_refused_output_flag_is_bad_usage_and_touches_nothing(neighbourhood, flag: str,
                                                                  reason: str):
    root, around = neighbourhood
    before = whole_tree(around)
    run = run_build(root, "--output", flag, env=cli_env(HOME=str(around / "home")))
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(f"error[bad-config]: --output {flag} {reason}"), run.stderr
    assert "  hint: choose a folder of its own, such as --output site" in run.stderr
    assert "Traceback" not in run.stderr
    assert whole_tree(around) == before


def test_the_home_folder_is_refused_as_the_shell_gives_it(neighbourhood):
    root, around = neighbourhood
    home = around / "home"
    before = whole_tree(around)
    run = run_build(root, "--output", str(home), env=cli_env(HOME=str(home)))
    assert run.returncode == 2
    assert "is or contains your home folder" in run.stderr
    assert whole_tree(around) == before


def test_another_site_beside_is_refused_because_distillgen_did_not_write_it(neighbourhood):
    root, around = neighbourhood
    before = whole_tree(around)
    run = run_build(root, "--output", "../another-site", env=cli_env(HOME=str(around / "home")))
    assert run.returncode == 1, run.stderr
    assert "../another-site:1:1: error[unsafe-output]: the output folder" in run.stderr
    assert f"(it has no {MARKER} file)" in run.stderr
    assert unlocated_lines(run.stderr) == []
    assert whole_tree(around) == before


SETTINGS = [
    ('output_dir = "content"', "is the content folder (content)"),
    ('output_dir = "content/blog"', "lies inside the content folder (content)"),
    ('output_dir = "assets"', "is the assets folder (assets)"),
    ('output_dir = "assets/out"', "lies inside the assets folder (assets)"),
    ('output_dir = "templates"', "is the templates folder (templates)"),
    ('output_dir = ".git"', "is the git repository (.git)"),
    ('output_dir = ".git/site"', "lies inside the git repository (.git)"),
    ('output_dir = "refs"', "is the folder of `bibliography` (refs)"),
    ('output_dir = ".distillgen-cache"', "is the cache folder (.distillgen-cache)"),
    ('output_dir = "."', "is the site folder itself"),
]


@pytest.mark.parametrize(("setting", "reason"), SETTINGS, ids=[s for s, _ in SETTINGS])
def test_a_refused_output_setting_is_a_located_error_and_touches_nothing(neighbourhood,
                                                                         setting: str,
                                                                         reason: str):
    root, around = neighbourhood
    (root / "distillgen.toml").write_text(f'title = "x"\nbibliography = "refs/refs.bib"\n'
                                          f"{setting}\n")
    before = whole_tree(around)
    run = run_build(root, env=cli_env(HOME=str(around / "home")))
    assert run.returncode == 1, run.stderr
    assert f"distillgen.toml:3:14: error[bad-config]: `output_dir` ({setting[14:-1]}) " \
           f"{reason}" in run.stderr
    assert unlocated_lines(run.stderr) == []
    assert whole_tree(around) == before


def test_an_existing_folder_of_the_user_is_never_replaced(neighbourhood):
    root, around = neighbourhood
    (root / "distillgen.toml").write_text('output_dir = "notes"\n')
    before = whole_tree(around)
    run = run_build(root)
    assert run.returncode == 1
    assert "distillgen.toml:1:14: error[unsafe-output]: the output folder notes already " \
           "holds files that distillgen did not write" in run.stderr
    assert "  hint: choose another output folder, or move that folder away" in run.stderr
    assert whole_tree(around) == before


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_an_output_path_that_is_a_file_or_a_link_is_a_located_error(tmp_path: Path, kind: str):
    root = _site(tmp_path / "blog")
    if kind == "file":
        (root / "site").write_text("my notes")
    else:
        (root / "site").symlink_to(root / "notes")
    before = whole_tree(tmp_path)
    run = run_build(root)
    assert run.returncode == 1
    message = "exists and is not a folder" if kind == "file" else "is a symbolic link"
    assert f"site:1:1: error[unsafe-output]: the output folder site {message}" in run.stderr
    assert unlocated_lines(run.stderr) == []
    assert whole_tree(tmp_path) == before


def test_an_empty_folder_is_used_and_marked_and_a_marked_one_replaced(tmp_path: Path):
    root = _site(tmp_path / "blog")
    (root / "public").mkdir()
    assert run_build(root, "--output", "public").returncode == 0
    assert (root / "public" / MARKER).read_bytes() == MARKER_CONTENT
    (root / "public" / "stray.html").write_text("left from an old build")
    run = run_build(root, "--output", "public")
    assert run.returncode == 0, run.stderr
    assert not (root / "public" / "stray.html").exists()
    assert (root / "public" / "blog" / "a" / "index.html").is_file()


def test_the_marker_is_tiny_and_the_same_for_every_site(tmp_path: Path):
    for name in ("one", "two"):
        root = _site(tmp_path / name)
        assert not build(root).failed
    one, two = ((tmp_path / name / "site" / MARKER).read_bytes() for name in ("one", "two"))
    assert one == two == MARKER_CONTENT
    assert len(MARKER_CONTENT) < 100 and MARKER_CONTENT.isascii()


def test_the_rule_also_holds_for_the_api(tmp_path: Path):
    root = _site(tmp_path / "blog")
    result = build(root, output=root / "content")
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("bad-config", f"--output {root / 'content'} is the content folder (content), which "
                       "the build reads")]
    assert (root / "content" / "blog" / "a.md").is_file()


@pytest.mark.parametrize(("output", "refused"), [
    ("site", None), ("public/html", None), ("../elsewhere/site", None),
    ("content", "is the content folder (content), which the build reads"),
    ("docs", "contains the content folder (docs/content), which the build reads"),
    ("theme-copy", None),
])
def test_output_refusal_compares_whole_path_segments(tmp_path: Path, output: str,
                                                     refused: str | None):
    root = tmp_path / "blog"
    (root / "docs" / "content").mkdir(parents=True)
    content = "docs/content" if output == "docs" else "content"
    settings = {"content_dir": content, "bibliography": "references.bib"}
    assert output_refusal(root, root / output, settings) == refused


def test_a_link_to_the_content_folder_is_refused_too(tmp_path: Path):
    root = _site(tmp_path / "blog")
    (root / "public").symlink_to(root / "content")
    config = SiteConfig(root)
    assert config.output_refusal(root / "public") == ("is the content folder (content), which "
                                                       "the build reads")
    assert config.output_refusal(root / "public" / "x") == ("lies inside the content folder "
                                                             "(content), which the build reads")
