"""Pathological input finishes in bounded time with a site or located errors, never a
traceback (a RecursionError above all).

Each input gets a site of its own, built by the command line in a subprocess with a generous
timeout: that timeout is the bound, so no time is asserted here. ``pytest -s`` prints how long
each build took. Each input has its expected outcome in ``EXPECTED``: a site, or the errors.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.sitekit import run_build, unlocated_lines, write_files

pytestmark = pytest.mark.slow
TIMEOUT = 120
FRONT = "---\ntitle: Pathological\npubDate: 2024-01-01\n---\n"
N = 10_000


def _bib(entries: int) -> str:
    return "".join(
        f"@article{{key{i},\n  author = {{Author{i}, Ann and Other, Bo and Third, Cy}},\n"
        f"  title = {{Title number {i}: {{\\\"U}}ber {{B}}ayes}},\n  journal = {{J}},\n"
        f"  year = {{{1900 + i % 120}}},\n  doi = {{10.1000/{i}}},\n}}\n" for i in range(entries))


def _prose_paragraph(index: int) -> str:
    return (f"Paragraph {index} says that $f(x_{{{index % 97}}}) = \\sum_i \\phi_i$ holds, "
            "as argued at length before; " * 12).strip()


def ten_megabyte_post() -> dict[str, str]:
    paragraphs = []
    size = 0
    while size < 10_000_000:
        paragraphs.append(_prose_paragraph(len(paragraphs)))
        size += len(paragraphs[-1]) + 2
    return {"content/blog/p.md": FRONT + "\n\n".join(paragraphs) + "\n"}


CASES: dict[str, Callable[[], dict[str, str]]] = {
    "10 MB post": ten_megabyte_post,
    "10,000 nested [": lambda: {"content/blog/p.md": FRONT + "[" * N + "x" + "]" * N + "\n"},
    "10,000 unclosed [": lambda: {"content/blog/p.md": FRONT + "[" * N + "\n"},
    "10,000 nested (": lambda: {"content/blog/p.md": FRONT + "[a](" + "(" * N + ")" * N + ")\n"},
    "10,000 nested >": lambda: {"content/blog/p.md": FRONT + ">" * N + " deep\n"},
    "10,000 nested list items": lambda: {"content/blog/p.md": FRONT + "- " * N + "x\n"},
    "10,000 nested ordered items": lambda: {"content/blog/p.md": FRONT + "1. " * N + "x\n"},
    "10,000 nested * emphasis": lambda: {"content/blog/p.md": FRONT + "*a " * N + "\n"},
    "10,000 nested <div>": lambda: {"content/blog/p.md": FRONT + "<div>" * N + "\n"},
    "5,000-entry bib": lambda: {"references.bib": _bib(5000), "content/blog/p.md": FRONT + "".join(
        f"Cite [@key{i}] and @key{i + 1}.\n" for i in range(0, 5000, 5))},
    "5,000-entry bib, 2,000 unknown keys": lambda: {
        "references.bib": _bib(5000),
        "content/blog/p.md": FRONT + "".join(f"Cite [@kez{i}x].\n" for i in range(2000))},
    "100 KB formula": lambda: {"content/blog/p.md": FRONT + "$$\n" + "x+" * 50_000 + "x\n$$\n"},
    "100 KB inline formula": lambda: {"content/blog/p.md": FRONT + "$" + "x+" * 50_000 + "x$\n"},
    "10,000 nested { in a formula": lambda: {
        "content/blog/p.md": FRONT + "$$\n" + "{" * N + "x" + "}" * N + "\n$$\n"},
    "10,000 unclosed { in a formula": lambda: {"content/blog/p.md": FRONT + "${" + "{" * N + "$\n"},
    "2,000 nested \\frac": lambda: {
        "content/blog/p.md": FRONT + "$$" + "\\frac{" * 2000 + "x" + "}{y}" * 2000 + "$$\n"},
    "5,000 nested \\left(": lambda: {
        "content/blog/p.md": FRONT + "$$" + "\\left(" * 5000 + "x" + "\\right)" * 5000 + "$$\n"},
    "10,000 nested { in a bib title": lambda: {
        "references.bib": "@article{k, title = {" + "{" * N + "x" + "}" * N + "}, year={2000}}\n",
        "content/blog/p.md": FRONT + "[@k]\n"},
    "10,000 nested [ in front matter": lambda: {
        "content/blog/p.md": "---\ntitle: T\npubDate: 2024-01-01\ntags: " + "[" * N + "x"
        + "]" * N + "\n---\nx\n"},
    "10,000 nested YAML lists": lambda: {
        "content/blog/p.md": "---\ntitle: T\npubDate: 2024-01-01\ntags:\n" + "".join(
            "  " * i + "-\n" for i in range(1, 2000)) + "---\nx\n"},
    "1 MB paragraph of !@": lambda: {"content/blog/p.md": FRONT + "!@" * 500_000 + "\n"},
    "5 MB single line": lambda: {"content/blog/p.md": FRONT + "a" * 5_000_000 + "\n"},
    "3,000 notes citing each other": lambda: {"content/blog/p.md": FRONT + "".join(
        f"x[^{i}]\n\n[^{i}]: note [^{i + 1}] $y_{{{i}}}$\n\n" for i in range(3000))},
    "2,000 identical headings": lambda: {"content/blog/p.md": FRONT + "## Same\n\n" * 2000},
    "20,000-row table": lambda: {"content/blog/p.md": FRONT + "| a | b |\n|---|---|\n"
                                 + "| x | $y$ |\n" * 20_000},
}

BAD_MATH = ["error[bad-math]"]
"""TeX nested past the converter's depth limit is refused at its place, not converted."""
EXPECTED: dict[str, list[str]] = {
    # case: the diagnostics of its build, "severity[code]", sorted (empty: a site)
    "10 MB post": [],
    "10,000 nested [": [],
    "10,000 unclosed [": [],
    "10,000 nested (": [],
    "10,000 nested >": [],
    "10,000 nested list items": [],
    "10,000 nested ordered items": [],
    "10,000 nested * emphasis": [],
    "10,000 nested <div>": [],
    "5,000-entry bib": [],
    "5,000-entry bib, 2,000 unknown keys": ["error[unknown-citation]"],
    "100 KB formula": [],
    "100 KB inline formula": [],
    "10,000 nested { in a formula": BAD_MATH,
    "10,000 unclosed { in a formula": BAD_MATH,
    "2,000 nested \\frac": BAD_MATH,
    "5,000 nested \\left(": BAD_MATH,
    "10,000 nested { in a bib title": ["error[bad-bibtex]"],
    "10,000 nested [ in front matter": ["error[bad-front-matter]"],
    "10,000 nested YAML lists": ["error[bad-front-matter]"],
    "1 MB paragraph of !@": [],  # "@!" starts no citation
    "5 MB single line": [],
    "3,000 notes citing each other": [],
    "2,000 identical headings": [],
    "20,000-row table": [],
}
DIAGNOSTIC_CODE = re.compile(r"^\S.*?:\d+:\d+: ((?:error|warning)\[[a-z-]+\])", re.MULTILINE)


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stderr: str
    seconds: float
    page_written: bool
    site_exists: bool


