"""What a reader, a feed reader, a crawler and a host see in a built site.

The site is the golden ``basic`` site (a ``base_url`` with a path, a draft, tags with spaces
and accents), built fresh into a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from distillgen.build import build

SITE_INPUT = Path(__file__).parent / "golden" / "basic" / "input"
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://user.github.io/repo/"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site") / "root"
    shutil.copytree(SITE_INPUT, root)
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    return root / "site"


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.scripts: list[dict] = []
        self.meta: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "src"):
            if attributes.get(name) is not None:
                self.urls.append((tag, attributes[name]))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "meta":
            self.meta.append(attributes)


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text("utf-8"))
    return collector


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_pages_exist_for_posts_tags_and_extras(built: Path):
    for name in ("index.html", "blog/shapley/index.html", "blog/other/index.html",
                 "tags/index.html", "tags/game-theory/index.html", "tags/unicode/index.html",
                 "feed.xml", "sitemap.xml", "robots.txt", "404.html",
                 "assets/img/square.png", "blog/beside.png"):
        assert (built / name).is_file(), name


def test_drafts_appear_nowhere(built: Path):
    assert not (built / "blog" / "secret").exists()
    assert not (built / "tags" / "drafts-only").exists()
    for file in built.rglob("*"):
        if file.is_file() and file.suffix in (".html", ".xml", ".txt"):
            assert "A Draft" not in file.read_text("utf-8"), file


def test_drafts_flag_includes_them_with_a_banner(tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(SITE_INPUT, root)
    result = build(root, include_drafts=True)
    assert not result.failed
    page = (root / "site" / "blog" / "secret" / "index.html").read_text("utf-8")
    assert "draft-banner" in page
    assert "blog/secret/" in (root / "site" / "index.html").read_text("utf-8")


def test_no_root_relative_links_and_every_relative_link_resolves(built: Path):
    for page in html_pages(built):
        if page.name == "404.html":
            continue  # served at any depth: links from the base path (checked below)
        collector = parse(page)
        for _tag, url in collector.urls:
            assert not url.startswith("/"), f"{page}: root-relative {url}"
            if re.match(r"^[a-z]+:|^//|^#", url):
                continue
            path = url.split("#")[0].split("?")[0]
            target = (page.parent / path).resolve()
            if url.endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(built)}: {url} leads nowhere"


def test_404_links_from_the_base_path(built: Path):
    collector = parse(built / "404.html")
    page_links = [u for tag, u in collector.urls if tag == "a"]
    assert "/repo/" in page_links
    assert all(u.startswith(("/repo/", "#", "data:")) for tag, u in collector.urls if tag != "a" or
               not u.startswith("http")), collector.urls


def test_fragment_links_in_posts_resolve(built: Path):
    post = built / "blog" / "shapley" / "index.html"
    collector = parse(post)
    for _tag, url in collector.urls:
        if url.startswith("#"):
            assert url[1:] in collector.ids, url
    other = parse(built / "blog" / "other" / "index.html")
    assert "second-section" in other.ids


def test_atom_feed(built: Path):
    feed = ET.parse(built / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == \
        ["Shapley <markup> & Café: Values", "Another Post"]
    assert feed.findtext(f"{ATOM}updated") == "2024-04-01T10:30:00Z"
    for entry in entries:
        entry_id = entry.findtext(f"{ATOM}id")
        assert entry_id.startswith(BASE + "blog/") and entry_id.endswith("/")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.findtext(f"{ATOM}published"))
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        assert "citation-card" not in content.text
    first = entries[0].find(f"{ATOM}content").text
    assert "<math" in first and "References" in first
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == BASE + "feed.xml"


def test_feed_is_advertised_on_every_page(built: Path):
    for page in html_pages(built):
        text = page.read_text("utf-8")
        assert 'rel="alternate" type="application/atom+xml"' in text, page


def test_sitemap_lists_absolute_pretty_urls(built: Path):
    urlset = ET.parse(built / "sitemap.xml").getroot()
    locs = [u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for u in urlset]
    assert BASE in locs
    assert BASE + "blog/shapley/" in locs and BASE + "blog/other/" in locs
    assert all(loc.startswith(BASE) for loc in locs)
    assert f"Sitemap: {BASE}sitemap.xml" in (built / "robots.txt").read_text("utf-8")


def test_tag_pages_list_exactly_their_posts(built: Path):
    def posts_on(page: str) -> set[str]:
        return {u for t, u in parse(built / page).urls if "blog/" in u and u.endswith("/")}

    assert posts_on("tags/game-theory/index.html") == {"../../blog/shapley/",
                                                       "../../blog/other/"}
    assert posts_on("tags/interpretability/index.html") == {"../../blog/shapley/"}
    tags_index = (built / "tags" / "index.html").read_text("utf-8")
    assert "game theory</a> <span class=\"count\">2 posts" in tags_index


def test_post_shows_its_tags_and_linked_authors(built: Path):
    post = built / "blog" / "shapley" / "index.html"
    text = post.read_text("utf-8")
    assert '<a class="tag" href="../../tags/game-theory/">game theory</a>' in text
    assert '<a href="https://example.org/ada">Ada Example</a>' in text
    assert '<time datetime="2024-03-12">' in text


def test_post_metadata_for_sharing_and_scholar(built: Path):
    collector = parse(built / "blog" / "shapley" / "index.html")
    meta = {(m.get("property") or m.get("name")): m.get("content") for m in collector.meta}
    assert meta["og:url"] == BASE + "blog/shapley/"
    assert meta["og:type"] == "article"
    assert meta["og:title"] == "Shapley <markup> & Café: Values"
    assert meta["citation_title"] == "Shapley <markup> & Café: Values"
    assert meta["citation_doi"] == "10.5555/golden.1"
    assert meta["citation_publication_date"] == "2024/03/12"
    authors = [m["content"] for m in collector.meta if m.get("name") == "citation_author"]
    assert authors == ["Ada Example", "Grace Sample"]
    references = [m["content"] for m in collector.meta if m.get("name") == "citation_reference"]
    assert len(references) == 3
    canonical = [u for t, u in collector.urls if t == "link" and u.startswith("https://")]
    assert BASE + "blog/shapley/" in canonical


def test_only_json_ld_scripts_and_it_cannot_close_its_tag(built: Path):
    for page in html_pages(built):
        collector = parse(page)
        assert all(s.get("type") == "application/ld+json" for s in collector.scripts), page
    text = (built / "blog" / "shapley" / "index.html").read_text("utf-8")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1)
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["headline"] == "Shapley <markup> & Café: Values"
    assert data["@type"] == "BlogPosting"


def test_mojibake_and_markup_pass_through_exactly(built: Path):
    text = (built / "blog" / "shapley" / "index.html").read_text("utf-8")
    assert "Ã© and â€™" in text
    assert "<h1>Shapley &lt;markup&gt; &amp; Café: Values</h1>" in text


def _build_in_subprocess(source: Path, folder: Path, seed: str) -> dict[str, bytes]:
    root = folder / "root"
    shutil.copytree(source, root)
    env = {**os.environ, "PYTHONHASHSEED": seed,
           "PYTHONPATH": str(Path(__file__).parent.parent)}
    run = subprocess.run([sys.executable, "-m", "distillgen", "build"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return {p.relative_to(root / "site").as_posix(): p.read_bytes()
            for p in sorted((root / "site").rglob("*")) if p.is_file()}


def test_builds_are_byte_identical_across_folders_and_hash_seeds(tmp_path: Path):
    first = _build_in_subprocess(SITE_INPUT, tmp_path / "a", "1")
    second = _build_in_subprocess(SITE_INPUT, tmp_path / "b", "4242")
    assert first == second


def test_canonical_urls_are_pretty_urls_under_base_url(built: Path):
    host = urlsplit(BASE)
    for page in (built / "blog").glob("*/index.html"):
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page.read_text("utf-8"))
        url = urlsplit(canonical.group(1))
        assert (url.scheme, url.netloc) == (host.scheme, host.netloc)
        assert url.path == f"/repo/blog/{page.parent.name}/"


def test_preview_image_gives_absolute_og_image(tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(SITE_INPUT, root)
    post = root / "content" / "blog" / "other.md"
    post.write_text(post.read_text("utf-8").replace(
        "authors: [Grace Sample]", "authors: [Grace Sample]\nimage: ../../assets/img/square.png"),
        "utf-8")
    assert not build(root).failed
    collector = parse(root / "site" / "blog" / "other" / "index.html")
    meta = {(m.get("property") or m.get("name")): m.get("content") for m in collector.meta}
    assert meta["og:image"] == BASE + "assets/img/square.png"
    assert meta["twitter:card"] == "summary_large_image"
    assert (root / "site" / "assets" / "img" / "square.png").is_file()
