"""The last escaping gaps: folder and file names in URLs, rewritten post links, plain-text
outputs, the DOI in "Cite this post", and characters no feed may hold coming from a .bib."""

from __future__ import annotations

import re
import xml.dom.minidom
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from distillgen.build import build
from distillgen.cite_post import cite_post
from distillgen.front_matter import parse_datetime
from distillgen.markdown.math import MathError, tex_to_mathml
from distillgen.model import PostMeta
from distillgen.names import url_path
from distillgen.text import forbidden_character
from tests.hostile.sitekit import REPO, run_build, unlocated_lines, write_files

PNG = (REPO / "assets" / "images" / "saturation-heatmap.png").read_bytes()
FOLDERS = ["c#", "why?", "50%", "a b", "ünï", "x:y", "javascript:alert(1)"]


def post(title: str, body: str = "Text.", day: int = 1) -> str:
    return f"---\ntitle: {title}\npubDate: 2024-01-{day:02d}\ntags: [t]\n---\n{body}\n"


@pytest.fixture(scope="module")
def odd_names(tmp_path_factory) -> Path:
    """Posts in folders whose names mean something in a URL, linked from one post."""
    files = {f"content/blog/{folder}/p.md": post(f"P{i}", day=i + 1) for i, folder in
             enumerate(FOLDERS)}
    links = " ".join(f"[{i}](../{quote(folder)}/p.md)" for i, folder in enumerate(FOLDERS))
    files["content/blog/hub/links.md"] = post("Hub", links + "\n\n![A figure](fig%20%231.png)", 20)
    files["content/blog/hub/fig #1.png"] = PNG
    root = write_files(tmp_path_factory.mktemp("names"), files)
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    assert [d.format() for d in result.diagnostics] == []  # no broken-link warning either
    return root


def _hrefs(page: Path) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', page.read_text("utf-8"))


def test_every_relative_link_and_image_of_every_page_lands_on_a_file(odd_names: Path):
    site = odd_names / "site"
    checked = 0
    for page in site.rglob("*.html"):
        for href in _hrefs(page):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path or href.startswith("/"):
                continue
            target = page.parent / unquote(parts.path)
            if parts.path.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), (page.relative_to(site), href)
            checked += 1
    assert checked > 100


def test_folder_names_are_percent_encoded_in_links(odd_names: Path):
    index = _hrefs(odd_names / "site" / "index.html")
    for expected in ["./blog/c%23/p/", "./blog/why%3F/p/", "./blog/50%25/p/", "./blog/a%20b/p/",
                     "./blog/%C3%BCn%C3%AF/p/", "./blog/x%3Ay/p/",
                     "./blog/javascript%3Aalert%281%29/p/"]:
        assert expected in index


def test_a_rewritten_post_link_never_has_a_scheme(odd_names: Path):
    hub = _hrefs(odd_names / "site" / "blog" / "hub" / "links" / "index.html")
    rewritten = [h for h in hub if h.endswith("/p/")]
    assert len(rewritten) == len(FOLDERS)
    assert all(urlsplit(h).scheme == "" for h in rewritten)
    assert "../../javascript%3Aalert%281%29/p/" in rewritten


def test_a_file_name_with_a_hash_is_an_image_not_a_fragment(odd_names: Path):
    hub = odd_names / "site" / "blog" / "hub" / "links" / "index.html"
    assert "../fig%20%231.png" in _hrefs(hub)


def test_sitemap_and_feeds_carry_encoded_absolute_urls(odd_names: Path):
    site = odd_names / "site"
    for name in ["sitemap.xml", "feed.xml", "tags/t/feed.xml"]:
        text = (site / name).read_text("utf-8")
        xml.dom.minidom.parseString(text.encode())
        urls = re.findall(r"<loc>([^<]*)</loc>|href=\"([^\"]*)\"|<id>([^<]*)</id>", text)
        urls = [next(u for u in groups if u) for groups in urls]
        assert urls
        for url in urls:
            rest = url.split("://", 1)[1]
            assert not re.search(r"[\s#?]|%(?![0-9A-F]{2})|[^\x21-\x7e]", rest), url
    assert "http://localhost:8000/blog/c%23/p/" in (site / "sitemap.xml").read_text("utf-8")


