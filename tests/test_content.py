"""Finding and reading posts: encodings, front matter rules, slugs; every problem located."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillgen.config import SiteConfig
from distillgen.discover import discover
from distillgen.errors import Diagnostic, Severity
from distillgen.front_matter import parse_post
from distillgen.model import Affiliation, Author, Post, PostMeta, SourceFile
from distillgen.names import slugify

POST = "content/blog/post.md"
CONFIG = SiteConfig(root=Path("/srv/site"))
UTC = dt.UTC


def doc(*front_matter: str, body: str = "Body.\n") -> str:
    """A post whose front matter lines start on line 2."""
    return "---\n" + "".join(line + "\n" for line in front_matter) + "---\n" + body


MINIMAL = ("title: A post", "pubDate: 2024-03-01")


def parse(text: str, path: str = POST) -> tuple[Post | None, list[Diagnostic]]:
    post, diagnostics = parse_post(SourceFile(path, text), CONFIG)
    assert all(d.location is not None and d.location.path == path for d in diagnostics)
    return post, diagnostics


def meta(*front_matter: str):
    post, diagnostics = parse(doc(*front_matter))
    assert post is not None, [d.format() for d in diagnostics]
    assert diagnostics == []
    return post.meta


def the_error(text: str, path: str = POST) -> Diagnostic:
    """The single diagnostic a broken post gives; the post itself is refused."""
    post, diagnostics = parse(text, path)
    assert post is None
    assert len(diagnostics) == 1, [d.format() for d in diagnostics]
    return diagnostics[0]


def at(diagnostic: Diagnostic) -> str:
    return str(diagnostic.location)


# --- discovery and decoding -------------------------------------------------------------------


def make_site(tmp_path: Path, files: dict[str, bytes | str]) -> SiteConfig:
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        path.write_bytes(data)
    return SiteConfig(root=tmp_path)


def test_discover_finds_markdown_recursively_sorted_skipping_hidden(tmp_path: Path) -> None:
    config = make_site(tmp_path, {
        "content/b.md": "b", "content/a/z.md": "z", "content/a/b/c.md": "c",
        "content/.hidden.md": "x", "content/_draft.md": "x", "content/_parts/p.md": "x",
        "content/.git/x.md": "x", "content/notes.txt": "x", "content/img.png": b"\x89PNG\0",
        "outside/o.md": "x",
    })
    sources, diagnostics = discover(config)
    assert [s.path for s in sources] == ["content/a/b/c.md", "content/a/z.md", "content/b.md"]
    assert diagnostics == []


def test_crlf_and_lone_cr_become_lf(tmp_path: Path) -> None:
    config = make_site(tmp_path, {"content/p.md": b"---\r\ntitle: x\r\n---\rbody\r\n"})
    [source], _ = discover(config)
    assert source.text == "---\ntitle: x\n---\nbody\n"


def test_bom_is_removed(tmp_path: Path) -> None:
    config = make_site(tmp_path, {"content/p.md": b"\xef\xbb\xbf---\ntitle: x\n"})
    [source], _ = discover(config)
    assert source.text == "---\ntitle: x\n"


def test_latin1_file_is_a_located_encoding_error(tmp_path: Path) -> None:
    text = doc("title: Caf\xe9 cr\xe8me", "pubDate: 2024-03-01")
    config = make_site(tmp_path, {"content/p.md": text.encode("latin-1")})
    sources, [problem] = discover(config)
    assert sources == []
    assert problem.code == "bad-encoding"
    assert at(problem) == "content/p.md:2:11"
    assert "UTF-8" in problem.hint


def test_bad_byte_column_counts_characters_after_a_bom_and_crlf(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf---\r\ntitle: \xc3\xa9t\xe9\r\n"
    config = make_site(tmp_path, {"content/p.md": data})
    _, [problem] = discover(config)
    assert at(problem) == "content/p.md:2:10"


def test_nul_byte_is_a_located_encoding_error(tmp_path: Path) -> None:
    config = make_site(tmp_path, {"content/p.md": b"---\ntitle: a\x00b\n---\n"})
    sources, [problem] = discover(config)
    assert sources == []
    assert problem.code == "bad-encoding"
    assert at(problem) == "content/p.md:2:9"


def test_utf16_file_is_named_in_the_hint(tmp_path: Path) -> None:
    config = make_site(tmp_path, {"content/p.md": "---\ntitle: x\n".encode("utf-16")})
    _, [problem] = discover(config)
    assert problem.code == "bad-encoding"
    assert at(problem) == "content/p.md:1:1"
    assert "UTF-16" in problem.hint


def test_mojibake_and_markup_survive_byte_for_byte(tmp_path: Path) -> None:
    title = "Caf\u00c3\u00a9 <em>&amp;</em> e\u0301t\u00e9"  # mojibake, markup, NFD and NFC
    config = make_site(tmp_path, {"content/blog/p.md": doc(f"title: '  {title}  '",
                                                           "pubDate: 2024-03-01")})
    [source], _ = discover(config)
    post, diagnostics = parse_post(source, config)
    assert diagnostics == []
    assert post.meta.title == title
    assert post.meta.title.encode("utf-8") == title.encode("utf-8")


def test_links_out_of_the_site_are_skipped_with_a_warning(tmp_path: Path) -> None:
    site = tmp_path / "site"
    config = make_site(site, {"content/real.md": "x", "drafts/linked.md": "y"})
    (tmp_path / "secret.md").write_text("secret")
    (tmp_path / "secrets").mkdir()
    os.symlink(tmp_path / "secret.md", site / "content/leak.md")
    os.symlink(tmp_path / "secrets", site / "content/leaks")
    os.symlink(site / "drafts/linked.md", site / "content/linked.md")
    sources, diagnostics = discover(config)
    assert [s.path for s in sources] == ["content/linked.md", "content/real.md"]
    assert sources[0].text == "y"
    assert [(d.code, d.severity, at(d)) for d in diagnostics] == [
        ("outside-site", Severity.WARNING, "content/leak.md:1:1"),
        ("outside-site", Severity.WARNING, "content/leaks:1:1"),
    ]


def test_a_folder_link_loop_is_walked_once(tmp_path: Path) -> None:
    config = make_site(tmp_path, {"content/a/p.md": "x"})
    os.symlink(tmp_path / "content", tmp_path / "content/a/again")
    sources, diagnostics = discover(config)
    assert [s.path for s in sources] == ["content/a/p.md"]
    assert diagnostics == []


def test_missing_content_folder_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    sources, [problem] = discover(SiteConfig(root=tmp_path))
    assert sources == []
    assert (problem.code, problem.severity) == ("missing-content-dir", Severity.WARNING)


# --- splitting the front matter ---------------------------------------------------------------


def test_minimal_post() -> None:
    post, diagnostics = parse(doc(*MINIMAL, body="Hello\n\nWorld\n"))
    assert diagnostics == []
    assert post.meta.title == "A post"
    assert post.meta.pub_date == dt.datetime(2024, 3, 1, tzinfo=UTC)
    assert post.body == "Hello\n\nWorld\n"
    assert post.body_line_offset == 4
    assert post.source_path == POST
    assert post.url_path == PurePosixPath("blog/post")


def test_defaults() -> None:
    got = meta(*MINIMAL)
    assert (got.description, got.tags, got.authors, got.draft, got.featured) == (
        "", (), (), False, False)
    assert (got.citation, got.toc, got.doi, got.image, got.bibliography) == (
        True, True, None, None, ())
    assert (got.csl, got.nocite, got.abstract) == (None, (), "")
    assert got.updated_date is None


def test_fences_may_have_trailing_spaces() -> None:
    post, diagnostics = parse("---  \ntitle: x\npubDate: 2024-03-01\n--- \nbody")
    assert diagnostics == []
    assert post.body == "body"


def test_empty_file_has_no_front_matter() -> None:
    problem = the_error("")
    assert problem.code == "missing-front-matter"
    assert at(problem) == f"{POST}:1:1"


def test_file_without_front_matter_gets_a_minimal_header_hint() -> None:
    problem = the_error("# Just a heading\n\nText.\n")
    assert problem.code == "missing-front-matter"
    assert at(problem) == f"{POST}:1:1"
    assert "title:" in problem.hint and "pubDate:" in problem.hint


def test_front_matter_must_start_on_the_first_line() -> None:
    problem = the_error("\n\n" + doc(*MINIMAL))
    assert problem.code == "missing-front-matter"
    assert at(problem) == f"{POST}:3:1"


def test_unclosed_front_matter_is_located_with_a_hint() -> None:
    problem = the_error("---\ntitle: x\npubDate: 2024-03-01\n\n# Heading\n")
    assert problem.code == "bad-front-matter"
    assert at(problem) == f"{POST}:1:1"
    assert '"---"' in problem.hint


def test_yaml_syntax_error_is_located_in_the_file() -> None:
    problem = the_error(doc("title: x", "pubDate: 2024-03-01",
                            "description: Shapley: a fair split"))
    assert problem.code == "bad-front-matter"
    assert at(problem) == f"{POST}:4:21"
    assert "double quotes" in problem.hint


def test_yaml_indentation_error_is_located() -> None:
    problem = the_error(doc("title: x", "pubDate: 2024-03-01", "tags:", "  - a", " - b"))
    assert problem.code == "bad-front-matter"
    assert problem.location.line == 6


def test_control_character_is_located() -> None:
    problem = the_error(doc("title: bell\x07", "pubDate: 2024-03-01"))
    assert problem.code == "bad-front-matter"
    assert at(problem) == f"{POST}:2:12"
    assert "U+0007" in problem.message


def test_front_matter_that_is_a_list_is_refused() -> None:
    problem = the_error(doc("- title", "- pubDate"))
    assert problem.code == "bad-front-matter"
    assert at(problem) == f"{POST}:2:1"


def test_empty_front_matter_misses_both_required_fields() -> None:
    post, diagnostics = parse("---\n---\nbody\n")
    assert post is None
    assert sorted((d.code, at(d), d.message) for d in diagnostics) == [
        ("missing-field", f"{POST}:1:1", "the front matter has no `pubDate`"),
        ("missing-field", f"{POST}:1:1", "the front matter has no `title`"),
    ]


def test_duplicate_key_is_located_at_the_second() -> None:
    problem = the_error(doc("title: a", "pubDate: 2024-03-01", "title: b"))
    assert problem.code == "duplicate-key"
    assert at(problem) == f"{POST}:4:1"
    assert "line 2" in problem.message


# --- title and plain strings ------------------------------------------------------------------


def test_title_whitespace_is_stripped_and_characters_kept() -> None:
    got = meta("title: '  <script>alert(1)</script> & Ünïcödé  '", "pubDate: 2024-03-01")
    assert got.title == "<script>alert(1)</script> & Ünïcödé"


@pytest.mark.parametrize("value, kind", [
    ("42", "a number"), ("3.5", "a number"), ("[a, b]", "a list"), ("{a: b}", "a mapping"),
    ("true", "a boolean"),
])
def test_title_must_be_a_string(value: str, kind: str) -> None:
    problem = the_error(doc(f"title: {value}", "pubDate: 2024-03-01"))
    assert problem.code == "bad-field"
    assert at(problem) == f"{POST}:2:8"
    assert kind in problem.message


def test_yes_and_no_are_strings_not_booleans() -> None:
    assert meta("title: no", "pubDate: 2024-03-01").title == "no"


def test_missing_title_is_located_at_the_opening_fence() -> None:
    problem = the_error(doc("pubDate: 2024-03-01"))
    assert problem.code == "missing-field"
    assert at(problem) == f"{POST}:1:1"
    assert "`title`" in problem.message


def test_empty_title_is_located_at_its_key() -> None:
    problem = the_error(doc("pubDate: 2024-03-01", "title:"))
    assert problem.code == "missing-field"
    assert at(problem) == f"{POST}:3:1"


def test_blank_title_is_refused() -> None:
    problem = the_error(doc("pubDate: 2024-03-01", "title: '   '"))
    assert problem.code == "bad-field"
    assert at(problem) == f"{POST}:3:8"


def test_description_is_read() -> None:
    assert meta(*MINIMAL, "description: >\n  Two\n  lines").description == "Two lines"


# --- unknown keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("key, meant", [
    ("pubdate", "pubDate"), ("date", "pubDate"), ("updated", "updatedDate"),
    ("author", "authors"), ("tag", "tags"), ("categories", "tags"), ("draf", "draft"),
])
def test_unknown_key_gets_a_did_you_mean(key: str, meant: str) -> None:
    post, diagnostics = parse(doc("title: x", "pubDate: 2024-03-01", f"{key}: 2024-01-01"))
    assert post is None
    [problem] = diagnostics
    assert problem.code == "unknown-front-matter-key"
    assert at(problem) == f"{POST}:4:1"
    assert f"`{meant}`" in problem.hint


def test_a_misspelled_required_key_is_not_also_reported_missing() -> None:
    problem = the_error(doc("title: x", "date: 2024-03-01"))
    assert problem.code == "unknown-front-matter-key"
    assert at(problem) == f"{POST}:3:1"


def test_unknown_key_without_a_close_match_lists_the_known_ones() -> None:
    problem = the_error(doc(*MINIMAL, "zzz: 1"))
    assert problem.code == "unknown-front-matter-key"
    assert "pubDate" in problem.hint


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("written, expected", [
    ("2024-03-01", dt.datetime(2024, 3, 1, tzinfo=UTC)),
    ("'2024-03-01'", dt.datetime(2024, 3, 1, tzinfo=UTC)),
    ("1970-01-01T00:00:00.000Z", dt.datetime(1970, 1, 1, tzinfo=UTC)),
    ("'1970-01-01T00:00:00.000Z'", dt.datetime(1970, 1, 1, tzinfo=UTC)),
    ("2024-03-01 10:00", dt.datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
    ("2024-03-01T10:00:30", dt.datetime(2024, 3, 1, 10, 0, 30, tzinfo=UTC)),
    ("2024-03-01T10:00:00+02:00",
     dt.datetime(2024, 3, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=2)))),
])
def test_accepted_date_forms(written: str, expected: dt.datetime) -> None:
    got = meta("title: x", f"pubDate: {written}").pub_date
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("written", [
    "2024-13-45", "2024-02-30", "2024-3-1", "yesterday", "'2024-03-01 25:00'", "20240301",
    "[2024-03-01]",
])
def test_impossible_dates_are_located(written: str) -> None:
    problem = the_error(doc("title: x", f"pubDate: {written}"))
    assert problem.code == "bad-date"
    assert at(problem) == f"{POST}:3:10"
    assert "2024-03-01" in problem.hint


def test_impossible_month_names_the_reason() -> None:
    problem = the_error(doc("title: x", "pubDate: 2024-13-45"))
    assert "2024-13-45" in problem.message
    assert "month" in problem.message


def test_updated_date_is_read() -> None:
    got = meta(*MINIMAL, "updatedDate: 2024-05-02T08:00:00Z")
    assert got.updated_date == dt.datetime(2024, 5, 2, 8, tzinfo=UTC)


def test_updated_before_published_is_a_warning_at_updated_date() -> None:
    post, [problem] = parse(doc(*MINIMAL, "updatedDate: 2023-01-01"))
    assert post is not None
    assert (problem.code, problem.severity) == ("updated-before-published", Severity.WARNING)
    assert at(problem) == f"{POST}:4:14"


def test_bad_updated_date_is_located() -> None:
    problem = the_error(doc(*MINIMAL, "updatedDate: 2024-00-10"))
    assert problem.code == "bad-date"
    assert at(problem) == f"{POST}:4:14"


# --- tags -------------------------------------------------------------------------------------


def test_tags_list_is_stripped_and_deduplicated_in_order() -> None:
    got = meta(*MINIMAL, "tags: [ ml , Shapley, ml, 'C++', Shapley ]")
    assert got.tags == ("ml", "Shapley", "C++")


def test_a_single_string_is_one_tag() -> None:
    assert meta(*MINIMAL, "tags: game theory").tags == ("game theory",)


def test_empty_tag_is_refused() -> None:
    problem = the_error(doc(*MINIMAL, "tags:", "  - ml", "  - ''"))
    assert problem.code == "bad-field"
    assert at(problem) == f"{POST}:6:5"


def test_numeric_tag_is_refused_with_a_quote_hint() -> None:
    problem = the_error(doc(*MINIMAL, "tags: [ml, 2024]"))
    assert problem.code == "bad-field"
    assert at(problem) == f"{POST}:4:12"
    assert '"2024"' in problem.hint


def test_empty_tags_key_means_no_tags() -> None:
    assert meta(*MINIMAL, "tags:").tags == ()


# --- authors ----------------------------------------------------------------------------------


def test_authors_mixed_list_of_names_and_mappings() -> None:
    got = meta(*MINIMAL, "authors:", "  - name: Mira Halvorsen", "    url: https://example.org/m",
               "    affiliation: Example Institute", "    affiliationUrl: https://example.org",
               "  - Tomás Ferreira", "  - {name: Ada}")
    assert got.authors == (
        Author("Mira Halvorsen", "https://example.org/m",
               affiliations=(Affiliation("Example Institute", "https://example.org"),)),
        Author("Tomás Ferreira"),
        Author("Ada"),
    )


def test_a_single_author_string_or_mapping() -> None:
    assert meta(*MINIMAL, "authors: Ada Lovelace").authors == (Author("Ada Lovelace"),)
    assert meta(*MINIMAL, "authors: {name: Ada, url: x}").authors == (Author("Ada", "x"),)


def test_author_mapping_needs_a_name() -> None:
    problem = the_error(doc(*MINIMAL, "authors:", "  - url: https://example.org"))
    assert problem.code == "missing-field"
    assert at(problem) == f"{POST}:5:5"


def test_unknown_author_key_gets_a_did_you_mean() -> None:
    problem = the_error(doc(*MINIMAL, "authors:", "  - name: Ada", "    affiliation_url: x"))
    assert problem.code == "unknown-front-matter-key"
    assert at(problem) == f"{POST}:6:5"
    assert "`affiliationUrl`" in problem.hint


def test_author_of_a_wrong_type_is_located() -> None:
    problem = the_error(doc(*MINIMAL, "authors: [Ada, 42]"))
    assert problem.code == "bad-field"
    assert at(problem) == f"{POST}:4:16"


# --- flags ------------------------------------------------------------------------------------


def test_flags_are_read() -> None:
    got = meta(*MINIMAL, "draft: true", "featured: True", "citation: false", "toc: FALSE")
    assert (got.draft, got.featured, got.citation, got.toc) == (True, True, False, False)


@pytest.mark.parametrize("value", ["yes", "'true'", "1", "on"])
def test_flags_are_strict_booleans(value: str) -> None:
    problem = the_error(doc(*MINIMAL, f"draft: {value}"))
    assert problem.code == "bad-field"
    assert at(problem) == f"{POST}:4:8"
    assert "true" in problem.hint


# --- slug and URL -----------------------------------------------------------------------------


@pytest.mark.parametrize("path, slug, url", [
    ("content/blog/foo.md", None, "blog/foo"),
    ("content/blog/2024/deep.md", None, "blog/2024/deep"),
    ("content/blog/foo.md", "bar-2", "blog/bar-2"),
    ("content/blog/My Post.md", None, "blog/my-post"),
    ("content/blog/x/index.md", None, "blog/x"),
    ("content/blog/My Bundle/index.md", None, "blog/my-bundle"),
    ("content/blog/x/index.md", "y", "blog/y"),
    ("content/blog/index.md", None, "blog"),
])
def test_url_path(path: str, slug: str | None, url: str) -> None:
    lines = (*MINIMAL, f"slug: {slug}") if slug else MINIMAL
    post, diagnostics = parse(doc(*lines), path)
    assert diagnostics == []
    assert post.url_path == PurePosixPath(url)
    assert post.meta.slug == PurePosixPath(url).name


# --- posts and pages --------------------------------------------------------------------------


@pytest.mark.parametrize("path, kind, url", [
    ("content/blog/foo.md", "post", "blog/foo"),
    ("content/blog/a/b/index.md", "post", "blog/a/b"),
    ("content/about.md", "page", "about"),
    ("content/research/index.md", "page", "research"),
    ("content/research/notes.md", "page", "research/notes"),
    ("content/blog.md", "page", "blog"),
    ("content/blogroll/x.md", "page", "blogroll/x"),
    ("elsewhere/x.md", "post", "elsewhere/x"),
])
def test_files_under_content_blog_are_posts_and_the_others_pages(path: str, kind: str,
                                                                 url: str) -> None:
    post, diagnostics = parse(doc("title: T", *(["pubDate: 2024-03-01"] if kind == "post"
                                                else [])), path)
    assert diagnostics == []
    assert post.kind == kind
    assert post.is_page == (kind == "page")
    assert post.url_path == PurePosixPath(url)


def test_a_page_needs_no_date_and_a_post_does() -> None:
    page, problems = parse(doc("title: About"), "content/about.md")
    assert problems == [] and page.meta.pub_date is None
    assert the_error(doc("title: A post")).code == "missing-field"


@pytest.mark.parametrize("key, value", [("pubDate", "2024-03-01"), ("tags", "[a]"),
                                        ("featured", "true"), ("doi", "10.1000/x"),
                                        ("updatedDate", "2024-03-02"), ("citation", "false")])
def test_a_post_only_key_on_a_page_is_a_located_warning_and_ignored(key: str,
                                                                    value: str) -> None:
    page, problems = parse(doc("title: Notes", f"{key}: {value}"), "content/notes.md")
    assert page is not None and page.is_page
    [problem] = problems
    assert (problem.code, problem.severity, at(problem)) == (
        "misplaced-field", Severity.WARNING, "content/notes.md:3:1")
    assert "content/blog/" in problem.message and "move the file" in problem.hint
    assert page.meta == PostMeta(title="Notes", slug="notes")


@pytest.mark.parametrize("key, value", [("menu", "1"), ("publications", "papers.bib")])
def test_a_page_only_key_on_a_post_is_a_located_warning(key: str, value: str) -> None:
    post, problems = parse(doc(*MINIMAL, f"{key}: {value}"))
    [problem] = problems
    assert (problem.code, at(problem)) == ("misplaced-field", f"{POST}:4:1")
    assert post.meta.menu is None and post.meta.publications is None


def test_the_content_folders_own_index_would_replace_the_home_page() -> None:
    problem = the_error(doc("title: Home"), "content/index.md")
    assert (problem.code, at(problem)) == ("duplicate-slug", "content/index.md:1:1")
    assert "templates/" in problem.hint
    page, problems = parse(doc("title: Home", "slug: home"), "content/index.md")
    assert problems == [] and page.url_path == PurePosixPath("home")


def test_menu_is_a_whole_number() -> None:
    page, _ = parse(doc("title: About", "menu: 2"), "content/about.md")
    assert page.meta.menu == 2
    for value in ("true", "first", "1.5"):
        problem = the_error(doc("title: About", f"menu: {value}"), "content/about.md")
        assert (problem.code, at(problem)) == ("bad-field", "content/about.md:3:7")
        assert "menu: 1" in problem.hint


def test_aliases_are_normalised_site_paths() -> None:
    post, problems = parse(doc(*MINIMAL, 'aliases: ["/old/path", "/2019/05/x.html", '
                                         '"old//path/", "rel/ative/"]'))
    assert problems == []
    assert post.meta.aliases == ("old/path/", "2019/05/x.html", "rel/ative/")
    post, _ = parse(doc(*MINIMAL, "aliases: /one/"))
    assert post.meta.aliases == ("one/",)


@pytest.mark.parametrize("alias, why", [
    ("https://old.example.org/post/", "another site"), ("//host/x/", "another site"),
    ("/a/../b/", "`..`"), ("/x/?p=1", "query"), ("/x/#top", "fragment"),
    ("/", "home page"), ("/old post/", "space"), ("/index.php", "not .html"),
])
def test_bad_aliases_are_located_errors(alias: str, why: str) -> None:
    problem = the_error(doc(*MINIMAL, f'aliases: ["{alias}"]'))
    assert (problem.code, at(problem)) == ("bad-field", f"{POST}:4:11")
    assert why in problem.message


def test_extra_is_any_mapping_of_plain_values() -> None:
    post, problems = parse(doc(*MINIMAL, "extra:", "  subtitle: Part one", "  order: 3",
                               "  when: 2024-01-01", "  links: [a, b]", "  nested: {x: true}"))
    assert problems == []
    assert post.meta.extra == {"subtitle": "Part one", "order": 3, "when": "2024-01-01",
                               "links": ["a", "b"], "nested": {"x": True}}


def test_extra_must_be_a_mapping() -> None:
    problem = the_error(doc(*MINIMAL, "extra: [a]"))
    assert (problem.code, at(problem)) == ("bad-field", f"{POST}:4:8")


def test_url_path_follows_the_configured_content_folder() -> None:
    config = SiteConfig(root=Path("/srv/site"), content_dir="docs/posts")
    post, _ = parse_post(SourceFile("docs/posts/a/b.md", doc(*MINIMAL)), config)
    assert post.url_path == PurePosixPath("a/b")


@pytest.mark.parametrize("slug", ["Foo", "a/b", "..", "-x", "'.'", "hello world", "café"])
def test_unsafe_slug_is_refused_with_a_suggestion(slug: str) -> None:
    problem = the_error(doc(*MINIMAL, f"slug: {slug}"))
    assert problem.code == "bad-slug"
    assert at(problem) == f"{POST}:4:7"
    suggestion = re.search(r"`(.*)`", problem.hint).group(1)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", suggestion)


# --- doi, image, bibliography -----------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "10.23915/distill.00001", "https://doi.org/10.23915/distill.00001",
    "doi:10.23915/distill.00001",
])
def test_doi_is_stored_bare(written: str) -> None:
    assert meta(*MINIMAL, f"doi: {written}").doi == "10.23915/distill.00001"


def test_not_a_doi_is_refused() -> None:
    problem = the_error(doc(*MINIMAL, "doi: distill.00001"))
    assert problem.code == "bad-doi"
    assert at(problem) == f"{POST}:4:6"


def test_image_may_be_relative_or_an_absolute_url() -> None:
    assert meta(*MINIMAL, "image: ../img/cover.png").image == "../img/cover.png"
    assert meta(*MINIMAL, "image: https://example.org/c.png").image == "https://example.org/c.png"


def test_bibliography_is_relative_to_the_post() -> None:
    assert meta(*MINIMAL, "bibliography: refs.bib").bibliography == ("refs.bib",)
    assert meta(*MINIMAL, "bibliography: ../../shared.bib").bibliography == ("../../shared.bib",)
    assert meta(*MINIMAL, "bibliography: [a.bib, b.bib, a.bib]").bibliography == (
        "a.bib", "b.bib")


@pytest.mark.parametrize("key", ["bibliography", "image"])
def test_paths_out_of_the_site_are_refused(key: str) -> None:
    problem = the_error(doc(*MINIMAL, f"{key}: ../../../etc/passwd"))
    assert problem.code == "outside-site"
    assert at(problem) == f"{POST}:4:{len(key) + 3}"


@pytest.mark.parametrize("value", ["/etc/refs.bib", "https://example.org/refs.bib"])
def test_bibliography_must_be_a_relative_path(value: str) -> None:
    problem = the_error(doc(*MINIMAL, f"bibliography: {value}"))
    assert problem.code == "bad-field"
    assert at(problem) == f"{POST}:4:15"


def test_every_problem_of_a_post_is_reported_at_once() -> None:
    post, diagnostics = parse(doc("title: 1", "pubDate: 2024-13-01", "draft: maybe",
                                  "slug: A B", "colour: red"))
    assert post is None
    assert sorted((d.code, d.location.line) for d in diagnostics) == [
        ("bad-date", 3), ("bad-field", 2), ("bad-field", 4), ("bad-slug", 5),
        ("unknown-front-matter-key", 6)]


# --- slugify ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, slug", [
    ("Machine Learning", "machine-learning"),
    ("  Game   Theory! ", "game-theory"),
    ("C++", "c-plus-plus"),
    ("C#", "c-sharp"),
    ("C", "c"),
    ("Q&A", "q-and-a"),
    ("Issue #4", "issue-4"),
    ("Ünïcödé", "unicode"),
    ("Straße", "strasse"),
    ("../etc", "etc"),
    ("snake_case_name", "snake_case_name"),
    ("__init__", "init"),
])
def test_slugify_examples(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_gives_other_scripts_a_stable_hash() -> None:
    assert re.fullmatch(r"[0-9a-f]{8}", slugify("日本語"))
    assert slugify("日本語") == slugify("日本語")
    assert slugify("日本語") != slugify("中文")
    assert slugify("日本語 NLP").startswith("nlp-")
    assert slugify("日本語 NLP") != slugify("NLP")


@pytest.mark.parametrize("text", ["", ".", "..", "/", "../..", "---", "🎉"])
def test_slugify_never_gives_an_unsafe_name(text: str) -> None:
    slug = slugify(text)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_slugify_is_always_safe_and_idempotent(text: str) -> None:
    slug = slugify(text)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug)
    assert slug not in ("", ".", "..") and "/" not in slug
    assert len(slug) <= 80
    assert slugify(slug) == slug


KEYS = ["title", "pubDate", "updatedDate", "tags", "authors", "draft", "slug", "doi", "image",
        "bibliography", "toc", "pubdate", "- name", "  - name", "  url"]
VALUES = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["2024-03-01", "2024-13-45", "1970-01-01T00:00:00.000Z", "[a, b]",
                     "{name: x}", "true", "yes", "''", "../../x", "10.1/x", "'", "[", "&a",
                     "*a", "!!binary x", "|", ">-"]),
)
FRONT_MATTER = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=8).map(
        lambda pairs: "\n".join(f"{key}: {value}" for key, value in pairs)),
)


@settings(max_examples=400, deadline=None)
@given(FRONT_MATTER)
def test_any_front_matter_gives_a_post_or_located_errors(front_matter: str) -> None:
    post, diagnostics = parse("---\n" + front_matter + "\n---\nbody\n")
    if post is None:
        assert any(d.is_error for d in diagnostics)
    else:
        assert post.body == "body\n" or "---" in front_matter
    lines = 3 + front_matter.count("\n")
    assert all(1 <= d.location.line <= lines for d in diagnostics)


def test_orcid_and_affiliations() -> None:
    [author] = meta(*MINIMAL, "authors:", "  - name: Ada", "    orcid: 0000-0002-1825-0097",
                    "    affiliations:", "      - Royal Society",
                    "      - {name: Engines, url: 'https://example.org'}").authors
    assert author.orcid == "0000-0002-1825-0097"
    assert author.orcid_url == "https://orcid.org/0000-0002-1825-0097"
    assert author.affiliations == (Affiliation("Royal Society"),
                                   Affiliation("Engines", "https://example.org"))
    assert (author.affiliation, author.affiliation_url) == ("Royal Society", None)
    url_form = meta(*MINIMAL, "authors:", "  - name: B",
                    "    orcid: https://orcid.org/0000-0002-1694-233x").authors[0]
    assert url_form.orcid == "0000-0002-1694-233X"


@pytest.mark.parametrize(("lines", "code", "words"), [
    (("    orcid: 0000-0002-1825-0098",), "bad-field", "check digit"),
    (("    orcid: 0000-0002-1825",), "bad-field", "not of the form"),
    (("    affiliations:", "      - {url: 'https://x.org'}"), "missing-field", "needs a `name`"),
    (("    affiliations:", "      - {name: X, place: Y}"), "unknown-front-matter-key",
     "affiliation key"),
    (("    affiliations:", "      - {name: X, url: 'javascript:alert(1)'}"), "unsafe-url", "url"),
])
def test_bad_author_metadata_is_located(lines: tuple[str, ...], code: str, words: str) -> None:
    post, diagnostics = parse(doc(*MINIMAL, "authors:", "  - name: Ada", *lines))
    assert [d.code for d in diagnostics] == [code]
    assert words in diagnostics[0].message
    assert diagnostics[0].location.line == (6 if code == "bad-field" else 7)


def test_nocite_abstract_and_csl() -> None:
    got = meta(*MINIMAL, 'nocite: ["@a", "@{b:c}"]', "csl: apa", "abstract: |",
               "  One paragraph.", "", "  Another.")
    assert got.nocite == ("a", "b:c") and got.nocite_line == 4
    assert got.csl == "apa"
    assert got.abstract == "One paragraph.\n\nAnother."
    assert meta(*MINIMAL, "nocite: '@a @b, @c'").nocite == ("a", "b", "c")
    assert meta(*MINIMAL, "nocite: '@*'").nocite == ("*",)


@pytest.mark.parametrize(("line", "code", "words"), [
    ("nocite: [a]", "bad-field", "starting with @"),
    ("csl: apa-7th", "bad-csl", "unknown CSL style"),
    ("csl: ../../../style.csl", "outside-site", "outside the site"),
])
def test_bad_citation_settings_are_located(line: str, code: str, words: str) -> None:
    problem = the_error(doc(*MINIMAL, line))
    assert (problem.code, problem.location.line) == (code, 4)
    assert words in problem.message
