"""The command line as a user runs it: exit codes, messages, and files in site/."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from distillgen.cli import main
from distillgen.scaffold import new_post

REPO = Path(__file__).parent.parent


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "distillgen", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def write_post(root: Path, name: str, body: str, **front) -> Path:
    front.setdefault("title", "A post")
    front.setdefault("pubDate", "2024-01-01")
    lines = ["---", *(f"{k}: {v}" for k, v in front.items()), "---", "", body]
    path = root / "content" / "blog" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_build_prints_a_summary_and_exits_zero(tmp_path: Path):
    write_post(tmp_path, "one", "Hello.", tags="[a, b]")
    result = run(tmp_path, "build")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("built 1 post, 2 tags in ")
    assert (tmp_path / "site" / "blog" / "one" / "index.html").is_file()


def test_zero_config_empty_site_builds(tmp_path: Path):
    result = run(tmp_path, "build")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()


def test_errors_exit_one_and_leave_the_old_site(tmp_path: Path):
    write_post(tmp_path, "one", "Hello.")
    assert run(tmp_path, "build").returncode == 0
    before = (tmp_path / "site" / "blog" / "one" / "index.html").read_bytes()
    write_post(tmp_path, "one", "Broken $\\frac{1}{$ math.")
    result = run(tmp_path, "build")
    assert result.returncode == 1
    assert "content/blog/one.md:6:17: error[bad-math]" in result.stderr
    assert (tmp_path / "site" / "blog" / "one" / "index.html").read_bytes() == before


def test_strict_turns_warnings_into_failure(tmp_path: Path):
    write_post(tmp_path, "one", "![](pic.png)")
    (tmp_path / "content" / "blog" / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert run(tmp_path, "build").returncode == 0
    result = run(tmp_path, "build", "--strict")
    assert result.returncode == 1
    assert "warning[missing-alt]" in result.stderr


def test_output_option(tmp_path: Path):
    write_post(tmp_path, "one", "Hello.")
    result = run(tmp_path, "build", "--output", "public")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "public" / "blog" / "one" / "index.html").is_file()
    assert not (tmp_path / "site").exists()


def test_check_writes_nothing_and_reports_links_and_unused_entries(tmp_path: Path):
    (tmp_path / "references.bib").write_text(
        "@article{used, title={Used}, year={2020}}\n"
        "@article{unused, title={Unused}, year={2021}}\n", "utf-8")
    write_post(tmp_path, "one", "See [@used] and [a broken link](../nowhere/) "
                                "and [a bad anchor](#nope).")
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site").exists()
    assert "references.bib:2:1: warning[unused-bib-entry]" in result.stderr
    assert "content/blog/one.md:6:17: warning[broken-link]" in result.stderr
    assert "warning[broken-anchor]" in result.stderr
    assert run(tmp_path, "check", "--strict").returncode == 1


def test_a_fragment_of_a_data_file_is_not_an_anchor_to_check(tmp_path: Path):
    write_post(tmp_path, "one", "[rows](data.csv#row=4), [page](paper.pdf#page=2) and "
                                "[nothing](#nope).")
    (tmp_path / "content" / "blog" / "data.csv").write_text("a,b\n1,2\n", "utf-8")
    (tmp_path / "content" / "blog" / "paper.pdf").write_bytes(b"%PDF-1.4\n")
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    anchors = [line for line in result.stderr.splitlines() if "broken-anchor" in line]
    assert len(anchors) == 1 and "`#nope`" in anchors[0], result.stderr


def test_a_cross_reference_reads_as_its_number_in_alt_text_and_the_listing(tmp_path: Path):
    write_post(tmp_path, "one", "As @fig-b shows, it works.\n\n"
                                "![Like @fig-b, closer](a.png){#fig-a}\n\n"
                                "![The second](a.png){#fig-b}")
    (tmp_path / "content" / "blog" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = run(tmp_path, "build")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "blog" / "one" / "index.html").read_text("utf-8")
    assert 'alt="Like Figure\u00a02, closer"' in page
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "As Figure 2 shows, it works." in index  # white space made plain


def test_a_markdown_link_to_a_local_file_publishes_the_file(tmp_path: Path):
    write_post(tmp_path, "one", "[rows](data.csv#row=4) and [the paper](../papers/p.pdf).")
    (tmp_path / "content" / "blog" / "data.csv").write_text("a,b\n1,2\n", "utf-8")
    (tmp_path / "content" / "papers").mkdir()
    (tmp_path / "content" / "papers" / "p.pdf").write_bytes(b"%PDF-1.4\n")
    result = run(tmp_path, "build")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    assert (site / "blog" / "data.csv").read_bytes() == b"a,b\n1,2\n"
    assert (site / "papers" / "p.pdf").read_bytes() == b"%PDF-1.4\n"
    page = (site / "blog" / "one" / "index.html").read_text("utf-8")
    assert '<a href="../data.csv#row=4">rows</a>' in page
    assert '<a href="../../papers/p.pdf">the paper</a>' in page
    assert "broken-link" not in result.stderr


def test_new_creates_a_draft_that_builds_and_refuses_to_overwrite(tmp_path: Path):
    result = run(tmp_path, "new", "Why Attributions Disagree")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "content" / "blog" / "why-attributions-disagree.md"
    text = path.read_text("utf-8")
    assert 'title: "Why Attributions Disagree"' in text
    assert f"pubDate: {dt.date.today().isoformat()}" in text
    assert "draft: true" in text
    assert "draft" in result.stdout and "--drafts" in result.stdout
    skipped = run(tmp_path, "build")
    assert skipped.returncode == 0, skipped.stderr
    assert "; 1 draft skipped (--drafts includes it)" in skipped.stdout
    built = run(tmp_path, "build", "--drafts", "--strict", "--base-url", "https://example.org/")
    assert built.returncode == 0, built.stderr
    assert "draft" not in built.stdout
    assert (tmp_path / "site" / "blog" / "why-attributions-disagree" / "index.html").is_file()
    again = run(tmp_path, "new", "Why Attributions Disagree")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert path.read_text("utf-8") == text


def test_new_post_date_is_injectable(tmp_path: Path):
    path = new_post(tmp_path, "Dated", today=dt.date(2020, 2, 29))
    assert "pubDate: 2020-02-29" in path.read_text("utf-8")


def test_bad_usage_exits_two(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--no-such-flag"])
    assert exit_info.value.code == 2


def test_python_dash_m_and_version(tmp_path: Path):
    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("distillgen ")


def test_progress_bar_draws_and_clears():
    import io

    from distillgen.cli import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(10, 20)  # too few posts to bother
    assert stream.getvalue() == ""
    bar(50, 100)
    assert stream.getvalue().endswith("rendering [###############               ] 50/100 posts")
    bar.clear()
    assert stream.getvalue().endswith("\r")


def test_no_progress_bar_when_piped(tmp_path: Path):
    for i in range(60):
        write_post(tmp_path, f"p{i}", f"Post {i}.")
    result = run(tmp_path, "build")
    assert result.returncode == 0
    assert "rendering" not in result.stderr
