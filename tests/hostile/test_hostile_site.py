"""Script smuggled through a site's data never becomes markup, in any output file.

The site below carries ``<script>``, an ``onerror=`` attribute breakout, ``javascript:`` and
other dangerous URL schemes, ``</script>`` (to end a JSON-LD block early), ``]]>`` and ``&`` in
every field an author or a downloaded ``.bib`` controls: the config's title, description and
author; a post's title, description, tags, authors (names, urls, affiliations), ``doi`` and
file name; an image's file name; and the BibTeX authors, titles, venues, keys, urls and DOIs.
Every output file is then parsed (HTML with ``html.parser``, XML with ElementTree, the HTML
inside Atom entries too) and searched for anything that would run.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from distillgen.build import build
from tests.hostile.sitekit import snapshot, write_files

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT} {BREAKOUT} javascript:alert(1) </script> ]]> & ' <!-- --> &amp;"
"""Every payload at once, for free-text fields."""
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "xlink:href", "background",
                  "cite", "data", "srcset"}
IMAGE_NAME = f"{BREAKOUT}.png"
POST_NAME = f"{BREAKOUT} & ]]>.md"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LINK_TO_SCRIPT = re.compile(
    r"""(?:href|src)\s*=\s*["']?\s*(?:javascript:|vbscript:|data:text/html)""", re.IGNORECASE)
TEXT_CONSTRUCTS = {f"{ATOM}{name}" for name in ("title", "subtitle", "summary", "rights")}


def _q(text: str) -> str:
    """A double-quoted string that TOML and YAML both read back as ``text``."""
    return json.dumps(text)


CONFIG = f"""title = {_q(HOSTILE)}
description = {_q(HOSTILE)}
author = {_q(HOSTILE)}
base_url = "https://example.org/blog/"
"""

BIB = r"""@article{evil,
  author = {<script>alert(1)</script> and Onerror, "><img src=x onerror=alert(1)>
            and javascript:alert(1)},
  title = {</script><script>alert(1)</script> ]]> & "><img src=x onerror=alert(1)>},
  journal = {<svg onload=alert(1)> ]]> &},
  year = {2020},
  url = {javascript:alert(1)},
  doi = {10.1000/"><svg/onload=alert(1)>},
}
@misc{x<svg>y,
  author = {Ann Example},
  title = {data},
  howpublished = {\url{data:text/html,<script>alert(1)</script>}},
  year = {2021},
}
@book{q&a"z,
  author = {Bo Vbscript},
  title = {vb},
  publisher = {vbscript:msgbox(1)},
  url = { JaVaScRiPt:alert(1)},
  year = {2022},
}
"""


def _post() -> str:
    front = {
        "title": HOSTILE,
        "description": HOSTILE,
        "pubDate": "2024-01-01",
        "tags": [SCRIPT, BREAKOUT, "javascript:alert(1)", "</script>", "]]>", "&", "&amp;"],
        "doi": '10.1000/"><svg/onload=alert(1)>',
        "image": IMAGE_NAME,
        "authors": [
            {"name": HOSTILE, "url": "javascript:alert(1)", "affiliation": HOSTILE,
             "affiliationUrl": "javascript:alert(2)"},
            {"name": "Mixed Case", "url": " JaVaScRiPt:alert(1)"},
            {"name": "Data Url", "url": "data:text/html,<script>alert(1)</script>"},
            {"name": "Vb", "url": "vbscript:msgbox(1)"},
            {"name": "Tabbed", "url": "java\tscript:alert(1)"},
            {"name": "Fine", "url": f"https://example.org/?q={BREAKOUT}",
             "affiliation": "Lab", "affiliationUrl": "mailto:lab@example.org"},
        ],
    }
    lines = ["---"] + [f"{key}: {json.dumps(value)}" for key, value in front.items()] + ["---"]
    body = """
Cited as [@evil] and @x<svg>y and [@{q&a"z}, p. 3].[^n]

![A picture](%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E.png)

## A heading & more

[^n]: A note citing [@evil].
"""
    return "\n".join(lines) + "\n" + body


# Line numbers of the author links in the post above (front matter starts on line 2).
UNSAFE_AUTHOR_LINES = [(8, "url"), (8, "affiliationUrl"), (8, "url"), (8, "url"), (8, "url"),
                       (8, "url")]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("hostile")
    write_files(root, {"distillgen.toml": CONFIG, "references.bib": BIB,
                       f"content/blog/{POST_NAME}": _post(),
                       f"content/blog/{IMAGE_NAME}": PNG})
    result = build(root)
    assert not result.failed, [d.format() for d in result.diagnostics]
    return root, result


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of every <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def _parse_html(text: str) -> _Elements:
    parser = _Elements()
    parser.feed(text)
    parser.close()
    return parser


