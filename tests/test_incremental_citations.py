"""An edit to what posts cite from re-renders exactly the posts it reaches: a site or post
.bib entry, a CSL style file (the site's or a post's), an entry added under ``nocite: "@*"``,
the site's macros. Each build after the first reuses the other posts from the cache."""

from __future__ import annotations

from pathlib import Path

from distillgen.bibliography.csl import find_style
from distillgen.build import build

SITE_BIB = """@article{x, author = {Ada Lovelace}, title = {Notes on the Engine}, year = 1843,
  journal = {Memoirs}}
@article{z, author = {Alan Turing}, title = {Computable Numbers}, year = 1936,
  journal = {Proceedings}}
"""
OWN_BIB = "@book{y, author = {Grace Hopper}, title = {Compilers}, year = 1952}\n"


def post(title: str, body: str, *fields: str) -> str:
    return "\n".join(["---", f"title: {title}", "pubDate: 2024-01-01", *fields, "---", "",
                      body, ""])


def make_site(root: Path) -> Path:
    blog = root / "content" / "blog"
    (blog / "b").mkdir(parents=True)
    (root / "distillgen.toml").write_text('bibliography = "refs.bib"\n', "utf-8")
    (root / "refs.bib").write_text(SITE_BIB, "utf-8")
    (root / "macros.tex").write_text("\\newcommand{\\R}{\\mathbb{R}}\n", "utf-8")
    style = find_style("apa", Path("."))[0]
    assert style is not None
    (blog / "house.csl").write_bytes(style.xml)
    (blog / "a.md").write_text(post("A", "As @x shows.", "csl: house.csl"), "utf-8")
    (blog / "b" / "index.md").write_text(post("B", "See [@y].", "bibliography: own.bib"),
                                         "utf-8")
    (blog / "b" / "own.bib").write_text(OWN_BIB, "utf-8")
    (blog / "c.md").write_text(post("C", "No citations, $x \\in \\R$."), "utf-8")
    (blog / "d.md").write_text(post("D", "Everything.", 'nocite: "@*"'), "utf-8")
    return root


def rebuilt(root: Path) -> int:
    result = build(root, workers=1)
    assert not result.failed, [d.format() for d in result.diagnostics]
    return result.stats["rendered"]


def page(root: Path, name: str) -> str:
    return (root / "site" / "blog" / name / "index.html").read_text("utf-8")


def test_each_edit_renders_the_posts_it_reaches_and_no_other(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s")
    assert rebuilt(root) == 4
    assert rebuilt(root) == 0

    csl = root / "content" / "blog" / "house.csl"
    csl.write_bytes(csl.read_bytes() + b"\n<!-- edited -->\n")
    assert rebuilt(root) == 1  # only A is cited in that style

    own = root / "content" / "blog" / "b" / "own.bib"
    own.write_text(OWN_BIB.replace("Compilers", "Compiling Routines"), "utf-8")
    assert rebuilt(root) == 1  # only B reads its own .bib
    assert "Compiling Routines" in page(root, "b")
    references = root / "site" / "blog" / "b" / "references.bib"
    assert "Compiling Routines" in references.read_text("utf-8")

    bib = root / "refs.bib"
    bib.write_text(SITE_BIB.replace("Notes on the Engine", "Sketch of the Engine"), "utf-8")
    assert rebuilt(root) == 2  # A cites x; D lists every entry
    assert "Sketch of the" in page(root, "a")  # APA writes titles in sentence case
    assert "Sketch of the Engine" in page(root, "d")

    bib.write_text(bib.read_text("utf-8") + "@misc{w, title = {New}, year = 2000}\n", "utf-8")
    assert rebuilt(root) == 1  # a new entry: only the post listing every entry
    assert "New" in page(root, "d")

    macros = root / "macros.tex"
    macros.write_text("\\newcommand{\\R}{\\mathbf{R}}\n", "utf-8")
    assert rebuilt(root) == 4  # the macros are every post's


def test_a_style_file_that_goes_is_reported_where_the_post_names_it(tmp_path: Path) -> None:
    root = make_site(tmp_path / "s")
    assert rebuilt(root) == 4
    (root / "content" / "blog" / "house.csl").unlink()
    result = build(root)
    (problem,) = [d for d in result.diagnostics if d.is_error]
    assert problem.code == "bad-csl"
    assert (problem.location.path, problem.location.line) == ("content/blog/a.md", 4)