def test_url_path_keeps_slugs_and_dots_and_encodes_the_rest():
    assert url_path("blog/post-1_a/") == "blog/post-1_a/"
    assert url_path("../../tags/x/") == "../../tags/x/"
    assert url_path("c#/why?/50%/a b") == "c%23/why%3F/50%25/a%20b"
    assert url_path("javascript:x") == "javascript%3Ax"


def test_robots_txt_is_plain_text(tmp_path: Path):
    root = write_files(tmp_path, {
        "distillgen.toml": 'base_url = "https://example.org/r&d/"\ntitle = "R&D <lab>"\n',
        "templates/robots.txt": "# {{ config.title }}\nUser-agent: *\nSitemap: {{ sitemap }}\n",
        "content/blog/p.md": post("P")})
    assert run_build(root).returncode == 0
    assert (root / "site" / "robots.txt").read_text() == (
        "# R&D <lab>\nUser-agent: *\nSitemap: https://example.org/r&d/sitemap.xml\n")
    feed = (root / "site" / "feed.xml").read_text()
    assert "<title>R&amp;D &lt;lab&gt;</title>" in feed
    xml.dom.minidom.parseString(feed.encode())


def test_the_theme_robots_txt_keeps_an_ampersand(tmp_path: Path):
    root = write_files(tmp_path, {"distillgen.toml": 'base_url = "https://example.org/r&d/"\n',
                                  "content/blog/p.md": post("P")})
    assert run_build(root).returncode == 0
    assert "Sitemap: https://example.org/r&d/sitemap.xml" in (root / "site/robots.txt").read_text()


@pytest.mark.parametrize("doi", ["10.1234/x},note={injected", "10.1234/x{", "10.1234/a\\\\b"])
def test_a_brace_or_backslash_in_doi_is_a_located_error(tmp_path: Path, doi: str):
    root = write_files(tmp_path, {"content/blog/d.md": "---\ntitle: D\npubDate: 2024-01-01\n"
                                  f'doi: "{doi}"\n---\nBody.\n'})
    run = run_build(root)
    assert run.returncode == 1
    assert run.stderr.startswith("content/blog/d.md:4:6: error[bad-doi]: `doi` may not contain")
    assert unlocated_lines(run.stderr) == []


def test_cite_this_post_cannot_be_given_a_field_through_the_doi():
    meta = PostMeta(title="T", pub_date=parse_datetime("2024-01-01"), doi="10.1/x},note={y")
    bibtex = cite_post(meta, "https://e.org/t/", "Site").bibtex
    assert "note" not in bibtex.replace("10.1/x%7D,note=%7By", "")
    assert "doi = {10.1/x%7D,note=%7By}" in bibtex


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\x85", "\x0b", "\ud800"])
def test_a_bib_field_with_a_character_no_feed_may_hold_is_a_located_error(tmp_path: Path,
                                                                          char: str):
    bib = f"@misc{{k1,\n  title = {{Bad {char} title}},\n  year = {{2000}}\n}}\n"
    root = write_files(tmp_path, {"references.bib": bib.encode("utf-8", "surrogatepass"),
                                  "content/blog/c.md": post("C", "See [@k1].")})
    run = run_build(root)
    assert run.returncode == 1
    if char == "\ud800":  # not UTF-8 at all
        assert "references.bib:2:16: error[bad-encoding]" in run.stderr
    else:
        assert "references.bib:2:16: error[bad-encoding]: the file contains the " in run.stderr
        assert f"U+{ord(char):04X}" in run.stderr
    assert unlocated_lines(run.stderr) == []


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x85", "\ufdd0", "\ufffe", "\ud800"])
def test_a_formula_refuses_what_every_other_input_refuses(char: str):
    assert forbidden_character(f"x {char}") == 2
    with pytest.raises(MathError, match=f"U\\+{ord(char):04X}"):
        tex_to_mathml(f"x {char}", display=False)


def test_the_same_character_is_refused_in_every_kind_of_input(tmp_path: Path):
    files = {"content/blog/c.md": post("C \ufffe"),
             "references.bib": "@misc{k1, title={\ufffe}, year={2000}}\n",
             "distillgen.toml": 'title = "\ufffe"\n',
             "templates/404.html": "\ufffe"}
    for name, text in files.items():
        root = write_files(tmp_path / name.replace("/", "_"), {
            "content/blog/ok.md": post("Fine"), name: text})
        run = run_build(root)
        assert run.returncode == 1, (name, run.stderr)
        assert "U+FFFE" in run.stderr, (name, run.stderr)
