"""Damaged real posts build to a site or to located errors, never to a traceback.

The corpus (``corpus/``, written by ``make_corpus.py``) holds 40 damaged copies of the example
site's posts. Each one is built as the only post of a copy of the example site whose
``site/`` holds an earlier build: the build must give exactly the diagnostics listed for that
file in ``EXPECTED`` (none: a site), every one at a place in the file
(``path:line:col: error[code]``); a build that fails must leave that earlier site byte for
byte as it was, one that succeeds must write the post's page. Then all 40 are built together
through the command line, as a user would, and must report the same errors.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from distillgen.build import build
from distillgen.errors import format_diagnostics
from distillgen.write import MARKER, MARKER_CONTENT
from tests.hostile.sitekit import (
    DIAGNOSTIC,
    copy_example_site,
    run_build,
    snapshot,
    unlocated_lines,
    write_files,
)

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.md"))
OLD_SITE = {"index.html": b"<!doctype html><title>the last good build</title>",
            "blog/old/index.html": b"old post", "feed.xml": b"<feed/>",
            MARKER: MARKER_CONTENT}  # an earlier build leaves its marker

NOTE_CUT = "error[unknown-footnote]"
"""A copy keeps 30 lines of a post's body: a note marker whose definition fell outside them
is an unknown footnote, whatever the damage."""
NOTE_UNUSED = "warning[unused-footnote]"
"""The other way round: a definition kept, the marker that used it cut off."""
FRONT_MATTER = "error[bad-front-matter]"
OUTSIDE_MATH = "warning[unrendered-syntax]"
"""A $$ lost or displaced leaves a ``\\begin{aligned}`` outside math, shown as text."""
EXPECTED: dict[str, list[str]] = {
    # file: every diagnostic its build gives, "severity[code]", sorted (empty: a site)
    "00-no-closing-fence": [FRONT_MATTER],
    "01-unknown-citation+stray-fence+stray-note": ["error[unknown-citation]", NOTE_CUT],
    # the citation landed inside $...$, where it is TeX: not a citation
    "02-unknown-citation": [],
    "03-bytes-flipped": ["warning[broken-link]", NOTE_UNUSED],  # a byte flipped in a link
    "04-lines-duplicated+bytes-flipped+no-closing-fence": [FRONT_MATTER],
    "05-no-closing-fence": [FRONT_MATTER],
    # a { in a formula; another on the closing $$ line, which then closes nothing
    "06-bytes-flipped+stray-brace+truncated": ["error[bad-math]", NOTE_CUT, OUTSIDE_MATH],
    "07-unknown-citation": ["error[unknown-citation]"],
    "08-lines-deleted+truncated": [],
    "09-broken-yaml+lines-deleted+stray-dollar": [FRONT_MATTER],
    "10-truncated+broken-yaml": ["error[bad-field]"],  # pubDate: 2024-13-45
    "11-no-closing-fence": [FRONT_MATTER],
    # a front matter that does not parse stops the post there: its body is not looked at
    "12-unknown-citation+bytes-flipped+stray-bracket": [FRONT_MATTER],
    "13-unknown-citation+stray-bracket+lines-duplicated": ["error[unknown-citation]", NOTE_CUT],
    "14-no-closing-fence+bytes-flipped": [FRONT_MATTER],
    "15-broken-yaml": [FRONT_MATTER],
    "16-bytes-flipped+no-closing-fence": [FRONT_MATTER],
    "17-lines-duplicated+stray-dollar": [NOTE_CUT],
    "18-stray-brace+unknown-citation": ["error[unknown-citation]"],
    "19-stray-fence+unclosed-display-math": [],  # the $$ went into a code block
    "20-unclosed-code-fence": [],  # the code block runs to the end, as CommonMark says
    "21-unknown-citation+bytes-flipped+stray-brace": ["error[unknown-citation]"],
    # a $$ inside a paragraph opens nothing without its closing $$ in that paragraph
    "22-mixed-line-ends+lines-deleted+unclosed-display-math": [],
    "23-broken-yaml+lines-deleted": [FRONT_MATTER],
    "24-mixed-line-ends+stray-bracket+truncated": [],
    "25-bytes-flipped+lines-deleted+lines-duplicated": ["warning[broken-link]"],
    "26-truncated+mixed-line-ends+unclosed-display-math": [FRONT_MATTER],
    # pubDate became a second title:
    "27-broken-yaml+unclosed-code-fence": ["error[duplicate-key]", "error[missing-field]"],
    "28-no-closing-fence+stray-bracket": [FRONT_MATTER],
    "29-lines-deleted+stray-brace": [NOTE_CUT],
    "30-stray-bracket+lines-deleted": [NOTE_CUT],
    "31-stray-fence+no-closing-fence": [FRONT_MATTER],
    "32-unknown-citation+stray-dollar+stray-brace": ["error[unknown-citation]"],
    "33-mixed-line-ends": [NOTE_CUT],
    # after damage to the whole file, lines-deleted took the title and pubDate lines
    "34-mixed-line-ends+lines-deleted+unclosed-code-fence": ["error[missing-field]"],
    "35-lines-deleted": [NOTE_CUT],
    "36-stray-bracket": [],
    "37-no-closing-fence+unclosed-code-fence": [FRONT_MATTER],
    "38-lines-duplicated": [NOTE_CUT, OUTSIDE_MATH],  # a $$ line doubled out of place
    "39-unclosed-code-fence": [],
}
LINK_WARNINGS = {"warning[broken-link]", "warning[broken-anchor]"}
FRONT_MATTER_CODES = {FRONT_MATTER, "error[bad-field]", "error[duplicate-key]",
                      "error[missing-field]"}


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
    assert sorted(EXPECTED) == [path.stem for path in CORPUS]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_expectation_fits_the_damage_its_file_names(name: str):
    expected = set(EXPECTED[name])
    kinds = name.split("-", 1)[1].split("+")
    if "no-closing-fence" in kinds or "broken-yaml" in kinds:
        assert expected & FRONT_MATTER_CODES
    if expected & FRONT_MATTER_CODES:
        assert expected <= FRONT_MATTER_CODES  # the body is not looked at
        assert {"no-closing-fence", "broken-yaml", "bytes-flipped", "truncated",
                "lines-deleted"} & set(kinds)
    if "unknown-citation" in kinds and not expected & FRONT_MATTER_CODES:
        assert "error[unknown-citation]" in expected or name == "02-unknown-citation"


@pytest.mark.parametrize("damaged", CORPUS, ids=[p.stem for p in CORPUS])
def test_a_damaged_post_gives_a_site_or_located_errors(tmp_path: Path, site_template: Path,
                                                       damaged: Path):
    root = tmp_path / "site-root"
    shutil.copytree(site_template, root)
    data = damaged.read_bytes()
    name = "content/blog/damaged.md"
    write_files(root, {name: data, **{f"site/{k}": v for k, v in OLD_SITE.items()}})

    result = build(root, include_drafts=True, use_cache=False)

    found = sorted({f"{d.severity.value}[{d.code}]" for d in result.diagnostics})
    assert found == EXPECTED[damaged.stem], format_diagnostics(result.diagnostics)
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
    assert run.stderr.rstrip().endswith("build failed: nothing was written; the previous site "
                                        "is unchanged")
    assert snapshot(root / "site") == OLD_SITE
    reported: dict[str, set[str]] = {}
    for line in run.stderr.splitlines():
        located = re.match(r"content/blog/(.+)\.md:\d+:\d+: (\w+\[[a-z-]+\])", line)
        if located:
            reported.setdefault(located.group(1), set()).add(located.group(2))
    # a failed build stops before links are checked: their warnings do not show
    shown = {name: set(codes) - LINK_WARNINGS for name, codes in EXPECTED.items()}
    assert reported == {name: codes for name, codes in shown.items() if codes}
