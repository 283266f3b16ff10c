"""Whole sites built and compared file by file with committed output.

Each ``tests/golden/<name>/input`` is a site; ``expected`` is what ``distillgen build`` must
produce from it. Theme stylesheets and fonts are compared by name only (they are copied
verbatim from the package). ``pytest --update-golden`` rewrites ``expected``: review the diff.
A failure shows a unified diff of the first file that differs.
"""

from __future__ import annotations

import difflib
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


def difference(name: str, expected: bytes, actual: bytes, context: int = 3,
               limit: int = 80) -> str:
    """How one file differs from its golden copy: a unified diff of text, at most ``limit``
    lines; for bytes that are not UTF-8 text, the sizes and the first differing offset."""
    try:
        old, new = expected.decode("utf-8"), actual.decode("utf-8")
    except UnicodeDecodeError:
        offset = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False))
                       if a != b), min(len(expected), len(actual)))
        return (f"binary file {name}: {len(expected)} bytes expected, {len(actual)} built; "
                f"first difference at byte {offset}")
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                      f"expected/{name}", f"built/{name}", n=context))
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more diff lines\n"]
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def report(actual: dict[str, bytes], expected: dict[str, bytes]) -> str | None:
    """None when the two trees hold the same files with the same bytes; else what differs,
    with the diff of the first differing file."""
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(name for name in actual.keys() & expected.keys()
                     if actual[name] != expected[name])
    if not (missing or extra or changed):
        return None
    parts = [f"{label}: {', '.join(names)}" for label, names in
             (("not built", missing), ("not in the golden copy", extra), ("differ", changed))
             if names]
    if changed:
        parts.append(difference(changed[0], expected[changed[0]], actual[changed[0]]))
    parts.append("if the change is intended: pytest --update-golden, then review the diff")
    return "\n".join(parts)


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
    problem = report(_comparable(actual), _comparable(_files(expected_dir)))
    if problem is not None:
        pytest.fail(f"{site.name}: the built site differs from the golden copy\n{problem}",
                    pytrace=False)


def test_a_failure_shows_the_diff_of_the_first_differing_file():
    expected = {"a.html": b"<p>one</p>\n<p>two</p>\n", "b.html": b"same", "c.png": b"\x89PNG\x00"}
    actual = {"a.html": b"<p>one</p>\n<p>tw0</p>\n", "b.html": b"same", "c.png": b"\x89PNG\x01",
              "d.html": b"new"}
    text = report(actual, expected)
    assert text is not None
    assert "not in the golden copy: d.html" in text and "differ: a.html, c.png" in text
    assert "--- expected/a.html\n+++ built/a.html\n" in text
    assert "-<p>two</p>\n+<p>tw0</p>\n" in text
    assert difference("c.png", expected["c.png"], actual["c.png"]) == (
        "binary file c.png: 5 bytes expected, 5 built; first difference at byte 4")
    assert report(expected, dict(expected)) is None
