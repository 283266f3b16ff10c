"""The real-world corpus, end to end: every entry of five real .bib files renders when cited
from a post, and all 150 real formulas render as MathML on a built page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from distillgen.bibliography import load_bibliography
from distillgen.build import build
from tests.corpus import BIB_FILES, formulas
from tests.corpus import HERE as CORPUS  # noqa: F401 (the name tests used)


@pytest.mark.parametrize("bib", BIB_FILES, ids=[b.stem[:40] for b in BIB_FILES])
def test_every_entry_renders_when_cited(bib: Path, tmp_path: Path):
    keys = list(load_bibliography(bib, "references.bib").entries)
    (tmp_path / "content" / "blog").mkdir(parents=True)
    shutil.copy(bib, tmp_path / "references.bib")
    citations = " ".join(f"[@{{{key}}}]" for key in keys)
    (tmp_path / "content" / "blog" / "all.md").write_text(
        f"---\ntitle: All\npubDate: 2024-01-01\n---\n\nEverything: {citations}\n", "utf-8")
    result = build(tmp_path, workers=1)
    assert not result.failed, [d.format() for d in result.diagnostics if d.is_error]
    page = (tmp_path / "site" / "blog" / "all" / "index.html").read_text("utf-8")
    references = re.search(r'<ol class="references">(.*?)</ol>', page, re.S).group(1)
    items = re.findall(r'<li id="ref-[^"]*">(.*?)</li>', references, re.S)
    assert len(items) == len(keys)
    for item in items:
        assert not re.search(r"\\[A-Za-z]", item), item
        assert "{" not in re.sub(r"<[^>]+>", "", item), item


def test_all_corpus_formulas_render_on_a_page(tmp_path: Path):
    body = "\n\n".join(f"$$\n{formula}\n$$" for formula in formulas())
    (tmp_path / "content" / "blog").mkdir(parents=True)
    (tmp_path / "content" / "blog" / "math.md").write_text(
        f"---\ntitle: Math\npubDate: 2024-01-01\n---\n\n{body}\n", "utf-8")
    result = build(tmp_path, workers=1)
    assert not result.failed, [d.format() for d in result.diagnostics if d.is_error]
    page = (tmp_path / "site" / "blog" / "math" / "index.html").read_text("utf-8")
    assert page.count('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">') == \
        len(formulas()) == 150
    assert "math-error" not in page
