"""Site settings: ``distillgen.toml`` at the site root, every key optional.

A site with no settings file builds with the defaults below. Every problem in the file is
reported at once, each at its line, so a single run shows everything to fix.

====================  ============================  ==========================================
key                   default                       meaning
====================  ============================  ==========================================
``title``             ``"distillgen site"``         Site name: page titles, index, feed.
``description``       ``""``                        One sentence about the site.
``base_url``          ``"http://localhost:8000/"``  Absolute http(s) URL the site is served
                                                    from, may have a path; a ``/`` is added.
                                                    Feeds, canonical links, sitemap use it.
``language``          ``"en"``                      Language tag of the pages (``pt-BR``).
``author``            ``""``                        Site author: feed and page metadata.
``citation_style``    ``"numeric"``                 ``"numeric"``: ``[@key]`` shows ``[1]``;
                                                    ``"author-year"``: ``(Rudin, 2019)``.
``unknown_citation``  ``"error"``                   A key missing from the bibliography is an
                                                    ``"error"``, or with ``"warn"`` a warning.
``bibliography``      ``"references.bib"``          Site-wide BibTeX file, or a list of them
                                                    searched in order; relative to root.
``csl``               ``""``                        A CSL style for citations and references:
                                                    a name (``"apa"``, ``"ieee"``) or a
                                                    ``.csl`` file; "" keeps the built-in
                                                    ``citation_style``.
``content_dir``       ``"content"``                 Folder holding the Markdown posts.
``output_dir``        ``"site"``                    Folder the built site is written to.
``feed_limit``        ``50``                        Newest posts carried in full by the feed;
                                                    ``0`` means every post.
``macros``            ``"macros.tex"``              TeX macros for every post's formulas
                                                    (``\\newcommand`` …), if the file exists.
``smart_punctuation`` ``true``                      Curly quotes, en/em dashes and ellipses
                                                    in the text (never in code or math).
``[extra]``           empty                         A table of your own values for templates:
                                                    ``site.extra.…``; distillgen ignores them.
====================  ============================  ==========================================

The paths must stay inside the site root, and the output folder may not be the root,
nor overlap the content folder or the cache. The default title is a constant rather than the
folder's name so that the same site builds to the same bytes wherever it is checked out.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .bibliography.csl import find_style, is_style_file, style_names
from .errors import Diagnostic, DistillgenError, SourceLocation, error
from .layout import ASSETS_DIR, CACHE_DIR, CONFIG_FILE, TEMPLATES_DIR
from .names import is_web_url, suggest_name
from .output_rule import READ_PATH_SETTINGS, output_refusal
from .text import decode_source, describe_character, forbidden_character
from .toml_positions import deep_nesting, key_positions, syntax_error

CITATION_STYLES = ("numeric", "author-year")
UNKNOWN_CITATION_POLICIES = ("error", "warn")


@dataclass(frozen=True)
class SiteConfig:
    """Validated settings; build one with :func:`load_config` (tests may construct it directly)."""

    root: Path
    """Absolute site root."""
    title: str = "distillgen site"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    """Absolute http(s) URL, always ending with ``/``."""
    language: str = "en"
    author: str = ""
    citation_style: str = "numeric"
    unknown_citation: str = "error"
    bibliography: str | tuple[str, ...] = "references.bib"
    """Relative to the root, forward slashes; several files are a tuple, searched in order."""
    csl: str = ""
    """A CSL style name or a .csl file relative to the root; "" for the built-in styles."""
    content_dir: str = "content"
    """Relative to the root, forward slashes, normalised (no ``./``, no trailing ``/``)."""
    output_dir: str = "site"
    """Relative to the root, forward slashes, normalised."""
    feed_limit: int = 50
    """How many of the newest posts ``feed.xml`` carries in full; 0 means every post."""
    macros: str = "macros.tex"
    """TeX macro definitions for every post, relative to the root (used if it exists)."""
    smart_punctuation: bool = True
    """Curly quotes, ``--``/``---`` dashes and ``...`` ellipses in the text."""
    extra: dict[str, Any] = field(default_factory=dict)
    """The ``[extra]`` table: the site's own values for templates (``site.extra.…``)."""

    def __post_init__(self) -> None:
        # Normalise here so the invariants also hold for configs built directly in tests.
        object.__setattr__(self, "root", Path(self.root).absolute())
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    def base_path(self) -> str:
        """The path of ``base_url`` (``/blog/`` for ``https://x.org/blog/``): where the site
        lives on its server, for the pages that link from there (404)."""
        return urllib.parse.urlsplit(self.base_url).path or "/"

    def content_path(self) -> Path:
        return self.root / self.content_dir

    def output_path(self) -> Path:
        return self.root / self.output_dir

    def bibliography_path(self) -> Path:
        """The first (or only) site bibliography."""
        return self.bibliography_paths()[0]

    def bibliography_files(self) -> tuple[str, ...]:
        """Every site bibliography relative to the root, in the order they are searched."""
        files = (self.bibliography,) if isinstance(self.bibliography, str) else self.bibliography
        return tuple(files) or ("references.bib",)

    def bibliography_paths(self) -> list[Path]:
        """Every site bibliography, in the order they are searched."""
        return [self.root / name for name in self.bibliography_files()]

    def assets_path(self) -> Path:
        """The site's own media and stylesheets, published beside the theme's."""
        return self.root / ASSETS_DIR

    def templates_path(self) -> Path:
        """The site's own templates, which override the theme's of the same name."""
        return self.root / TEMPLATES_DIR

    def macros_path(self) -> Path:
        return self.root / self.macros

    def cache_path(self) -> Path:
        """Beside the output, never inside it: a fresh copy of the site is a cold build."""
        return self.root / CACHE_DIR

    def output_refusal(self, output: Path) -> str | None:
        """Why ``output`` may not be this site's output folder (the rule of
        :func:`distillgen.output_rule.output_refusal`)."""
        settings = {key: getattr(self, key) for key in ("content_dir", *READ_PATH_SETTINGS)}
        return output_refusal(self.root, output, settings)

    def output_location(self, flag: Path | None = None) -> SourceLocation:
        """Where the output folder was chosen, for its diagnostics: the ``output_dir`` line
        of distillgen.toml, else the folder itself (as given with ``--output``)."""
        if flag is None:
            written = setting_location(self.root, "output_dir")
            if written is not None:
                return written
            return SourceLocation(self.output_dir)
        shown = os.fspath(flag)
        return SourceLocation(shown if len(shown) <= 120 else f"{shown[:60]}...{shown[-57:]}")

    def fingerprint(self) -> str:
        """sha256 of every setting that can change a rendered page, for the build cache key.

        ``root`` and ``output_dir`` only say where the site lives and goes, so moving the
        site or building into another folder keeps the cache valid.
        """
        settings = asdict(self)
        del settings["root"], settings["output_dir"]
        encoded = json.dumps(settings, sort_keys=True, ensure_ascii=True,
                             default=str).encode("ascii")  # TOML dates in [extra]
        return hashlib.sha256(encoded).hexdigest()


