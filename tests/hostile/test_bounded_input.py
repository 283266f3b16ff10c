"""Hostile input costs time and output proportional to its size, or gets a located refusal:
thousands of tags, one YAML anchor aliased thousands of times, a FIFO or a device among the
assets. Each case runs the command line and looks at what it wrote; no time is asserted
(the subprocess timeout is the bound)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from distillgen.front_matter import MAX_TAGS
from distillgen.front_matter_yaml import ALIAS_BUDGET
from tests.hostile.sitekit import run_build, unlocated_lines, write_files

FRONT = "---\ntitle: T\npubDate: 2024-01-01\n"


def _site_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_2000_tags_are_a_located_refusal_at_the_first_one_too_many(tmp_path: Path):
    tags = "".join(f"  - tag number {i}\n" for i in range(2000))
    root = write_files(tmp_path, {"content/blog/t.md": FRONT + "tags:\n" + tags + "---\nB.\n"})
    run = run_build(root, timeout=60)
    assert run.returncode == 1
    line = 5 + MAX_TAGS  # the tag after the limit: title, pubDate, tags: come first
    assert run.stderr.startswith(f"content/blog/t.md:{line}:5: error[too-many-tags]: a post may "
                                 f"have at most {MAX_TAGS} tags; this is tag number "
                                 f"{MAX_TAGS + 1}")
    assert unlocated_lines(run.stderr) == []
    assert not (root / "site").exists()


def test_the_most_tags_allowed_build_a_site_linear_in_its_posts(tmp_path: Path):
    tags = ", ".join(f"tag{i}" for i in range(MAX_TAGS))
    files = {f"content/blog/p{n}.md": FRONT + f"tags: [{tags}]\n---\nBody {n}.\n"
             for n in range(3)}
    root = write_files(tmp_path, files)
    assert run_build(root).returncode == 0
    three = _site_size(root / "site")
    write_files(root, {f"content/blog/p{n}.md": FRONT + f"tags: [{tags}]\n---\nBody {n}.\n"
                       for n in range(3, 6)})
    assert run_build(root).returncode == 0
    six = _site_size(root / "site")
    assert six < 2.2 * three  # twice the posts, about twice the site, never the square
    assert six < 20_000_000


def test_duplicate_tags_count_once(tmp_path: Path):
    tags = "".join(f"  - same\n  - Same\n  - other{i % 3}\n" for i in range(1000))
    root = write_files(tmp_path, {"content/blog/t.md": FRONT + "tags:\n" + tags + "---\nB.\n"})
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    assert "5 tags" in run.stdout or "4 tags" in run.stdout


def test_20000_aliases_of_one_anchor_are_a_located_refusal(tmp_path: Path):
    front = (FRONT + 'authors:\n  - &x "' + "a" * 1000 + '"\n' + "  - *x\n" * 20_000
             + "---\nBody.\n")
    root = write_files(tmp_path, {"content/blog/t.md": front})
    run = run_build(root, timeout=60)
    assert run.returncode == 1
    assert run.stderr.startswith("content/blog/t.md:5:5: error[bad-front-matter]: the value "
                                 "anchored here is repeated 20,000 times by aliases")
    assert unlocated_lines(run.stderr) == []


def test_nested_aliases_that_would_expand_to_gigabytes_are_refused(tmp_path: Path):
    lines = ["x0: &a0 [q, q, q, q, q, q, q, q, q, q]"]
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    root = write_files(tmp_path, {"content/blog/t.md": FRONT + "\n".join(lines)
                                  + "\n---\nB.\n"})
    run = run_build(root, timeout=60)
    assert run.returncode == 1
    assert "error[bad-front-matter]: the value anchored here is repeated" in run.stderr


def test_an_alias_of_itself_is_refused(tmp_path: Path):
    root = write_files(tmp_path, {"content/blog/t.md": FRONT + "tags: &t [a, *t]\n---\nB.\n"})
    run = run_build(root)
    assert run.returncode == 1
    assert run.stderr.startswith("content/blog/t.md:4:7: error[bad-front-matter]: the value "
                                 "anchored here refers to itself through an alias")


def test_a_few_aliases_are_fine(tmp_path: Path):
    front = (FRONT + "authors:\n  - name: Ann\n    affiliation: &lab Example Lab\n"
             "  - name: Bo\n    affiliation: *lab\n---\nBody.\n")
    root = write_files(tmp_path, {"content/blog/t.md": front})
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    page = (root / "site" / "blog" / "t" / "index.html").read_text("utf-8")
    assert page.count("Example Lab") >= 2


def test_aliases_up_to_the_budget_are_fine(tmp_path: Path):
    value = "v" * 100
    uses = ALIAS_BUDGET // (len(value) + 1) - 10
    front = (FRONT + f'authors:\n  - &x "{value}"\n' + "  - *x\n" * uses + "---\nB.\n")
    root = write_files(tmp_path, {"content/blog/t.md": front})
    run = run_build(root)
    assert run.returncode == 0, run.stderr


def test_a_fifo_among_the_assets_is_skipped_with_a_warning(tmp_path: Path):
    root = write_files(tmp_path, {"content/blog/p.md": FRONT + "---\nB.\n",
                                  "assets/ok.css": "a {}"})
    os.mkfifo(root / "assets" / "pipe.png")
    os.mkfifo(root / "pipe.json")
    run = run_build(root, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "assets/pipe.png:1:1: warning[special-file]: skipped: not a regular file" in run.stderr
    assert "pipe.json:1:1: warning[special-file]" in run.stderr
    assert unlocated_lines(run.stderr) == []
    assert (root / "site" / "assets" / "ok.css").is_file()
    assert not (root / "site" / "assets" / "pipe.png").exists()
    assert run_build(root, "--strict").returncode == 1


def test_a_device_among_the_assets_is_never_copied(tmp_path: Path):
    root = write_files(tmp_path, {"content/blog/p.md": FRONT + "---\nB.\n"})
    (root / "assets").mkdir()
    try:
        os.mknod(root / "assets" / "zero.bin", 0o644 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        from tests.faults.faultkit import cannot

        cannot("creating a device node (mknod) is not permitted here")
    run = run_build(root, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "assets/zero.bin:1:1: warning[special-file]" in run.stderr
    assert not (root / "site" / "assets" / "zero.bin").exists()


@pytest.mark.parametrize("name", ["post.html", "404.html"])
def test_a_fifo_in_place_of_a_template_counts_as_absent(tmp_path: Path, name: str):
    root = write_files(tmp_path, {"content/blog/p.md": FRONT + "---\nB.\n"})
    (root / "templates").mkdir()
    os.mkfifo(root / "templates" / name)
    run = run_build(root, timeout=60)
    assert run.returncode == 0, run.stderr
    assert (root / "site" / "404.html").is_file()
