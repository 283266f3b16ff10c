"""Damaged real posts build to a site or to located errors, never to a traceback.

The corpus (``corpus/``, written by ``make_corpus.py``) holds 40 damaged copies of the example
site's posts. Each one is built as the only post of a copy of the example site whose
``site/`` holds an earlier build: a build that fails must report every problem at a place in
the file (``path:line:col: error[code]``) and leave that earlier site byte for byte as it was;
a build that succeeds must write the post's page. Then all 40 are built together through the
command line, as a user would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from distillgen.build import build
from distillgen.errors import format_diagnostics
from tests.hostile.sitekit import (
    DIAGNOSTIC,
    REPO,
    copy_example_site,
    run_build,
    snapshot,
    unlocated_lines,
    write_files,
)

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.md"))
OLD_SITE = {"index.html": b"<!doctype html><title>the last good build</title>",
            "blog/old/index.html": b"old post", "feed.xml": b"<feed/>"}


@pytest.fixture(scope="module")
def site_template(tmp_path_factory) -> Path:
    """The example site without its posts."""
    root = copy_example_site(tmp_path_factory.mktemp("template") / "site")
    shutil.rmtree(root / "content" / "blog")
    (root / "content" / "blog").mkdir()
    return root


def _lines_of(data: bytes) -> int:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1


def test_the_corpus_is_there_and_small():
    assert len(CORPUS) == 40
    assert sum(path.stat().st_size for path in CORPUS) < 200_000


@pytest.mark.parametrize("damaged", CORPUS, ids=[p.stem for p in CORPUS])
def test_a_damaged_post_gives_a_site_or_located_errors(tmp_path: Path, site_template: Path,
                                                       damaged: Path):
    root = tmp_path / "site-root"
    shutil.copytree(site_template, root)
    data = damaged.read_bytes()
    name = "content/blog/damaged.md"
    write_files(root, {name: data, **{f"site/{k}": v for k, v in OLD_SITE.items()}})

    result = build(root, include_drafts=True, use_cache=False)

    for line in format_diagnostics(result.diagnostics).splitlines():
        assert DIAGNOSTIC.match(line) or line.startswith("  hint: "), line
    for diagnostic in result.diagnostics:
        where = diagnostic.location
        assert where is not None, diagnostic.format()
        if where.path == name:
            assert 1 <= where.line <= _lines_of(data), diagnostic.format()
    if result.failed:
        assert snapshot(root / "site") == {k: v for k, v in OLD_SITE.items()}
    else:
        pages = [p for p in (root / "site" / "blog").glob("*/index.html")]
        assert len(pages) == 1 and b"<article" in pages[0].read_bytes()
        assert not (root / "site" / "blog" / "old").exists()


def test_the_whole_corpus_through_the_command_line(tmp_path: Path, site_template: Path):
    root = tmp_path / "site-root"
    shutil.copytree(site_template, root)
    write_files(root, {f"content/blog/{path.name}": path.read_bytes() for path in CORPUS})
    write_files(root, {f"site/{k}": v for k, v in OLD_SITE.items()})
    run = run_build(root, "--drafts")
    assert "Traceback" not in run.stderr
    assert run.returncode == 1
    assert unlocated_lines(run.stderr) == []
    assert snapshot(root / "site") == OLD_SITE
    assert REPO.is_dir()