class _BadValue(Exception):
    """A setting's value is wrong; the caller adds where it was written."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _toml_kind(value: Any) -> str:
    """How a TOML value reads to a person, for type errors."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a date"


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _BadValue(f"`{key}` must be a string, not {_toml_kind(value)}",
                        f'write the value in double quotes: {key} = "..."')
    bad = forbidden_character(value)
    if bad is not None:
        raise _BadValue(f"`{key}` contains {describe_character(value[bad])}",
                        "in double quotes a backslash starts an escape: write \\\\ for a "
                        "backslash, or use single quotes")
    return value


def _base_url(key: str, value: Any) -> str:
    url = _text(key, value).strip()
    parts = urllib.parse.urlsplit(url)
    example = 'an absolute URL such as "https://example.org/blog/"'
    if not is_web_url("".join(url.split())):  # spaces have their own message, next
        raise _BadValue(f"`{key}` must be an absolute http(s) URL, not {url!r}", example)
    if parts.query or parts.fragment or re.search(r"\s", url):
        raise _BadValue(f"`{key}` must not contain a query, a fragment or spaces: {url!r}",
                        example)
    return url if url.endswith("/") else url + "/"


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def _language(key: str, value: Any) -> str:
    tag = _text(key, value).strip()
    if not _LANGUAGE_TAG.fullmatch(tag):
        raise _BadValue(f"`{key}` is not a language tag: {tag!r}",
                        'use a tag such as "en", "de" or "pt-BR"')
    return tag


