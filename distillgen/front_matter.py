"""Front matter: split it from the body and validate it, keeping every value's position.

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
                                                      ``affiliation``, ``affiliationUrl``
``draft``           ``true`` / ``false``              default false
``featured``        ``true`` / ``false``              default false
``slug``            ``[a-z0-9][a-z0-9_-]*``           replaces the file name in the URL
``doi``             ``10.xxxx/...``                   a ``https://doi.org/`` or ``doi:`` prefix is
                                                      removed
``image``           path relative to the file, or     social preview image
                    absolute URL
``bibliography``    path relative to the file         a post-local ``.bib``
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

YAML aliases (``*name``) are followed, but all of them together may add at most
:data:`ALIAS_BUDGET` characters to the front matter: a 1 KB anchor aliased 50,000 times would
otherwise put 50 MB into every page that shows the value.

Values are read from the YAML node tree, never through PyYAML's constructors (but for the
free-form ``extra``, built by its safe constructor from the same nodes), so every value keeps
its position (PyYAML would raise a bare ValueError on ``2024-13-45``). Only ``true`` and
``false`` are booleans (YAML 1.2), so ``title: no`` is the string "no" and ``draft: yes`` is
refused; dates are plain strings to YAML and are parsed here.

A post's URL is its path under the content folder with the file name replaced by its slug:
``content/blog/foo.md`` -> ``blog/foo``, ``content/about.md`` -> ``about``. An ``index.md`` is
a page bundle and publishes at its folder (``content/blog/x/index.md`` -> ``blog/x``, the
folder's name being the default slug); the content folder's own ``index.md`` would take the
home page's place and is refused unless it has a ``slug``.
"""


from __future__ import annotations

import datetime as dt
import posixpath
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from .errors import Diagnostic, SourceLocation, error, warning
from .model import PAGE, POST, Author, Post, PostMeta, SourceFile
from .names import SLUG_PATTERN, slugify, suggest_name
from .settings import ParseSettings, stage_settings
from .text import describe_character, forbidden_character, location_in

if TYPE_CHECKING:
    from .config import SiteConfig

_FENCE = "---"
_YAML_FIRST_LINE = 2
"""The front matter YAML always starts on the file's second line."""
_MINIMAL_HEADER = ('start the file with these four lines: "---", "title: My post", '
                   '"pubDate: 2024-03-01", "---"')


def _is_fence(line: str) -> bool:
    return line.rstrip() == _FENCE


class FrontMatterSplit(NamedTuple):
    """A post's text cut at its fences."""

    yaml_text: str
    """The lines between the fences; its first line is the file's line 2."""
    body: str
    body_line_offset: int
    """Lines up to and including the closing fence."""


def split_front_matter(source: SourceFile) -> tuple[FrontMatterSplit | None, list[Diagnostic]]:
    """Cut the front matter from the body, or give None and a located error."""
    lines = source.text.split("\n")
    if not source.text.strip():
        return None, [error("missing-front-matter", "the file is empty",
                            SourceLocation(source.path), _MINIMAL_HEADER)]
    if not _is_fence(lines[0]):
        return None, [_no_opening_fence(lines, source.path)]
    closing = next((i for i in range(1, len(lines)) if _is_fence(lines[i])), None)
    if closing is None:
        return None, [error("bad-front-matter", "the front matter is never closed",
                            SourceLocation(source.path),
                            'end it with a line holding only "---" after the last key')]
    yaml_text = "\n".join(lines[1:closing])
    body = "\n".join(lines[closing + 1:])
    return FrontMatterSplit(yaml_text, body, closing + 1), []


def _no_opening_fence(lines: list[str], path: str) -> Diagnostic:
    first = next(i for i, line in enumerate(lines) if line.strip())
    if _is_fence(lines[first]):
        return error("missing-front-matter", "the front matter must start on the first line",
                     SourceLocation(path, first + 1), 'remove the lines above "---"')
    return error("missing-front-matter", "the file has no front matter",
                 SourceLocation(path), _MINIMAL_HEADER)