def _build_case(root: Path, name: str) -> Outcome:
    write_files(root, {"distillgen.toml": 'base_url = "https://example.org/"\n', **CASES[name]()})
    started = time.perf_counter()
    run = run_build(root, timeout=TIMEOUT)
    return Outcome(run.returncode, run.stderr, time.perf_counter() - started,
                   (root / "site" / "blog" / "p" / "index.html").is_file(),
                   (root / "site").exists())


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Every case built, two at a time (the machine has two cores); ``pytest -s`` prints how
    long each took."""
    base = tmp_path_factory.mktemp("bounded")
    roots = {name: base / f"case-{index}" for index, name in enumerate(CASES)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_build_case, root, name) for name, root in roots.items()}
        results = {name: future.result() for name, future in futures.items()}
    for name, outcome in sorted(results.items(), key=lambda item: -item[1].seconds):
        print(f"\n{outcome.seconds:7.2f} s  exit {outcome.returncode}  {name}", end="")
    return results


def test_every_case_has_its_expected_outcome():
    assert list(EXPECTED) == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_pathological_input_finishes_with_a_site_or_located_errors(outcomes, name: str):
    outcome = outcomes[name]
    assert "Traceback" not in outcome.stderr, outcome.stderr[-3000:]
    assert unlocated_lines(outcome.stderr) == []
    assert sorted(set(DIAGNOSTIC_CODE.findall(outcome.stderr))) == EXPECTED[name], \
        outcome.stderr[-3000:]
    errors = any(code.startswith("error") for code in EXPECTED[name])
    assert outcome.returncode == (1 if errors else 0), outcome.stderr[-3000:]
    if errors:
        assert not outcome.site_exists
    else:
        assert outcome.page_written
