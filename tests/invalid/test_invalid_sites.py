"""Sites that must fail: each folder holds a site and ``expected.txt``, the diagnostics the
build must print (``path:line:col: severity[code]`` and hint lines). The build must exit 1,
and a ``site/`` from an earlier build must be left byte for byte as it was.

``pytest --update-golden`` rewrites ``expected.txt`` from the current output; review the diff.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from distillgen.write import MARKER, MARKER_CONTENT

HERE = Path(__file__).parent
CASES = sorted(p for p in HERE.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def _summary(stderr: str) -> str:
    """The located lines and hints, without messages (they may be reworded)."""
    kept = []
    for line in stderr.splitlines():
        if line.startswith("  hint:"):
            kept.append(line)
        elif ": error[" in line or ": warning[" in line:
            kept.append(line.split("]:", 1)[0] + "]")
    return "\n".join(kept) + "\n"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_site_fails_with_located_errors(case: Path, tmp_path: Path, update_golden: bool):
    site = tmp_path / "site-root"
    shutil.copytree(case, site, ignore=shutil.ignore_patterns("expected.txt"))
    old_output = site / "site"
    (old_output / "blog" / "old").mkdir(parents=True)
    (old_output / "index.html").write_bytes(b"<!doctype html><title>previous build</title>")
    (old_output / "blog" / "old" / "index.html").write_bytes(b"old post")
    (old_output / MARKER).write_bytes(MARKER_CONTENT)  # an earlier build leaves its marker
    before = _snapshot(old_output)

    run = subprocess.run([sys.executable, "-m", "distillgen", "build"], cwd=site,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(HERE.parent.parent), "PATH": "/usr/bin:/bin"})

    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stdout + run.stderr
    assert "nothing was written" in run.stderr
    assert _snapshot(old_output) == before
    actual = _summary(run.stderr)
    expected_file = case / "expected.txt"
    if update_golden:
        expected_file.write_text(actual, "utf-8")
    assert actual == expected_file.read_text("utf-8")
