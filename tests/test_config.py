"""Site settings: defaults, validation, and every problem located in distillgen.toml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from distillgen.config import SiteConfig, load_config, setting_location
from distillgen.errors import Diagnostic, DistillgenError


def write_config(root: Path, text: str | bytes) -> None:
    path = root / "distillgen.toml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)


def problems(root: Path, overrides: dict | None = None) -> list[Diagnostic]:
    with pytest.raises(DistillgenError) as caught:
        load_config(root, overrides)
    return list(caught.value.diagnostics)


def where(diagnostic: Diagnostic) -> str:
    return str(diagnostic.location)


def test_zero_config_gives_the_documented_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.root == tmp_path.resolve()
    assert config.title == "distillgen site"
    assert config.base_url == "http://localhost:8000/"
    assert (config.citation_style, config.unknown_citation) == ("numeric", "error")
    assert config.content_path() == tmp_path.resolve() / "content"
    assert config.output_path() == tmp_path.resolve() / "site"
    assert config.bibliography_path() == tmp_path.resolve() / "references.bib"
    assert config.cache_path() == tmp_path.resolve() / ".distillgen-cache"


def test_every_key_is_read(tmp_path: Path) -> None:
    write_config(tmp_path, """
title = "Notes on Interpretability"
description = "Long-form posts"
base_url = "https://example.org/blog"
language = "pt-BR"
author = "Ada"
citation_style = "author-year"
unknown_citation = "warn"
bibliography = "refs/all.bib"
content_dir = "./posts/"
output_dir = "public"
""")
    config = load_config(tmp_path)
    assert config.title == "Notes on Interpretability"
    assert config.description == "Long-form posts"
    assert config.base_url == "https://example.org/blog/"
    assert config.language == "pt-BR"
    assert config.author == "Ada"
    assert config.citation_style == "author-year"
    assert config.unknown_citation == "warn"
    assert config.bibliography == "refs/all.bib"
    assert config.content_dir == "posts"
    assert config.output_dir == "public"


def test_unknown_key_is_located_with_a_did_you_mean(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "x"\n\ncitation_styel = "numeric"\n')
    [problem] = problems(tmp_path)
    assert problem.code == "unknown-config-key"
    assert where(problem) == "distillgen.toml:3:18"
    assert "citation_style" in problem.hint


@pytest.mark.parametrize("written, meant", [
    ("baseURL", "base_url"), ("url", "base_url"), ("lang", "language"),
    ("output", "output_dir"),
])
def test_names_from_other_generators_get_a_hint(tmp_path: Path, written: str,
                                                 meant: str) -> None:
    write_config(tmp_path, f'{written} = "x"\n')
    [problem] = problems(tmp_path)
    assert problem.code == "unknown-config-key"
    assert f"`{meant}`" in problem.hint


def test_a_table_header_is_an_unknown_key_at_its_line(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "x"\n\n[build]\ndrafts = true\n')
    [problem] = problems(tmp_path)
    assert problem.code == "unknown-config-key"
    assert where(problem) == "distillgen.toml:3:1"
    assert "`build`" in problem.message


def test_toml_syntax_error_is_located(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "x"\nbase_url = https://example.org\n')
    [problem] = problems(tmp_path)
    assert problem.code == "bad-config"
    assert where(problem) == "distillgen.toml:2:12"
    assert "invalid TOML" in problem.message
    assert "(at line" not in problem.message


def test_unterminated_string_is_located_at_the_end(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "x"\ndescription = "never closed\n')
    [problem] = problems(tmp_path)
    assert problem.code == "bad-config"
    assert problem.location.line == 2


def test_a_key_set_twice_is_located_at_the_second_one(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "a"\nauthor = "b"\ntitle = "c"\n')
    [problem] = problems(tmp_path)
    assert problem.code == "bad-config"
    assert where(problem) == "distillgen.toml:3:1"
    assert "`title` is set twice" in problem.message


def test_wrong_type_is_located_at_the_value(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "x"\nauthor = 42\n')
    [problem] = problems(tmp_path)
    assert problem.code == "bad-config"
    assert where(problem) == "distillgen.toml:2:10"
    assert "must be a string, not an integer" in problem.message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write_config(tmp_path, """title = 1
