"""Readable fixtures: each case is a title, Markdown input and the expected HTML.

Format (markdown-it's own, read with its ``read_fixture_file``; long lines wrapped, see
``fixture_format.py``)::

    title of the case
    .
    markdown input
    .
    expected html
    .

Run ``pytest --update-golden`` to rewrite the expectations (wrapped), then review the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath

import pytest

from distillgen.bibliography import parse_bibliography
from distillgen.markdown.state import AssetInfo
from distillgen.model import Post, PostMeta
from distillgen.render import RenderContext, render_post
from tests.markdown import fixture_format

HERE = Path(__file__).parent
FIXTURES = sorted((HERE / "fixtures").glob("*.md"))
BIB = parse_bibliography((HERE / "fixtures" / "references.bib").read_text("utf-8"),
                         "references.bib")


def read_cases(path: Path) -> list[tuple[str, str, str, int]]:
    """(title, input, expected, line) for every case of a fixture file."""
    return [(case.title, case.source, case.expected, case.line)
            for case in fixture_format.read_cases(path)]


def render(markdown: str) -> str:
    """Body HTML, then the diagnostics, as a reader and an author would see them."""
    import datetime as dt

    post = Post(source_path="content/blog/case.md",
                meta=PostMeta(title="Case", pub_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
                body=markdown, body_line_offset=0, url_path=PurePosixPath("blog/case"))
    context = RenderContext(entries=dict(BIB.entries),
                            assets_on_disk={"assets/fig.png": AssetInfo(640, 480),
                                            "content/blog/local.svg": AssetInfo(100, 50),
                                            "content/blog/clip.mp4": AssetInfo(),
                                            "content/blog/data.csv": AssetInfo()})
    rendered = render_post(post, context)
    out = rendered.html.rstrip("\n")
    if rendered.appendix_html:
        out += "\n<!-- appendix -->\n" + rendered.appendix_html.rstrip("\n")
    for number, note in rendered.footnotes_html:
        out += f"\n<!-- note {number} -->\n{note}"
    for key, entry in rendered.bibliography_html:
        out += f"\n<!-- ref {key} -->\n{entry}"
    for diagnostic in rendered.diagnostics:
        out += f"\n<!-- {diagnostic.format()} -->"
    return out


def _all_cases():
    for path in FIXTURES:
        for index, case in enumerate(fixture_format.read_cases(path)):
            yield pytest.param(path, index, case.title, case.source, case.expected,
                               id=f"{path.stem}:{case.line}:{case.title}")


def difference(expected: str, actual: str) -> str:
    """A unified diff of the two outputs as the fixture file spells them (wrapped)."""
    diff = difflib.unified_diff(fixture_format.format_block(expected).splitlines(),
                                fixture_format.format_block(actual).splitlines(),
                                "expected", "actual", lineterm="", n=2)
    return "\n".join(diff)


@pytest.mark.parametrize(("path", "index", "title", "source", "expected"), list(_all_cases()))
def test_fixture(path: Path, index: int, title: str, source: str, expected: str,
                 update_golden: bool):
    actual = render(source)
    if update_golden:  # also rewraps cases written unwrapped
        fixture_format.rewrite_case(path, index, source, actual)
        return
    if actual != expected:
        pytest.fail(f"{path.name}, case {title!r}: the output differs (rerun with "
                    f"--update-golden to accept it, then review the diff)\n"
                    f"{difference(expected, actual)}", pytrace=False)
