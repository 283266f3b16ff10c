"""``distillgen init`` and the first steps of a new site: what it writes, what it refuses,
that its output builds cleanly, and the messages a new user meets first."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from distillgen.build import build
from distillgen.provenance import PLACEHOLDER, InstallSource, source_from_record
from distillgen.starter import SiteExists, create_site, next_steps

REPO = Path(__file__).parent.parent
KNOWN = InstallSource("distillgen @ git+https://github.com/someone/distillgen@abc123", True)
UNKNOWN = InstallSource(f"distillgen @ {PLACEHOLDER}", False)
SCHOLAR = """@article{lecun2015deep,
  title={Deep learning},
  author={LeCun, Yann and Bengio, Yoshua and Hinton, Geoffrey},
  journal={nature},
  volume={521},
  number={7553},
  pages={436--444},
  year={2015},
  publisher={Nature Publishing Group UK London}
}
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "distillgen", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def new_site(tmp_path: Path) -> Path:
    root = tmp_path / "my-blog"
    create_site(root, today=dt.date(2024, 5, 1), source=KNOWN)
    return root


# --- what init writes -----------------------------------------------------------------------


def test_init_writes_a_whole_site(new_site: Path):
    files = sorted(p.relative_to(new_site).as_posix() for p in new_site.rglob("*")
                   if p.is_file())
    assert files == [
        ".github/workflows/pages.yml", ".gitignore", "content/about.md",
        "content/blog/welcome/index.md", "content/blog/welcome/loss.csv",
        "content/blog/welcome/loss.svg", "content/publications.bib", "content/publications.md",
        "distillgen.toml", "references.bib",
    ]
    post = (new_site / "content/blog/welcome/index.md").read_text("utf-8")
    assert "pubDate: 2024-05-01" in post and "draft:" not in post
    for shown in ("[@olah2017feature]", "[^margin]", "$$", "](loss.svg)", "](loss.csv)"):
        assert shown in post  # a citation, a note, an equation, a figure, a data file
    assert (new_site / ".gitignore").read_text("utf-8").split("\n")[1:3] == [
        "site/", ".distillgen-cache/"]


def test_every_setting_is_explained_and_the_defaults_are_written(new_site: Path):
    from distillgen.config import _CHECKS, load_config

    text = (new_site / "distillgen.toml").read_text("utf-8")
    for key in _CHECKS:
        assert f"\n{key} = " in text or f"\n# {key} = " in text or f"\n[{key}]" in text, key
        before = text[:text.index(key)].rstrip("\n# ").rsplit("\n", 1)[-1]
        assert before.startswith("#"), f"{key} has no comment above it"
    config = load_config(new_site)
    assert config.base_url == "http://localhost:8000/"  # left for --base-url to give
    assert config.extra == {}


def test_the_workflow_installs_this_distillgen_and_keeps_the_cache(new_site: Path):
    workflow = (new_site / ".github/workflows/pages.yml").read_text("utf-8")
    assert f'pip install "{KNOWN.requirement}"' in workflow
    assert "path: .distillgen-cache" in workflow and "restore-keys: distillgen-" in workflow
    assert 'distillgen build --strict --base-url "${{ steps.pages.outputs.base_url }}/"' \
        in workflow
    assert "actions/upload-pages-artifact" in workflow and "actions/deploy-pages" in workflow
    assert "Replace OWNER" not in workflow
    import yaml

    steps = yaml.safe_load(workflow)["jobs"]["build"]["steps"]
    assert [s.get("uses", s.get("run", "")).split("@")[0].split(" ")[0] for s in steps] == [
        "actions/checkout", "actions/setup-python", "actions/configure-pages",
        "actions/cache", "pip", "distillgen", "actions/upload-pages-artifact"]


def test_an_unknown_source_is_a_placeholder_that_says_so(tmp_path: Path):
    create_site(tmp_path / "s", source=UNKNOWN)
    workflow = (tmp_path / "s/.github/workflows/pages.yml").read_text("utf-8")
    assert f'pip install "distillgen @ {PLACEHOLDER}"' in workflow
    assert "# Replace OWNER/distillgen" in workflow
    printed = next_steps(tmp_path / "s", [], UNKNOWN)
    assert "replace OWNER/distillgen" in printed