# ---------------------------------------------------------------------------------------------
# YAML: compose the node tree, keeping positions


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NULL = "tag:yaml.org,2002:null"
_KINDS = {
    _STR: "a string", _BOOL: "a boolean", _NULL: "an empty value", _TIMESTAMP: "a date",
    "tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
}


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it: ten times faster, same nodes and marks."""


class _FrontMatterLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Composes nodes only. Implicit types: null, true/false, numbers; dates stay strings."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FrontMatterLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

_QUOTE_HINT = ('if a value contains ": " or " #", or starts with one of [ ] { } * & ! | > @ ` '
               '" \', put it in double quotes')


def _compose(yaml_text: str, path: str) -> tuple[yaml.Node | None, list[Diagnostic]]:
    try:
        return yaml.compose(yaml_text, Loader=_FrontMatterLoader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        index = mark.index if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        message = f"invalid YAML in the front matter: {problem}"
        if exc.context and exc.problem:
            message += f" ({exc.context})"
    except yaml.reader.ReaderError as exc:
        location = location_in(yaml_text, exc.position, path, _YAML_FIRST_LINE)
        return None, [error("bad-front-matter",
                            f"YAML does not allow the control character U+{exc.character:04X}",
                            location, "delete it (editors often show it as nothing at all)")]
    location = location_in(yaml_text, index, path, _YAML_FIRST_LINE)
    return None, [error("bad-front-matter", message, location, _QUOTE_HINT)]


ALIAS_BUDGET = 65_536
"""Characters (and values) that YAML aliases may add to a post's front matter, in total."""


def _check_aliases(root: yaml.Node | None, yaml_text: str, path: str) -> list[Diagnostic]:
    """A located error when aliases make the front matter grow past the budget (or refer to
    themselves); the tree is walked once per distinct node, so this costs what the text
    costs, however much the aliases would expand."""
    if root is None:
        return []
    size: dict[int, int] = {}
    references: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while pending:
        node, children_done = pending.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        references[key] = references.get(key, 0) + 1
        if key in open_nodes:
            return [_alias_error(node, yaml_text, path, "refers to itself through an alias")]
        if key in size or key in nodes:
            continue  # an alias of a node already counted (or being counted)
        nodes[key] = node
        if isinstance(node, yaml.ScalarNode):
            size[key] = 1 + len(node.value)
            continue
        open_nodes.add(key)
        pending.append((node, True))
        pending.extend((child, False) for child in reversed(_children(node)))
    if size[id(root)] <= len(yaml_text) + ALIAS_BUDGET:
        return []
    worst = max((k for k, n in references.items() if n > 1),
                key=lambda k: (references[k] - 1) * size[k])
    return [_alias_error(nodes[worst], yaml_text, path,
                         f"is repeated {references[worst] - 1:,} times by aliases, which would "
                         f"make the front matter {size[id(root)]:,} characters long (at most "
                         f"{ALIAS_BUDGET:,} more than written)")]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _alias_error(node: yaml.Node, yaml_text: str, path: str, problem: str) -> Diagnostic:
    return error("bad-front-matter", f"the value anchored here {problem}",
                 location_in(yaml_text, node.start_mark.index, path, _YAML_FIRST_LINE),
                 "write the value out where it is needed instead of aliasing it (*name)")


