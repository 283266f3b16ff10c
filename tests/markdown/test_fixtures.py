"""Readable fixtures: each case is a title, Markdown input and the expected HTML.

Format (as in markdown-it's own fixture files)::

    title of the case
    .
    markdown input
    .
    expected html
    .

Run ``pytest --update-golden`` to rewrite the expectations, then review the diff.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from distillgen.bibliography import parse_bibliography
from distillgen.markdown.state import AssetInfo
from distillgen.model import Post, PostMeta
from distillgen.render import RenderContext, render_post

HERE = Path(__file__).parent
FIXTURES = sorted((HERE / "fixtures").glob("*.md"))
BIB = parse_bibliography((HERE / "fixtures" / "references.bib").read_text("utf-8"),
                         "references.bib")


def read_cases(path: Path) -> list[tuple[str, str, str, int]]:
    """(title, input, expected, line) for every case of a fixture file."""
    lines = path.read_text("utf-8").split("\n")
    cases, i = [], 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i + 1] == "." and lines[i].strip():
            title, start = lines[i], i
            i += 2
            blocks = []
            for _ in range(2):
                block = []
                while lines[i] != ".":
                    block.append(lines[i])
                    i += 1
                blocks.append("\n".join(block))
                i += 1
            cases.append((title, blocks[0] + "\n", blocks[1], start + 1))
        else:
            i += 1
    return cases


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
        for title, source, expected, line in read_cases(path):
            yield pytest.param(path, title, source, expected, id=f"{path.stem}:{line}:{title}")


@pytest.mark.parametrize(("path", "title", "source", "expected"), list(_all_cases()))
def test_fixture(path: Path, title: str, source: str, expected: str, update_golden: bool):
    actual = render(source)
    if update_golden and actual != expected:
        text = path.read_text("utf-8")
        old = f"{title}\n.\n{source}.\n{expected + chr(10) if expected else ''}.\n"
        new = f"{title}\n.\n{source}.\n{actual}\n.\n"
        assert old in text, "fixture case not found for update"
        path.write_text(text.replace(old, new, 1), "utf-8")
        return
    assert actual == expected