def test_init_prints_the_next_three_commands(tmp_path: Path):
    result = run(tmp_path, "init", "blog")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("next:\n", 1)[1].splitlines()
    assert [line.split("#")[0].strip() for line in lines[:3]] == [
        "cd blog", "distillgen serve", 'distillgen new "My first post"']
    here = tmp_path / "here"
    here.mkdir()
    result = run(here, "init")
    assert result.returncode == 0, result.stderr
    assert "cd " not in result.stdout and (here / "distillgen.toml").is_file()


@pytest.mark.parametrize("existing", ["notes.txt", "content/blog/x.md", "distillgen.toml"])
def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path, existing: str):
    target = tmp_path / "site"
    (target / existing).parent.mkdir(parents=True, exist_ok=True)
    (target / existing).write_text("mine", "utf-8")
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    with pytest.raises(SiteExists):
        create_site(target, source=KNOWN)
    result = run(tmp_path, "init", "site")
    assert result.returncode == 1
    assert "is not empty" in result.stderr and "hint: start in a new folder" in result.stderr
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before


def test_a_folder_holding_only_git_counts_as_empty(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n", "utf-8")
    create_site(tmp_path, source=KNOWN)
    assert (tmp_path / "distillgen.toml").is_file()
    assert (tmp_path / ".git" / "HEAD").read_text("utf-8") == "ref: refs/heads/main\n"


def test_init_refuses_a_file(tmp_path: Path):
    (tmp_path / "f").write_text("x", "utf-8")
    with pytest.raises(SiteExists, match="is a file"):
        create_site(tmp_path / "f", source=KNOWN)


# --- init's output builds, and says what is left to do --------------------------------------


def test_the_new_site_builds_strictly_once_it_knows_its_address(new_site: Path):
    result = run(new_site, "build", "--strict", "--base-url", "https://you.github.io/blog")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("built 1 post, 2 pages, 1 tag in ")
    site = new_site / "site"
    for page in ("blog/welcome/index.html", "blog/welcome/loss.svg", "blog/welcome/loss.csv",
                 "about/index.html", "publications/index.html", "hello/index.html"):
        assert (site / page).is_file(), page
    feed = (site / "feed.xml").read_text("utf-8")
    assert "https://you.github.io/blog/blog/welcome/" in feed and "localhost" not in feed
    assert '<a href="about/">About</a> <a href="publications/">Publications</a>' in \
        (site / "index.html").read_text("utf-8")


def test_without_an_address_build_warns_once_and_serve_does_not(new_site: Path):
    result = run(new_site, "build")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("warning[") == 1
    assert "warning[default-base-url]" in result.stderr
    assert "--base-url" in result.stderr
    assert "(0 errors, 1 warning)" in result.stdout
    assert run(new_site, "build", "--strict").returncode == 1
    served = build(new_site, write=False)  # what the dev server runs
    assert not served.failed and served.diagnostics == []


def test_a_local_base_url_given_on_the_command_line_warns_without_a_place(tmp_path: Path):
    result = run(tmp_path, "build", "--base-url", "http://127.0.0.1:9000/")
    assert result.returncode == 0
    assert result.stderr.startswith("warning[default-base-url]: `base_url` is "
                                    "http://127.0.0.1:9000/")


def test_a_written_base_url_is_where_the_warning_points(tmp_path: Path):
    (tmp_path / "distillgen.toml").write_text('title = "x"\nbase_url = "http://localhost/"\n',
                                              "utf-8")
    (tmp_path / "content").mkdir()
    result = run(tmp_path, "build")
    assert result.stderr.startswith("distillgen.toml:2:1: warning[default-base-url]")
    (tmp_path / "distillgen.toml").write_text('base_url = "https://x.org/"\n', "utf-8")
    assert run(tmp_path, "build").stderr == ""


def test_a_scholar_download_saved_under_another_name_is_named_in_the_hint(new_site: Path):
    (new_site / "references.bib").unlink()
    (new_site / "scholar.bib").write_text(SCHOLAR, "utf-8")
    post = new_site / "content/blog/deep.md"
    post.write_text("---\ntitle: Deep\npubDate: 2024-05-02\n---\n\nAs @lecun2015deep showed.\n",
                    "utf-8")
    result = run(new_site, "build")
    assert result.returncode == 1
    line = (new_site / "distillgen.toml").read_text("utf-8").split("\n").index(
        'bibliography = "references.bib"') + 1
    assert f"distillgen.toml:{line}:1: error[missing-bibliography]: bibliography file not found: " \
           "`references.bib`\n  hint: set bibliography = \"scholar.bib\" in distillgen.toml" \
        in result.stderr
    assert "content/blog/deep.md:6:4: error[unknown-citation]" in result.stderr
    assert "hint: there is no bibliography: `references.bib` was not found" in result.stderr
    assert "\\@" not in result.stderr
    config = new_site / "distillgen.toml"
    config.write_text(config.read_text("utf-8").replace('bibliography = "references.bib"',
                                                        'bibliography = "scholar.bib"'),
                      "utf-8")
    fixed = run(new_site, "build", "--base-url", "https://x.org/")
    assert "missing-bibliography" not in fixed.stderr
    assert "deep.md" not in fixed.stderr  # resolved from scholar.bib now
    # the example posts still cite entries of the deleted references.bib
    assert "unknown citation key `olah2017feature`" in fixed.stderr


def test_citing_with_no_bibliography_anywhere_says_where_to_put_one(tmp_path: Path):
    post = tmp_path / "content/blog/a.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: A\npubDate: 2024-01-01\n---\n\n[@x] and [@y].\n", "utf-8")
    result = run(tmp_path, "build")
    assert result.returncode == 1
    hints = [line for line in result.stderr.splitlines() if line.startswith("  hint:")]
    assert len(hints) == 2
    assert all("`references.bib` was not found; save your BibTeX as `references.bib`" in hint
               and 'bibliography = "papers.bib"' in hint for hint in hints)


