"""The same input gives byte-identical output, however and wherever it is built.

One site (the example site and 40 generated posts, enough for the build to use its pool of
worker processes) is built: with one worker and without the cache; with two workers and a cold
cache; again with a warm cache; in two other folders by the command line, with different hash
seeds and with the files created in opposite orders. Every build must give the same file map:
the same paths, and the same bytes in each.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from distillgen.build import build
from tests.hostile.sitekit import (
    cli_env,
    copy_example_site,
    run_build,
    snapshot,
    synthetic_posts,
    tree_difference,
    write_files,
)

POSTS = 40


def _make_site(root: Path, reverse: bool = False) -> Path:
    """The site's files, created in sorted order or in the reverse order."""
    source = root.parent / (root.name + "-source")
    copy_example_site(source)
    write_files(source, synthetic_posts(POSTS, seed=7))
    files = sorted(p for p in source.rglob("*") if p.is_file())
    for path in reversed(files) if reverse else files:
        target = root / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    shutil.rmtree(source)
    return root


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """One worker, no cache: the plainest build there is."""
    root = _make_site(tmp_path_factory.mktemp("reference") / "site-root")
    result = build(root, workers=1, use_cache=False)
    assert not result.failed, [d.format() for d in result.diagnostics]
    tree = snapshot(root / "site")
    assert len([name for name in tree if name.startswith("blog/")]) >= POSTS
    return tree


def test_workers_and_cache_states_give_the_same_bytes(tmp_path: Path, reference):
    root = _make_site(tmp_path / "site-root")
    cold = build(root, workers=2)
    assert not cold.failed and cold.stats["rendered"] > 0
    assert snapshot(root / "site") == reference, tree_difference(snapshot(root / "site"),
                                                                 reference)
    shutil.rmtree(root / "site")
    warm = build(root, workers=2)
    assert warm.stats["cached"] == warm.stats["posts"] + warm.stats["standalone"]
    assert snapshot(root / "site") == reference
    elsewhere = build(root, workers=1, output=root / "other-output")
    assert elsewhere.stats.get("cached") == elsewhere.stats["posts"] + \
        elsewhere.stats["standalone"]
    assert snapshot(root / "other-output") == reference


def test_hash_seed_folder_and_file_order_do_not_matter(tmp_path: Path, reference):
    trees = []
    for seed, folder, reverse in (("0", "first/a", False), ("12345", "second/b/c", True)):
        root = _make_site(tmp_path / folder, reverse=reverse)
        run = run_build(root, env=cli_env(PYTHONHASHSEED=seed))
        assert run.returncode == 0, run.stderr
        trees.append(snapshot(root / "site"))
    assert trees[0] == trees[1], tree_difference(trees[0], trees[1])
    assert trees[0] == reference, tree_difference(trees[0], reference)


def test_a_warm_cache_after_an_edit_gives_what_a_cold_build_gives(tmp_path: Path):
    """The incremental path must land on the same bytes as a from-scratch build."""
    warm_root = _make_site(tmp_path / "warm")
    assert not build(warm_root, workers=2).failed
    edited = "content/blog/post-0003.md"
    text = (warm_root / edited).read_text("utf-8").replace("## Section 3", "## Renamed")
    bib = (warm_root / "references.bib").read_text("utf-8").replace(
        "Shapley", "Shapley, Lloyd", 1)
    write_files(warm_root, {edited: text, "references.bib": bib})
    assert not build(warm_root, workers=2).failed
    cold_root = _make_site(tmp_path / "cold")
    write_files(cold_root, {edited: text, "references.bib": bib})
    assert not build(cold_root, workers=1, use_cache=False).failed
    assert snapshot(warm_root / "site") == snapshot(cold_root / "site"), tree_difference(
        snapshot(warm_root / "site"), snapshot(cold_root / "site"))