def _describe(node: yaml.Node) -> str:
    """What kind of value a node holds, as the author would say it."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return _KINDS.get(node.tag, f"a value tagged {node.tag}")


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
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_UNSAFE = frozenset("{}\\")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)

_FIELD_ALIASES = {
    "date": "pubDate", "published": "pubDate", "publishDate": "pubDate",
    "updated": "updatedDate", "lastmod": "updatedDate", "modified": "updatedDate",
    "author": "authors", "categories": "tags", "category": "tags", "keywords": "tags",
    "summary": "description", "excerpt": "description", "subtitle": "description",
    "cover": "image", "thumbnail": "image", "permalink": "slug", "bib": "bibliography",
}
"""Names other generators use for our keys, for did-you-mean hints."""

_AUTHOR_KEYS = {"name": "name", "url": "url", "affiliation": "affiliation",
                "affiliationUrl": "affiliation_url"}
"""Author mapping key -> Author attribute."""


_Pairs = dict[str, tuple[yaml.Node, yaml.Node]]
"""Mapping key -> (key node, value node)."""


class _FrontMatterReader:
    """Turns front-matter nodes into PostMeta values, recording every problem, located."""

    def __init__(self, source: SourceFile, yaml_text: str):
        self.path = source.path
        self.yaml_text = yaml_text
        self.diagnostics: list[Diagnostic] = []

    def where(self, node: yaml.Node) -> SourceLocation:
        return location_in(self.yaml_text, node.start_mark.index, self.path, _YAML_FIRST_LINE)

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
                        f"{_describe(node)}", node)
            return {}
        found: _Pairs = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.refuse("bad-front-matter", f"a key must be a name, not {_describe(key)}", key)
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
        if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
            bad = forbidden_character(node.value)
            if bad is not None:
                return self.refuse("bad-field", f"`{name}` contains "
                                   f"{describe_character(node.value[bad])}", node,
                                   "in double quotes a backslash starts an escape (\"\\a\" is a "
                                   "bell): write \\\\ for a backslash, or use single quotes")
            return node.value.strip()
        hint = f'put it in double quotes: "{node.value}"' if isinstance(
            node, yaml.ScalarNode) else None
        return self.refuse("bad-field", f"`{name}` must be a string, not {_describe(node)}",
                           node, hint)

    def non_empty_text(self, name: str, node: yaml.Node) -> Any:
        value = self.text(name, node)
        if value == "":
            return self.refuse("bad-field", f"`{name}` is empty", node)
        return value

    def flag(self, name: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL:
            return node.value.lower() == "true"
        shown = f" `{node.value}`" if isinstance(node, yaml.ScalarNode) else ""
        return self.refuse("bad-field", f"`{name}` must be true or false, not "
                           f"{_describe(node)}{shown}", node,
                           f"write {name}: true or {name}: false")

    def date(self, name: str, node: yaml.Node) -> Any:
        if not (isinstance(node, yaml.ScalarNode) and node.tag in (_STR, _TIMESTAMP)):
            return self.refuse("bad-date", f"`{name}` must be a date, not {_describe(node)}",
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
        bare = _DOI_PREFIX.sub("", value)
        unsafe = next((char for char in bare if char in _DOI_UNSAFE), None)
        if unsafe is not None:
            return self.refuse("bad-doi", f"`{name}` may not contain `{unsafe}`: {value!r}",
                               node, "a DOI looks like 10.23915/distill.00001; a brace or "
                               "backslash would break the BibTeX of \"Cite this post\"")
        if _DOI.fullmatch(bare):
            return bare
        return self.refuse("bad-doi", f"`{name}` is not a DOI: {value!r}", node,
                           "a DOI looks like 10.23915/distill.00001")

    def site_file(self, name: str, node: yaml.Node, urls_allowed: bool = False) -> Any:
        """A path relative to the Markdown file that stays inside the site (or an URL)."""
        value = self.non_empty_text(name, node)
        if value is _INVALID or (urls_allowed and _is_absolute_url(value)):
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

    def menu(self, name: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT:
            try:
                return int(node.value.replace("_", ""), 0)
            except ValueError:
                pass
        return self.refuse("bad-field", f"`{name}` must be a whole number, not "
                           f"{_describe(node)}", node,
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
        return tuple(found)

    def extra(self, name: str, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return self.refuse("bad-field", f"`{name}` must be a mapping of your own keys, not "
                               f"{_describe(node)}", node,
                               f"indent your keys under it: {name}:\n  subtitle: ...")
        try:
            value = yaml.constructor.SafeConstructor.construct_document(
                _Constructor(), node)
        except yaml.YAMLError as problem:
            mark = getattr(problem, "problem_mark", None)
            where = location_in(self.yaml_text, mark.index, self.path, _YAML_FIRST_LINE) \
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
            elif not _is_null(value_node):
                values[attribute] = self.non_empty_text(key, value_node)
                if attribute in _AUTHOR_LINKS and not self.safe_link(key, value_node,
                                                                     values[attribute]):
                    del values[attribute]
        if "name" not in values:
            return self.refuse("missing-field", "an author needs a `name`", node,
                               "write - name: Ada Lovelace")
        if _INVALID in values.values():
            return _INVALID
        return Author(**values)

    def safe_link(self, name: str, node: yaml.Node, value: Any) -> bool:
        """Whether a link is one a page may carry; a ``javascript:``, ``data:`` or other
        scheme would run or load code when clicked, so it is dropped with a warning."""
        if value is _INVALID or _is_safe_link(value):
            return True
        self.diagnostics.append(warning(
            "unsafe-url", f"`{name}` `{value}` is not a web or mail link; it is left out",
            self.where(node), "use an http://, https:// or mailto: link, or a relative one"))
        return False


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


class _Constructor(yaml.constructor.SafeConstructor):
    """Plain Python values for ``extra:``: mappings, lists, strings, numbers, booleans."""

    def __init__(self) -> None:
        super().__init__()


_ALIAS_SUFFIXES = (".html", ".htm")


def alias_problem(alias: str) -> str | None:
    """Why an alias cannot be an address on this site, or None."""
    parts = urllib.parse.urlsplit(alias)
    if parts.scheme or parts.netloc or alias.startswith("//"):
        return "names another site; an alias is a path on this one"
    if parts.query or parts.fragment or "?" in alias or "#" in alias:
        return "has a query or a fragment; a static file cannot answer those"
    if "\\" in alias or any(char.isspace() or ord(char) < 0x20 for char in alias):
        return "contains a space, a backslash or a control character"
    segments = [segment for segment in alias.split("/") if segment]
    if not segments:
        return "is the site's home page"
    if any(segment in (".", "..") for segment in segments):
        return "contains a `.` or `..` segment"
    last = segments[-1]
    if not alias.endswith("/") and "." in last and not last.lower().endswith(_ALIAS_SUFFIXES):
        return "ends in a file that is not .html; write a folder (/old/path/) or an .html file"
    return None


def normalise_alias(alias: str) -> str:
    """The alias relative to the site root: no leading slash, single slashes, a folder ending
    in ``/``: ``/old//path`` -> ``old/path/``."""
    segments = [segment for segment in alias.split("/") if segment]
    path = "/".join(segments)
    return path if path.lower().endswith(_ALIAS_SUFFIXES) else path + "/"


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