# --- where this distillgen came from ----------------------------------------------------------


def _no_git(folder, *args):
    return None


def test_an_index_install_pins_the_version():
    assert source_from_record(None, "1.2.0", _no_git) == InstallSource("distillgen==1.2.0",
                                                                       True)


def test_a_git_install_is_pinned_to_its_commit():
    record = json.dumps({"url": "https://github.com/a/distillgen",
                         "vcs_info": {"vcs": "git", "commit_id": "0123abc"}})
    assert source_from_record(record, "0.1.0", _no_git).requirement == \
        "distillgen @ git+https://github.com/a/distillgen@0123abc"


def test_a_clone_install_uses_its_origin_pinned_only_when_pushed(tmp_path: Path):
    record = json.dumps({"url": tmp_path.as_uri(), "dir_info": {"editable": True}})
    answers = {("remote", "get-url", "origin"): "git@github.com:a/distillgen.git\n",
               ("rev-parse", "HEAD"): "feed42\n"}

    def pushed(folder, *args):
        assert folder == tmp_path
        return {**answers, ("branch", "-r", "--contains", "feed42"): "  origin/main\n"}.get(args)

    def unpushed(folder, *args):
        return {**answers, ("branch", "-r", "--contains", "feed42"): ""}.get(args)

    assert source_from_record(record, "0.1.0", pushed) == InstallSource(
        "distillgen @ git+https://github.com/a/distillgen.git@feed42", True)
    assert source_from_record(record, "0.1.0", unpushed).requirement == \
        "distillgen @ git+https://github.com/a/distillgen.git"


def test_a_folder_without_a_web_remote_is_the_placeholder(tmp_path: Path):
    record = json.dumps({"url": tmp_path.as_uri(), "dir_info": {}})
    assert source_from_record(record, "0.1.0", _no_git) == UNKNOWN
    assert source_from_record("not json", "0.1.0", _no_git) == UNKNOWN


def test_a_key_in_a_bib_the_site_does_not_read_names_that_file(new_site: Path):
    (new_site / "scholar.bib").write_text(SCHOLAR, "utf-8")
    post = new_site / "content/blog/deep.md"
    post.write_text("---\ntitle: Deep\npubDate: 2024-05-02\n---\n\n[@lecun2015deep] and "
                    "[@nowhere2020].\n", "utf-8")
    result = run(new_site, "build")
    assert result.returncode == 1
    assert "content/blog/deep.md:6:2: error[unknown-citation]: unknown citation key " \
           "`lecun2015deep`\n  hint: `lecun2015deep` is in `scholar.bib`, which this site does " \
           "not read: paste the entry into `references.bib`, or set " \
           'bibliography = "scholar.bib" in distillgen.toml' in result.stderr
    nowhere = result.stderr.split("`nowhere2020`", 1)[1]
    assert "scholar.bib" not in nowhere.split("\n", 2)[1]