colour = "red"
citation_style = "apa"
unknown_citation = "ignore"
base_url = "example.org"
language = "english language"
""")
    found = problems(tmp_path)
    assert [(p.code, p.location.line) for p in found] == [
        ("bad-config", 1), ("unknown-config-key", 2), ("bad-config", 3), ("bad-config", 4),
        ("bad-config", 5), ("bad-config", 6)]


@pytest.mark.parametrize("url", [
    "example.org", "/blog/", "ftp://example.org/", "https://", "https://x.org/?a=1",
    "https://x.org/#top",
])
def test_base_url_must_be_absolute_http(tmp_path: Path, url: str) -> None:
    write_config(tmp_path, f'base_url = "{url}"\n')
    [problem] = problems(tmp_path)
    assert problem.code == "bad-config"
    assert where(problem) == "distillgen.toml:1:12"


def test_citation_style_typo_gets_a_did_you_mean(tmp_path: Path) -> None:
    write_config(tmp_path, 'citation_style = "author_year"\n')
    [problem] = problems(tmp_path)
    assert problem.code == "bad-config"
    assert '"author-year"' in problem.hint


@pytest.mark.parametrize("key, value", [
    ("bibliography", "../refs.bib"), ("content_dir", "../elsewhere"),
    ("output_dir", "../out"), ("output_dir", "/tmp"), ("content_dir", "a/../../b"),
])
def test_paths_must_stay_inside_the_root(tmp_path: Path, key: str, value: str) -> None:
    site = tmp_path / "site-root"
    site.mkdir()
    write_config(site, f'title = "x"\n{key} = "{value}"\n')
    [problem] = problems(site)
    assert problem.code == "bad-config"
    assert where(problem) == f"distillgen.toml:2:{len(key) + 4}"
    assert "outside the site folder" in problem.message


def test_a_link_out_of_the_root_counts_as_outside(tmp_path: Path) -> None:
    site = tmp_path / "root"
    site.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", site / "content")
    [problem] = problems(site)
    assert problem.code == "bad-config"
    assert "content_dir" in problem.message


@pytest.mark.parametrize("content, output, clash", [
    ("content", ".", "the site folder itself"),
    ("content", "./", "the site folder itself"),
    ("content", "content", "content folder"),
    ("content", "content/site", "content folder"),
    ("docs/content", "docs", "content folder"),
    (".", "site", "content folder"),
    ("content", ".distillgen-cache", "cache folder"),
])
def test_output_must_not_overlap_what_it_would_clobber(tmp_path: Path, content: str,
                                                        output: str, clash: str) -> None:
    write_config(tmp_path, f'content_dir = "{content}"\noutput_dir = "{output}"\n')
    [problem] = problems(tmp_path)
    assert problem.code == "bad-config"
    assert where(problem) == "distillgen.toml:2:14"
    assert clash in problem.message


def test_overrides_win_and_none_means_not_given(tmp_path: Path) -> None:
    write_config(tmp_path, 'output_dir = "public"\ntitle = "From file"\n')
    config = load_config(tmp_path, {"output_dir": "out", "title": None})
    assert config.output_dir == "out"
    assert config.title == "From file"


def test_a_path_object_is_accepted_as_an_override(tmp_path: Path) -> None:
    assert load_config(tmp_path, {"output_dir": Path("build/out")}).output_dir == "build/out"


def test_overrides_are_validated_too(tmp_path: Path) -> None:
    found = problems(tmp_path, {"output_dir": "..", "colour": "red"})
    assert sorted(p.code for p in found) == ["bad-config", "unknown-config-key"]
    assert all(p.location is None for p in found)


def test_latin1_config_is_a_located_encoding_error(tmp_path: Path) -> None:
    write_config(tmp_path, 'title = "x"\nauthor = "Jos\xe9"\n'.encode("latin-1"))
    [problem] = problems(tmp_path)
    assert problem.code == "bad-encoding"
    assert where(problem) == "distillgen.toml:2:14"


def test_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    write_config(tmp_path, b'\xef\xbb\xbftitle = "A"\r\nauthor = "B"\r\n')
    config = load_config(tmp_path)
    assert (config.title, config.author) == ("A", "B")


def test_base_url_gets_its_slash_even_when_built_directly(tmp_path: Path) -> None:
    assert SiteConfig(tmp_path, base_url="https://x.org/blog").base_url == "https://x.org/blog/"


def test_fingerprint_follows_what_changes_output(tmp_path: Path) -> None:
    base = SiteConfig(tmp_path)
    assert base.fingerprint() == SiteConfig(tmp_path).fingerprint()
    assert base.fingerprint() == SiteConfig(tmp_path / "moved", output_dir="out").fingerprint()
    assert base.fingerprint() != SiteConfig(tmp_path, title="Other").fingerprint()
    assert base.fingerprint() != SiteConfig(tmp_path, citation_style="author-year").fingerprint()
    assert len(base.fingerprint()) == 64


def test_bibliography_may_be_a_list_searched_in_order(tmp_path: Path) -> None:
    write_config(tmp_path, 'bibliography = ["refs.bib", "./more/../more.bib", "refs.bib"]\n')
    config = load_config(tmp_path)
    assert config.bibliography == ("refs.bib", "more.bib")
    assert config.bibliography_paths() == [tmp_path.resolve() / "refs.bib",
                                           tmp_path.resolve() / "more.bib"]
    assert config.bibliography_path() == tmp_path.resolve() / "refs.bib"


@pytest.mark.parametrize(("text", "words"), [
    ("bibliography = []\n", "empty list"),
    ('bibliography = ["refs.bib", 3]\n', "must be a string"),
    ('bibliography = ["../outside.bib"]\n', "outside the site folder"),
])
def test_bibliography_lists_are_checked(tmp_path: Path, text: str, words: str) -> None:
    write_config(tmp_path, text)
    [problem] = problems(tmp_path)
    assert (problem.code, where(problem)) == ("bad-config", "distillgen.toml:1:16")
    assert words in problem.message


def test_csl_is_a_style_name_or_a_file(tmp_path: Path) -> None:
    write_config(tmp_path, 'csl = "chicago-author-date"\n')
    assert load_config(tmp_path).csl == "chicago-author-date"
    write_config(tmp_path, 'csl = "styles/house.csl"\n')
    assert load_config(tmp_path).csl == "styles/house.csl"  # read (and checked) by the build
    write_config(tmp_path, 'csl = "apa-7th"\n')
    [problem] = problems(tmp_path)
    assert (problem.code, where(problem)) == ("bad-config", "distillgen.toml:1:7")
    assert "unknown CSL style" in problem.message and '"apa"' in problem.hint
    write_config(tmp_path, 'csl = "../styles/x.csl"\n')
    assert "outside the site folder" in problems(tmp_path)[0].message


def test_the_csl_setting_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    write_config(tmp_path, 'csl = "apa"\n')
    apa = load_config(tmp_path).fingerprint()
    write_config(tmp_path, 'csl = "ieee"\n')
    assert load_config(tmp_path).fingerprint() != apa


def test_a_setting_is_located_at_its_value_or_at_its_key(tmp_path: Path) -> None:
    """One answer for every message about a setting: the key's line, in the top-level table
    only (``[extra]`` may hold a key of the same name)."""
    (tmp_path / "distillgen.toml").write_text(
        '\ufefftitle = "T"\n  base_url =  "http://localhost:8000/"\n'
        '[extra]\nbibliography = "x.bib"\n', "utf-8")
    at_value = setting_location(tmp_path, "base_url")
    at_key = setting_location(tmp_path, "base_url", at_value=False)
    assert at_value is not None and at_key is not None
    assert (at_value.line, at_value.column) == (2, 15)
    assert (at_key.line, at_key.column) == (2, 3)
    assert setting_location(tmp_path, "bibliography") is None
