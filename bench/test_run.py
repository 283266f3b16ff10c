"""Checks of the benchmark's own machinery (run with ``pytest bench``): what it measures must
be the build's, and what it compares must be compared byte for byte."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import run

ALLOCATE = "b = bytearray({mib} << 20); b[::4096] = b'x' * len(b[::4096])"


def test_peak_rss_is_the_builds_own_not_the_callers() -> None:
    ballast = bytearray(300 << 20)
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = run.run_measured([sys.executable, "-c", "pass"], Path.cwd())
    large = run.run_measured([sys.executable, "-c", ALLOCATE.format(mib=120)], Path.cwd())
    assert small.peak_rss_kib < 100 << 10
    assert large.peak_rss_kib > 120 << 10
    assert len(ballast) == 300 << 20


def test_peak_rss_covers_worker_processes() -> None:
    parent = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
              f"{ALLOCATE.format(mib=150)!r}])")
    sample = run.run_measured([sys.executable, "-c", parent], Path.cwd())
    assert sample.peak_rss_kib > 150 << 10


def test_a_failing_build_stops_the_benchmark() -> None:
    with pytest.raises(run.BenchmarkError, match="exited 3"):
        run.run_measured([sys.executable, "-c", "import sys; sys.exit(3)"], Path.cwd())


def test_differing_files_finds_changed_missing_and_extra_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for root in (first, second):
        (root / "blog").mkdir(parents=True)
        (root / "index.html").write_text("same")
    (first / "blog" / "post.html").write_bytes(b"<p>one</p>")
    (second / "blog" / "post.html").write_bytes(b"<p>one</p>\n")
    (second / "extra.xml").write_text("")
    assert run.differing_files(first, second) == ["extra.xml", "blog/post.html"]
    assert run.differing_files(first, first) == []


def test_every_run_edits_a_different_post() -> None:
    stems = [f"{i:05d}" for i in range(100)]
    assert len({run.edited_post(r, 5, stems) for r in range(5)}) == 5
    assert len({run.edited_post(r, 3, stems[:2]) for r in range(2)}) == 2


def test_summary_gives_ratios_of_medians_and_peak_memory() -> None:
    report = run.Report()
    for seconds, rss in ((1.0, 100 << 10), (3.0, 300 << 10), (2.0, 200 << 10)):
        report.add("disk", 10, "distillgen", "cold", run.Sample(seconds, seconds, rss, 0.0))
        report.add("disk", 10, "hugo", "cold", run.Sample(seconds / 4, seconds, rss * 2, 0.0))
    rows = run.summary_table(report, "disk", [10])
    assert "| 10 | cold build | 2.00 s | 500 ms | 4.00× | 4.00× | 2.00 s | 2.00 s | 1.00× |" in rows
    assert "| 10 | peak RSS (max) | 300 MiB | 600 MiB | 0.50× | | | | |" in rows


def test_main_process_cpu_is_read_apart_from_its_workers() -> None:
    worker = ("import time; t = time.process_time()\n"
              "while time.process_time() - t < 0.6: pass")
    parent = ("import subprocess, sys, time; t = time.process_time()\n"
              "while time.process_time() - t < 0.2: pass\n"
              f"subprocess.run([sys.executable, '-c', {worker!r}])")
    sample = run.run_measured([sys.executable, "-c", parent], Path.cwd())
    assert sample.main_cpu_seconds is not None
    assert 0.15 < sample.main_cpu_seconds < 0.45
    assert sample.cpu_seconds > 0.75
    main, whole, share = run.serial_share([sample])
    assert 0.15 < share < 0.45