def _is_absolute_url(value: str) -> bool:
    parts = urllib.parse.urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


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
    "bibliography": ("bibliography", _FrontMatterReader.site_file),
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
        if _is_null(value_node):
            continue  # `key:` with nothing after it: as if absent
        attribute, read = _FIELDS[name]
        value = read(reader, name, value_node)
        if value is not _INVALID:
            values[attribute] = value
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
        elif _is_null(pairs[name][1]):
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
    root_node, diagnostics = _compose(split.yaml_text, source.path)
    diagnostics = diagnostics or _check_aliases(root_node, split.yaml_text, source.path)
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
    if "slug" not in pairs and not _default_slug(source.path, config):
        reader.diagnostics.append(error(
            "duplicate-slug", f"`{source.path}` would publish at the site's root, where the "
            "list of posts is", SourceLocation(source.path),
            "give it a `slug:`, or rename it (content/home.md); to change the home page, "
            "put your own index.html in templates/"))
    if any(diagnostic.is_error for diagnostic in reader.diagnostics):
        return None, reader.diagnostics
    values.setdefault("slug", _default_slug(source.path, config))
    post = Post(source_path=source.path, meta=PostMeta(**values), body=split.body,
                body_line_offset=split.body_line_offset,
                url_path=_url_path(source.path, values["slug"], config), kind=kind)
    return post, reader.diagnostics


POSTS_FOLDER = "blog"
"""Markdown files under ``<content_dir>/blog/`` are posts; all others are pages."""


def document_kind(source_path: str, config: SiteConfig | ParseSettings) -> str:
    """:data:`POST` for a file under ``content/blog/``, :data:`PAGE` for any other file of
    the content folder. A file from outside the content folder (tests, tools) is a post."""
    path = PurePosixPath(source_path)
    content = PurePosixPath(config.content_dir)
    if content not in path.parents:
        return POST
    inside = path.relative_to(content).parts
    return POST if len(inside) > 1 and inside[0] == POSTS_FOLDER else PAGE


def _drop_misplaced(reader: _FrontMatterReader, values: dict[str, Any], pairs: _Pairs,
                    kind: str, config: ParseSettings) -> None:
    """A key that only the other kind of file understands is a warning, and is dropped: a
    dated post saved outside content/blog/ must not silently become a page."""
    other = PAGE if kind == POST else POST
    for name in _ONLY_FOR[other]:
        if name not in pairs or _is_null(pairs[name][1]):
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


def _default_slug(source_path: str, config: ParseSettings) -> str:
    """The file's name, or for ``index.md`` (a page bundle) its folder's name; empty for the
    content folder's own ``index.md``."""
    path = PurePosixPath(source_path)
    if path.name != "index.md":
        return slugify(path.stem)
    folder = path.parent
    content = PurePosixPath(config.content_dir)
    if folder == content or folder == PurePosixPath("."):
        return ""
    return slugify(folder.name)


def _url_path(source_path: str, slug: str, config: ParseSettings) -> PurePosixPath:
    """The post's folder in the site: its path under the content folder, slug as the name.
    A page bundle (``content/blog/x/index.md``) is its folder: ``blog/x``."""
    path = PurePosixPath(source_path)
    content = PurePosixPath(config.content_dir)
    if content in path.parents:  # else a source from elsewhere (tests, tools): keep its folders
        path = path.relative_to(content)
    if path.name == "index.md":
        path = path.parent
    return path.parent / slug
