"""A damaged or unwritable cache degrades to a cold build with a warning, never a failure;
an entry is only ever valid under its own key; ``check`` writes nothing at all."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from distillgen import cache as cache_module
from distillgen.build import build
from distillgen.cache import Cache, CacheUnwritable
from distillgen.templates import make_environment
from tests.faults.faultkit import immutable, read_only, tmpfs, whole_tree
from tests.hostile.sitekit import cli_env, run_build, snapshot, unlocated_lines, write_files

POST = "---\ntitle: {title}\npubDate: 2024-01-0{day}\ntags: [t]\n---\nText of {title} [@k].\n"
BIB = "@misc{k, title={A title}, author={Ann Author}, year={2000}}\n"


def _site(root: Path) -> Path:
    return write_files(root, {"content/blog/a.md": POST.format(title="Alpha", day=1),
                              "content/blog/b.md": POST.format(title="Beta", day=2),
                              "references.bib": BIB,
                              "distillgen.toml": 'base_url = "https://example.org/"\n'})


@pytest.fixture(scope="module")
def cold_site(tmp_path_factory) -> dict[str, bytes]:
    """What the site is when built without any cache."""
    root = _site(tmp_path_factory.mktemp("cold"))
    assert not build(root, use_cache=False).failed
    return snapshot(root / "site")


def _warned(stderr: str, reason: str) -> bool:
    return (f".distillgen-cache:1:1: warning[cache-unusable]: cannot write the cache "
            f".distillgen-cache/: {reason}; building without the cache" in stderr)


def test_a_cache_path_that_is_a_file_gives_a_warning_and_a_whole_site(tmp_path: Path,
                                                                     cold_site):
    root = _site(tmp_path)
    (root / ".distillgen-cache").write_text("someone's file")
    for _ in range(2):
        run = run_build(root)
        assert run.returncode == 0, run.stderr
        assert _warned(run.stderr, "it is not a folder"), run.stderr
        assert unlocated_lines(run.stderr) == []
        assert snapshot(root / "site") == cold_site
    assert (root / ".distillgen-cache").read_text() == "someone's file"


@pytest.mark.parametrize("planted", ["CACHEDIR.TAG", "index", "pages", "renders", "trees",
                                     "twins", "manifest/00/0000000000000000",
                                     "index/00/0000000000000000"])
def test_a_folder_or_file_planted_in_the_cache_is_replaced(tmp_path: Path, cold_site,
                                                           planted: str):
    root = _site(tmp_path)
    assert run_build(root).returncode == 0
    target = root / ".distillgen-cache" / planted
    assert target.exists()
    if target.is_dir():
        shutil.rmtree(target)
        target.write_text("planted file")
    else:
        target.unlink(missing_ok=True)
        (target / "inside").mkdir(parents=True)
    shutil.rmtree(root / "site")
    for _ in range(2):
        run = run_build(root)
        assert run.returncode == 0, run.stderr
        assert "warning" not in run.stderr
        assert snapshot(root / "site") == cold_site


def test_a_cache_that_is_a_link_is_never_written_through(tmp_path: Path, cold_site):
    """A cloned site may carry ``.distillgen-cache -> ~``: building must not write there,
    nor prune what is there."""
    root = _site(tmp_path / "blog")
    home = write_files(tmp_path / "home", {"pages/ab/notes.txt": "mine", "parsed": "mine too",
                                           ".gitignore": "*.log\n"})
    before = whole_tree(home)
    (root / ".distillgen-cache").symlink_to(home)
    for _ in range(2):
        run = run_build(root)
        assert run.returncode == 0, run.stderr
        assert _warned(run.stderr, "it is a symbolic link (the cache is never written through "
                                   "one)"), run.stderr
    assert whole_tree(home) == before
    assert snapshot(root / "site") == cold_site


@pytest.mark.parametrize("namespace", ["pages", "index", "renders", "templates", "manifest",
                                       "trees", "twins"])
def test_a_link_inside_the_cache_is_replaced_not_followed(tmp_path: Path, cold_site,
                                                          namespace: str):
    root = _site(tmp_path / "blog")
    assert run_build(root).returncode == 0
    elsewhere = write_files(tmp_path / "elsewhere", {"ab/mine.txt": "mine",
                                                     f"{'0' * 16}": "mine"})
    before = whole_tree(elsewhere)
    shutil.rmtree(root / ".distillgen-cache" / namespace)
    (root / ".distillgen-cache" / namespace).symlink_to(elsewhere)
    (root / "content" / "blog" / "b.md").write_text(POST.format(title="Gamma", day=2))
    for _ in range(2):
        run = run_build(root)
        assert run.returncode == 0, run.stderr
    assert whole_tree(elsewhere) == before
    assert b"Gamma" in (root / "site" / "blog" / "b" / "index.html").read_bytes()


def test_a_read_only_cache_gives_a_warning_and_the_edit_is_built(tmp_path: Path):
    root = _site(tmp_path)
    assert run_build(root).returncode == 0
    before = whole_tree(root / ".distillgen-cache")
    (root / "content" / "blog" / "b.md").write_text(POST.format(title="Gamma", day=2))
    with read_only(root / ".distillgen-cache"):
        run = run_build(root)
    assert run.returncode == 0, run.stderr
    assert _warned(run.stderr, "it is on a read-only file system"), run.stderr
    assert b"Gamma" in (root / "site" / "blog" / "b" / "index.html").read_bytes()
    assert whole_tree(root / ".distillgen-cache") == before


def test_an_immutable_cache_gives_a_warning_and_the_edit_is_built(tmp_path: Path):
    root = _site(tmp_path)
    with tmpfs(root / ".distillgen-cache", "4m") as cache:  # a file system with chattr
        assert run_build(root).returncode == 0
        (root / "content" / "blog" / "b.md").write_text(POST.format(title="Gamma", day=2))
        with immutable(cache, recursive=True):
            run = run_build(root)
        assert run.returncode == 0, run.stderr
        assert _warned(run.stderr, "the operation is not permitted"), run.stderr
    assert b"Gamma" in (root / "site" / "blog" / "b" / "index.html").read_bytes()


def test_a_full_disk_under_the_cache_gives_a_warning_and_a_whole_site(tmp_path: Path,
                                                                     cold_site):
    root = _site(tmp_path)
    with tmpfs(root / ".distillgen-cache", "16k"):
        run = run_build(root)
        assert run.returncode == 0, run.stderr
        assert _warned(run.stderr, "the disk is full"), run.stderr
    assert snapshot(root / "site") == cold_site


def test_a_cache_that_fails_in_the_middle_of_a_build_starts_it_again_cold(tmp_path: Path,
                                                                        monkeypatch, cold_site):
    """The disk fills up after the cache was found writable: the build starts again
    without the cache, and the site is the same as ever."""
    root = _site(tmp_path)
    real_put = Cache.put
    calls = []

    def filling_put(self, key, value):
        calls.append(self.namespace)
        if len(calls) > 3:
            raise CacheUnwritable("cannot write the cache .distillgen-cache/: the disk is full")
        real_put(self, key, value)

    monkeypatch.setattr(Cache, "put", filling_put)
    result = build(root, workers=1)
    assert not result.failed
    assert [(d.code, str(d.location)) for d in result.diagnostics] == [
        ("cache-unusable", ".distillgen-cache:1:1")]
    assert snapshot(root / "site") == cold_site


def test_an_entry_copied_under_another_key_is_a_miss(tmp_path: Path):
    cache = Cache(tmp_path, "parsed")
    cache.put("a" * 16, "the value of a")
    cache.put("b" * 16, "the value of b")
    shutil.copy(tmp_path / "parsed" / "aa" / ("a" * 16), tmp_path / "parsed" / "bb" / ("b" * 16))
    assert Cache(tmp_path, "parsed").get("b" * 16) is None
    assert Cache(tmp_path, "parsed").get("a" * 16) == "the value of a"


def test_a_page_copied_under_another_page_is_not_published(tmp_path: Path, cold_site):
    """A built page is kept under the SHA-256 of its bytes; one whose bytes no longer match
    its name (copied over, damaged, edited in place through the published file it is
    linked to) is made again, never published."""
    root = _site(tmp_path)
    assert run_build(root).returncode == 0
    pages = {}
    for path in (root / ".distillgen-cache" / "pages").iterdir():
        data = path.read_bytes()
        if (b"Text of Alpha" in data) != (b"Text of Beta" in data):
            pages[b"Text of Alpha" in data] = path
    beta = pages[False]
    beta.unlink()
    shutil.copy(pages[True], beta)  # a.md's page under the name of b.md's
    shutil.rmtree(root / "site")
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    assert snapshot(root / "site") == cold_site


def test_compiled_templates_copied_under_another_name_are_not_run(tmp_path: Path):
    templates = write_files(tmp_path / "templates", {"one.html": "ONE", "two.html": "TWO"})
    env = make_environment(templates, tmp_path / "cache")
    assert env.get_template("one.html").render() == "ONE"
    assert env.get_template("two.html").render() == "TWO"
    compiled = sorted((tmp_path / "cache" / "templates").iterdir())
    data = {path: path.read_bytes() for path in compiled}
    first, second = compiled
    second.write_bytes(data[first])
    first.write_bytes(data[second])
    fresh = make_environment(templates, tmp_path / "cache")
    assert fresh.get_template("one.html").render() == "ONE"
    assert fresh.get_template("two.html").render() == "TWO"


def test_check_writes_nothing_on_a_fresh_site(tmp_path: Path):
    root = _site(tmp_path)
    before = whole_tree(tmp_path)
    checked = subprocess.run([sys.executable, "-m", "distillgen", "check"], cwd=root,
                             env=cli_env(), capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert whole_tree(tmp_path) == before
    assert not (root / ".distillgen-cache").exists()


def test_check_reads_the_cache_of_a_built_site_and_leaves_it_as_it_was(tmp_path: Path):
    root = _site(tmp_path)
    assert run_build(root).returncode == 0
    (root / "content" / "blog" / "b.md").write_text(POST.format(title="Gamma", day=2))
    before = whole_tree(tmp_path)
    result = build(root, write=False, read_only_cache=True, report_unused=True)
    assert not result.failed
    assert result.stats["cached"] == 1  # a.md came from the cache, b.md was rendered
    assert whole_tree(tmp_path) == before


def test_usable_names_the_reason(tmp_path: Path):
    (tmp_path / "file").write_text("x")
    assert cache_module.usable(tmp_path / "file") == \
        "cannot write the cache file/: it is not a folder"
    assert cache_module.usable(tmp_path / "fine") is None