def _is_dangerous_url(value: str) -> bool:
    """What a browser would run: it ignores case, surrounding spaces and control characters,
    and tabs or newlines anywhere in the scheme."""
    cleaned = "".join(char for char in value if char not in "\t\n\r").strip(" \x00-\x1f")
    cleaned = "".join(char for char in cleaned if ord(char) > 0x20).lower()
    return cleaned.startswith(DANGEROUS_SCHEMES)


def _meta_is_url(attrs: dict[str, str | None]) -> bool:
    """Metadata whose content a crawler or a browser follows as a link."""
    name = (attrs.get("property") or attrs.get("name") or "").lower()
    return name.endswith(("url", ":image", "_url")) or name in ("og:video", "og:audio")


def _markup_problems(where: str, parsed: _Elements) -> list[str]:
    problems = []
    for tag, attrs in parsed.elements:
        if tag == "script" and attrs.get("type") != "application/ld+json":
            problems.append(f"{where}: <script {attrs}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"{where}: <{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value and _is_dangerous_url(value):
                problems.append(f"{where}: <{tag} {name}={value!r}>")
        if tag == "meta" and _meta_is_url(attrs) and _is_dangerous_url(attrs.get("content") or ""):
            problems.append(f"{where}: <meta {attrs}>")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            problems.append(f"{where}: <meta http-equiv=refresh>")
        if tag == "img" and attrs.get("src") == "x":
            problems.append(f"{where}: an injected <img src=x>")
        if tag in ("iframe", "object", "embed", "svg", "base", "form"):
            problems.append(f"{where}: <{tag}>")
    return problems


def _xml_problems(where: str, data: bytes) -> list[str]:
    root = ET.fromstring(data)
    problems = []
    for element in root.iter():
        namespace = element.tag.split("}")[0] + "}" if element.tag.startswith("{") else ""
        if namespace not in (ATOM, SITEMAP):
            problems.append(f"{where}: unexpected element {element.tag}")
        for name, value in element.attrib.items():
            if name.startswith("on") or (name == "href" and _is_dangerous_url(value)):
                problems.append(f"{where}: <{element.tag} {name}={value!r}>")
        if element.tag in (f"{ATOM}uri", f"{SITEMAP}loc", f"{ATOM}id") and \
                _is_dangerous_url(element.text or ""):
            problems.append(f"{where}: {element.tag} {element.text!r}")
        if element.get("type") == "html" and element.text:
            # A feed reader renders this text as HTML: parse it too.
            problems += _markup_problems(f"{where} <{element.tag}>", _parse_html(element.text))
        elif element.tag in TEXT_CONSTRUCTS and element.get("type") not in (None, "text"):
            problems.append(f"{where}: <{element.tag} type={element.get('type')}>")
    return problems


def test_every_output_file_is_free_of_injected_markup(hostile_site):
    root, _ = hostile_site
    files = snapshot(root / "site")
    problems: list[str] = []
    pages = feeds = 0
    for name, data in files.items():
        if name.endswith(".html"):
            pages += 1
            problems += _markup_problems(name, _parse_html(data.decode("utf-8")))
        elif name.endswith(".xml"):
            feeds += 1
            problems += _xml_problems(name, data)
    assert pages >= 10 and feeds >= 8, sorted(files)
    assert problems == []


def test_no_raw_payload_survives_in_any_file(hostile_site):
    root, _ = hostile_site
    for name, data in snapshot(root / "site").items():
        if name.endswith((".html", ".xml", ".txt")):
            text = data.decode("utf-8")
            for payload in ("<script>alert", "<img src=x", "onerror=alert(1)>", "<svg onload"):
                assert payload not in text, (name, payload)
            assert not LINK_TO_SCRIPT.search(text), name


def test_payloads_are_shown_as_text_not_dropped(hostile_site):
    """Escaping, not stripping: the reader sees exactly what the author typed."""
    root, _ = hostile_site
    post = next((root / "site" / "blog").glob("*/index.html")).read_text("utf-8")
    headings = []

    class Headings(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.inside = None

        def handle_starttag(self, tag, attrs):
            if tag in ("h1", "title"):
                self.inside = tag
                headings.append([tag, ""])

        def handle_endtag(self, tag):
            self.inside = None

        def handle_data(self, data):
            if self.inside:
                headings[-1][1] += data

    Headings().feed(post)
    assert ["h1", HOSTILE] in headings
    assert ["title", f"{HOSTILE} · {HOSTILE}"] in headings


def test_json_ld_cannot_end_its_script_element(hostile_site):
    root, _ = hostile_site
    checked = 0
    for name, data in snapshot(root / "site").items():
        if not name.endswith(".html"):
            continue
        for block in _parse_html(data.decode("utf-8")).scripts:
            assert not set("<>&") & set(block), name
            assert "\\u003c/script\\u003e" in block
            document = json.loads(block)
            assert document["headline"] == HOSTILE
            assert all("url" not in author or author["url"].startswith("https://")
                       for author in document["author"])
            checked += 1
    assert checked == 1


def test_feeds_and_sitemap_are_well_formed_and_keep_the_text(hostile_site):
    root, _ = hostile_site
    feed = ET.fromstring((root / "site" / "feed.xml").read_bytes())
    assert feed.findtext(f"{ATOM}title") == HOSTILE
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None and entry.findtext(f"{ATOM}title") == HOSTILE
    terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
    assert terms == [SCRIPT, BREAKOUT, "javascript:alert(1)", "</script>", "]]>", "&", "&amp;"]
    uris = [a.findtext(f"{ATOM}uri") for a in entry.findall(f"{ATOM}author")]
    assert [u for u in uris if u] == [f"https://example.org/?q={BREAKOUT}"]
    sitemap = ET.fromstring((root / "site" / "sitemap.xml").read_bytes())
    for loc in sitemap.iter(f"{SITEMAP}loc"):
        assert loc.text and loc.text.startswith("https://example.org/blog/"), loc.text


def test_unsafe_author_links_are_dropped_with_located_warnings(hostile_site):
    root, result = hostile_site
    unsafe = [d for d in result.diagnostics if d.code == "unsafe-url"]
    in_post = sorted((d.location.line, d.message.split("`")[1]) for d in unsafe
                     if d.location and d.location.path.endswith(".md"))
    assert in_post == sorted(UNSAFE_AUTHOR_LINES)
    assert all(not d.is_error for d in unsafe)
    in_bib = sorted(d.location.line for d in unsafe if d.location.path == "references.bib")
    assert in_bib == [7, 20]
    post = next((root / "site" / "blog").glob("*/index.html")).read_text("utf-8")
    links = [a.get("href") for tag, a in _parse_html(post).elements if tag == "a"]
    assert "mailto:lab@example.org" in links


@pytest.mark.parametrize(("url", "kept"), [
    ("https://example.org/me", True),
    ("http://example.org", True),
    ("mailto:me@example.org", True),
    ("/about/", True),
    ("../people/me/", True),
    ("javascript:alert(1)", False),
    ("JAVASCRIPT:alert(1)", False),
    ("  javascript:alert(1)", False),
    ("java\tscript:alert(1)", False),
    ("java\nscript:alert(1)", False),
    ("vbscript:msgbox(1)", False),
    ("data:text/html;base64,PHNjcmlwdD4=", False),
    ("file:///etc/passwd", False),
])
def test_author_link_schemes(tmp_path: Path, url: str, kept: bool):
    write_files(tmp_path, {"content/blog/p.md": (
        "---\ntitle: T\npubDate: 2024-01-01\nauthors:\n"
        f"  - name: A\n    url: {json.dumps(url)}\n---\nText.\n")})
    result = build(tmp_path, use_cache=False)
    assert not result.failed, [d.format() for d in result.diagnostics]
    warnings = [d for d in result.diagnostics if d.code == "unsafe-url"]
    page = (tmp_path / "site" / "blog" / "p" / "index.html").read_text("utf-8")
    hrefs = [a.get("href") for tag, a in _parse_html(page).elements if tag == "a"]
    if kept:
        assert warnings == [] and url.strip() in hrefs
    else:
        assert [(d.location.path, d.location.line, d.location.column) for d in warnings] == \
            [("content/blog/p.md", 6, 10)]
        assert not any(h and _is_dangerous_url(h) for h in hrefs)
        assert not any(h and h.lower().lstrip().startswith(("file:", "vbscript:"))
                       for h in hrefs)


def test_raw_html_in_a_post_body_is_the_authors_own(tmp_path: Path):
    """An interactive figure's own script is passed through; only data is escaped."""
    write_files(tmp_path, {"content/blog/p.md": (
        "---\ntitle: T\npubDate: 2024-01-01\n---\n"
        '<div id="fig"></div>\n<script>document.getElementById("fig").textContent = 1;</script>\n'
    )})
    result = build(tmp_path, use_cache=False)
    assert not result.failed
    page = (tmp_path / "site" / "blog" / "p" / "index.html").read_text("utf-8")
    parsed = _parse_html(page)
    assert [a for tag, a in parsed.elements if tag == "script" and not a] == [{}]
    assert 'document.getElementById("fig").textContent = 1;' in parsed.scripts


def test_control_characters_in_front_matter_are_located_errors(tmp_path: Path):
    """``"\\a"`` in double quotes is a bell character: it would make the feed invalid XML."""
    write_files(tmp_path, {"content/blog/p.md": (
        '---\ntitle: "$\\alpha$ \\x85"\npubDate: 2024-01-01\nauthors:\n'
        '  - name: A\n    url: "\\x01javascript:alert(1)"\n---\nText.\n')})
    result = build(tmp_path, use_cache=False)
    assert [(d.code, str(d.location)) for d in result.diagnostics] == [
        ("bad-field", "content/blog/p.md:2:8"), ("bad-field", "content/blog/p.md:6:10")]
    assert not (tmp_path / "site").exists()