def _one_of(choices: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        choice = _text(key, value)
        if choice not in choices:
            listed = ", ".join(f'"{c}"' for c in choices)
            near = suggest_name(choice, choices)
            hint = f'did you mean "{near}"?' if near else f"use one of {listed}"
            raise _BadValue(f"`{key}` must be one of {listed}, not {choice!r}", hint)
        return choice
    return check


def _count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadValue(f"`{key}` must be a whole number, not {value!r}", "for example 20")
    if value < 0:
        raise _BadValue(f"`{key}` must not be negative", "0 means no limit")
    return value


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _BadValue(f"`{key}` must be true or false, not {_toml_kind(value)}",
                        f"write {key} = true or {key} = false")
    return value


def _table(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _BadValue(f"`{key}` must be a table, not {_toml_kind(value)}",
                        f"write [{key}] on a line of its own, after the other settings, and "
                        "your keys below it")
    return value


def _path(key: str, value: Any) -> str:
    path = _text(key, os.fspath(value) if isinstance(value, os.PathLike) else value).strip()
    if not path:
        raise _BadValue(f"`{key}` must not be empty")
    return path


def _bibliographies(key: str, value: Any) -> str | tuple[str, ...]:
    """One path, or a non-empty list of them (kept in order, repeats dropped)."""
    if not isinstance(value, list):
        return _path(key, value)
    if not value:
        raise _BadValue(f"`{key}` must not be an empty list",
                        'write bibliography = ["references.bib"], or leave it out')
    paths = tuple(dict.fromkeys(_path(key, item) for item in value))
    return paths[0] if len(paths) == 1 else paths


def _csl(key: str, value: Any) -> str:
    """A CSL style name or .csl file; the style itself is read by the build."""
    text = _text(key, value).strip()
    if text and not is_style_file(text) and text not in style_names():
        _style, message, hint = find_style(text, Path("."))
        raise _BadValue(message, hint)
    return text


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "title": _text,
    "description": _text,
    "base_url": _base_url,
    "language": _language,
    "author": _text,
    "citation_style": _one_of(CITATION_STYLES),
    "unknown_citation": _one_of(UNKNOWN_CITATION_POLICIES),
    "bibliography": _bibliographies,
    "csl": _csl,
    "content_dir": _path,
    "output_dir": _path,
    "feed_limit": _count,
    "macros": _path,
    "smart_punctuation": _flag,
    "extra": _table,
}
"""Every accepted key and the check that validates and normalises its value."""

_ALIASES = {
    "url": "base_url", "baseurl": "base_url", "site_url": "base_url", "name": "title",
    "lang": "language", "locale": "language", "bib": "bibliography", "out": "output_dir",
    "output": "output_dir", "publish_dir": "output_dir", "content": "content_dir",
    "source_dir": "content_dir", "subtitle": "description", "smart": "smart_punctuation",
    "typographer": "smart_punctuation", "smartypants": "smart_punctuation",
    "bibliographies": "bibliography", "style": "csl", "csl_style": "csl",
    "citation-style-language": "csl",
    "macros_file": "macros", "tex_macros": "macros", "preamble": "macros",
}
"""Names other generators use for our keys, for did-you-mean hints."""

_PATH_KEYS = ("content_dir", "output_dir", "macros")
_LISTED_PATH_KEYS = ("bibliography", "csl")
"""Paths that may be a list (``bibliography``) or not a path at all (a ``csl`` style name)."""


def load_config(root: Path, overrides: Mapping[str, Any] | None = None) -> SiteConfig:
    """Read ``root/distillgen.toml`` (if any), apply ``overrides`` (``None`` values ignored).

    Raises DistillgenError carrying every problem found, each located in the file.
    """
    root = Path(root).resolve()
    diagnostics: list[Diagnostic] = []
    values: dict[str, Any] = {}
    where: dict[str, SourceLocation | None] = {}
    config_file = root / CONFIG_FILE
    if config_file.is_file():
        _read_file(config_file, values, where, diagnostics)
    for key, value in (overrides or {}).items():
        if value is not None:
            _accept(key, value, None, values, where, diagnostics)
    _check_listed_paths(root, values, where, diagnostics)
    _check_paths(root, values, where, diagnostics)
    if diagnostics:
        raise DistillgenError(diagnostics)
    return SiteConfig(root=root, **values)


def setting_location(root: Path, key: str, *, at_value: bool = True) -> SourceLocation | None:
    """Where ``key`` is written in the site's distillgen.toml (its value, or the key itself),
    or None: the one answer for every message about a setting."""
    try:
        text, _ = decode_source((Path(root) / CONFIG_FILE).read_bytes(), CONFIG_FILE)
    except OSError:
        return None
    position = key_positions(text, at_value=at_value).get(key) if text is not None else None
    return SourceLocation(CONFIG_FILE, *position) if position else None


def _read_file(config_file: Path, values: dict[str, Any],
               where: dict[str, SourceLocation | None], diagnostics: list[Diagnostic]) -> None:
    try:
        data = config_file.read_bytes()
    except OSError as exc:
        diagnostics.append(error("bad-config", f"cannot read the file: {exc.strerror}",
                                 SourceLocation(CONFIG_FILE)))
        return
    text, problems = decode_source(data, CONFIG_FILE)
    diagnostics.extend(problems)
    if text is None:
        return
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        diagnostics.append(syntax_error(text, str(exc)))
        return
    except RecursionError:  # tomllib recurses once per nested array or inline table
        diagnostics.append(error("bad-config", "invalid TOML: arrays or tables nested too "
                                 "deeply", deep_nesting(text), "no setting needs nesting"))
        return
    positions = key_positions(text)
    for key, value in table.items():
        line, column = positions.get(key, (1, 1))
        _accept(key, value, SourceLocation(CONFIG_FILE, line, column), values, where,
                diagnostics)


def _accept(key: str, value: Any, location: SourceLocation | None, values: dict[str, Any],
            where: dict[str, SourceLocation | None], diagnostics: list[Diagnostic]) -> None:
    """Validate one setting; record it, or record why not."""
    check = _CHECKS.get(key)
    if check is None:
        near = suggest_name(key, _CHECKS, _ALIASES)
        hint = f"did you mean `{near}`?" if near else "known keys: " + ", ".join(_CHECKS)
        diagnostics.append(error("unknown-config-key", f"unknown setting `{key}`", location,
                                 hint))
        return
    try:
        values[key] = check(key, value)
        where[key] = location
    except _BadValue as bad:
        diagnostics.append(error("bad-config", bad.message, location, bad.hint))


def _check_paths(root: Path, values: dict[str, Any], where: dict[str, SourceLocation | None],
                 diagnostics: list[Diagnostic]) -> None:
    """Keep every path inside the root (defaults too: a folder may be a link), normalised, and
    the output clear of everything else."""
    defaults = {key: getattr(SiteConfig, key) for key in _PATH_KEYS}
    for key in _PATH_KEYS:
        try:
            values[key] = _inside_root(root, key, values.get(key, defaults[key]))
        except _BadValue as bad:
            # A default is not written in the file: the path itself (a link) is the place.
            location = where.get(key) if key in values else SourceLocation(defaults[key])
            diagnostics.append(error("bad-config", bad.message, location, bad.hint))
            values.pop(key, None)
            if key == "output_dir":
                return  # where it would go is unknown: nothing to compare
    output = values.get("output_dir", defaults["output_dir"])
    read = {key: getattr(SiteConfig, key) for key in READ_PATH_SETTINGS}
    refusal = output_refusal(root, root / output, {**defaults, **read, **values})
    if refusal:
        # Where the clash was written: the output, or the setting it clashes with.
        location = next((where[key] for key in ("output_dir", *_PATH_KEYS)
                         if where.get(key) is not None), None)
        diagnostics.append(error("bad-config", f"`output_dir` ({output}) {refusal}", location,
                                 'build into a folder of its own, such as output_dir = "site"'))


def _check_listed_paths(root: Path, values: dict,
                        where: dict[str, SourceLocation | None],
                        diagnostics: list[Diagnostic]) -> None:
    """``bibliography`` files (one or several) and a ``csl`` file stay inside the root."""
    for key in _LISTED_PATH_KEYS:
        value = values.get(key, getattr(SiteConfig, key))
        if key == "csl" and not (value and is_style_file(value)):
            continue
        paths = (value,) if isinstance(value, str) else value
        try:
            checked = tuple(_inside_root(root, key, path) for path in paths)
        except _BadValue as bad:
            location = where.get(key) if key in values else SourceLocation(str(value))
            diagnostics.append(error("bad-config", bad.message, location, bad.hint))
            values.pop(key, None)
            continue
        if key in values:
            values[key] = checked[0] if isinstance(value, str) else checked


def _inside_root(root: Path, key: str, value: str) -> str:
    """The path relative to the root with forward slashes; refuses anything outside the root."""
    absolute = Path(os.path.normpath(root / value))
    if not absolute.is_relative_to(root) or not absolute.resolve().is_relative_to(root):
        raise _BadValue(f"`{key}` points outside the site folder: {value!r}",
                        "use a path inside the site folder, relative to " + CONFIG_FILE)
    return absolute.relative_to(root).as_posix()
