"""Whole sites built and compared file by file with committed output.

Each ``tests/golden/<name>/input`` is a site; ``expected`` is what ``distillgen build`` must
produce from it. Theme stylesheets and fonts are compared by name only (they are copied
verbatim from the package). ``pytest --update-golden`` rewrites ``expected``: review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from distillgen.build import build

HERE = Path(__file__).parent
SITES = sorted(p for p in HERE.iterdir() if (p / "input").is_dir())
VERBATIM = ("assets/css/", "assets/fonts/")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _comparable(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: (b"<verbatim>" if name.startswith(VERBATIM) and name != "assets/css/highlight.css"
                   else content) for name, content in files.items()}


@pytest.mark.parametrize("site", SITES, ids=[s.name for s in SITES])
def test_golden_site(site: Path, tmp_path: Path, update_golden: bool):
    root = tmp_path / "root"
    shutil.copytree(site / "input", root)
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    actual = _files(root / "site")
    expected_dir = site / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(root / "site", expected_dir)
        for name in _files(expected_dir):  # stand-ins: copied verbatim, compared by name
            if name.startswith(VERBATIM) and name != "assets/css/highlight.css":
                (expected_dir / name).write_bytes(b"")
    expected = _files(expected_dir)
    assert sorted(actual) == sorted(expected)
    for name, content in _comparable(actual).items():
        assert content == _comparable(expected)[name], f"{name} differs from the golden copy"
