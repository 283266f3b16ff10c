"""Text that is not clean UTF-8 gives a located error or correct output, never a traceback.

Each case goes through the command line on a fresh site whose ``site/`` holds an earlier
build: a failure must print only located diagnostics and leave that folder as it was; a success
must give exactly the pages the clean UTF-8 version of the same site gives.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from distillgen.templates import template_diagnostics
from distillgen.write import MARKER, MARKER_CONTENT
from tests.hostile.sitekit import run_build, snapshot, unlocated_lines, write_files

POST = "---\ntitle: Café\npubDate: 2024-01-01\ntags: [Ünïcödé]\n---\nA café [@k].\n"
BIB = "@article{k,\n  title = {Über},\n  author = {Jö, Ann},\n  year = {2000},\n}\n"
CONFIG = 'title = "Café"\nauthor = "Zoë"\nbase_url = "https://example.org/blog/"\n'
CLEAN = {"content/blog/p.md": POST.encode(), "references.bib": BIB.encode(),
         "distillgen.toml": CONFIG.encode()}
BOM = b"\xef\xbb\xbf"


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def _build_with(root: Path, changes: dict[str | bytes, bytes]):
    """The clean site with ``changes`` (path -> bytes; a bytes path may be any file name)."""
    files = {**CLEAN}
    for name, data in changes.items():
        if isinstance(name, str):
            files[name] = data
    write_files(root, {k: v for k, v in files.items() if isinstance(k, str)})
    for name, data in changes.items():
        if isinstance(name, bytes):
            path = os.path.join(os.fsencode(root), name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as file:
                file.write(data)
    write_files(root, {"site/index.html": b"<!doctype html><title>earlier build</title>",
                       f"site/{MARKER}": MARKER_CONTENT})
    before = snapshot(root / "site")
    return run_build(root), before


@pytest.fixture(scope="module")
def clean_site(tmp_path_factory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("clean")
    run, _ = _build_with(root, {})
    assert run.returncode == 0, run.stderr
    return snapshot(root / "site")


@pytest.mark.parametrize(("name", "changes"), [
    ("bom post", {"content/blog/p.md": BOM + POST.encode()}),
    ("crlf post", {"content/blog/p.md": _crlf(POST)}),
    ("cr post", {"content/blog/p.md": POST.replace("\n", "\r").encode()}),
    ("bom crlf post", {"content/blog/p.md": BOM + _crlf(POST)}),
    ("bom bib", {"references.bib": BOM + BIB.encode()}),
    ("crlf bib", {"references.bib": _crlf(BIB)}),
    ("bom config", {"distillgen.toml": BOM + CONFIG.encode()}),
    ("crlf config", {"distillgen.toml": _crlf(CONFIG)}),
    ("everything crlf and bom", {"content/blog/p.md": BOM + _crlf(POST),
                                 "references.bib": BOM + _crlf(BIB),
                                 "distillgen.toml": BOM + _crlf(CONFIG)}),
])
def test_bom_and_line_endings_give_the_same_site(tmp_path: Path, clean_site, name, changes):
    run, _ = _build_with(tmp_path, changes)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert snapshot(tmp_path / "site") == clean_site


@pytest.mark.parametrize(("name", "changes", "expected"), [
    ("latin-1 post", {"content/blog/p.md": POST.encode("latin-1")},
     "content/blog/p.md:2:11: error[bad-encoding]"),
    ("windows-1252 post", {"content/blog/p.md": POST.replace("Café", "“Café”").encode("cp1252")},
     "content/blog/p.md:2:8: error[bad-encoding]"),
    ("utf-16 post", {"content/blog/p.md": POST.encode("utf-16")},
     "content/blog/p.md:1:1: error[bad-encoding]"),
    ("nul in post", {"content/blog/p.md": POST.encode() + b"\nx\x00y\n"},
     "content/blog/p.md:8:2: error[bad-encoding]"),
    ("encoded surrogate", {"content/blog/p.md": POST.encode() + b"\xed\xa0\x80\n"},
     "content/blog/p.md:7:1: error[bad-encoding]"),
    ("truncated sequence", {"content/blog/p.md": POST.encode()[:-12] + b"\xc3"},
     "content/blog/p.md:6:3: error[bad-encoding]"),
    ("control character in front matter", {"content/blog/p.md": POST.replace(
        "Café", "Ca\x01fé").encode()}, "content/blog/p.md:2:10: error[bad-encoding]"),
    ("latin-1 bib", {"references.bib": BIB.encode("latin-1")},
     "references.bib:2:12: error[bad-encoding]"),
    ("latin-1 config", {"distillgen.toml": CONFIG.encode("latin-1")},
     "distillgen.toml:1:13: error[bad-encoding]"),
    ("nul in config", {"distillgen.toml": b'title = "x\x00"\n'},
     "distillgen.toml:1:11: error[bad-encoding]"),
    ("latin-1 file name", {b"content/blog/caf\xe9.md": POST.encode()},
     "content/blog/caf\\xe9.md:1:1: error[bad-encoding]"),
    ("latin-1 folder name", {b"content/caf\xe9/q.md": POST.encode()},
     "content/caf\\xe9/q.md:1:1: error[bad-encoding]"),
])
def test_undecodable_input_is_a_located_error(tmp_path: Path, name, changes, expected):
    run, before = _build_with(tmp_path, changes)
    assert "Traceback" not in run.stderr
    assert run.returncode == 1, run.stdout
    assert expected in run.stderr
    assert unlocated_lines(run.stderr) == []
    assert snapshot(tmp_path / "site") == before


def test_latin1_asset_names_are_copied_as_they_are(tmp_path: Path, clean_site):
    run, _ = _build_with(tmp_path, {b"assets/caf\xe9.css": b"body {}"})
    assert run.returncode == 0, run.stderr
    assert os.path.isfile(os.path.join(os.fsencode(tmp_path), b"site/assets/caf\xe9.css"))


@pytest.mark.parametrize(("content", "expected"), [
    ("{% extends 'theme/404.html' %}{# é #}".encode("latin-1"),
     "templates/404.html:1:34: error[bad-encoding]"),
    (b"{% extends 'theme/404.html' %}\n{% if %}", "templates/404.html:2:1: error[bad-template]"),
    (b"{{ unclosed ", "templates/404.html:1:1: error[bad-template]"),
])
def test_broken_site_templates_are_found_with_their_place(tmp_path: Path, content, expected):
    write_files(tmp_path, {"templates/404.html": content, "templates/ok.html": "{{ x }}"})
    assert [d.format().split("]")[0] + "]" for d in template_diagnostics(
        tmp_path / "templates")] == [expected]


@pytest.mark.parametrize("content", [
    "{% extends 'theme/404.html' %}{# é #}".encode("latin-1"),
    b"{% extends 'theme/404.html' %}\n{% if %}",
])
def test_a_broken_site_template_is_a_located_error(tmp_path: Path, content: bytes):
    run, before = _build_with(tmp_path, {"templates/404.html": content})
    assert "Traceback" not in run.stderr
    assert run.returncode == 1
    assert "templates/404.html:" in run.stderr
    assert snapshot(tmp_path / "site") == before


@pytest.mark.parametrize("content", [
    b"{% extends 'theme/404.html' %}\n{% block main %}{{ no_such_value }}{% endblock %}\n",
    b"{% extends 'missing.html' %}\n",
])
def test_a_site_template_failing_as_it_renders_is_a_located_error(tmp_path: Path, content):
    run, before = _build_with(tmp_path, {"templates/404.html": content})
    assert "Traceback" not in run.stderr
    assert run.returncode == 1
    assert "templates/404.html:" in run.stderr
    assert snapshot(tmp_path / "site") == before
