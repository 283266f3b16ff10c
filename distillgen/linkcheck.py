"""Internal links and anchors checked against the planned site, before anything is written.

A relative link in a post must lead to a file the build produces, and a ``#fragment`` to an
id on that page; otherwise the author gets a located ``broken-link`` warning.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from .assemble import Site
from .errors import Diagnostic, SourceLocation, warning
from .markdown.links import EXTERNAL_URL_RE
from .model import Blob, Plan, RenderedPost

_ID_RE = re.compile(rb"""\sid=(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")

Links = tuple[tuple[str, int, int], ...]
"""(href, line, column) of every link in a document."""


def ids_in(content: bytes) -> set[str]:
    """Every ``id`` on a page."""
    return {next(g for g in m.groups() if g is not None).decode("utf-8", "replace")
            for m in _ID_RE.finditer(content)}


_HTML_SUFFIXES = frozenset({".html", ".htm"})
"""Pages whose ids a fragment names; a fragment of another file (``data.csv#row=4``, a PDF's
``#page=2``) means something to its viewer, not to us."""


def _ids_of(plan: Plan, page: PurePosixPath) -> set[str]:
    content = plan.get(page)
    if isinstance(content, Blob):
        content = content.path
    if isinstance(content, Path):
        try:
            content = content.read_bytes()
        except OSError:
            return set()
    if not isinstance(content, bytes):
        return set()
    return ids_in(content)


def _target_page(plan: Plan, page_dir: str, path: str) -> PurePosixPath | None:
    """The planned file a relative link from ``page_dir`` leads to, or None."""
    joined = posixpath.normpath(posixpath.join(page_dir, unquote(path)))
    if joined.startswith(".."):
        return None
    candidates = [joined] if not path.endswith("/") else []
    candidates.append(posixpath.join(joined, "index.html") if joined != "." else "index.html")
    for candidate in candidates:
        if PurePosixPath(candidate) in plan:
            return PurePosixPath(candidate)
    return None


def check_links(documents: Iterable[tuple[RenderedPost, Links]], plan: Plan,
                known_ids: Mapping[str, Collection[str]] | None = None
                ) -> list[Diagnostic]:
    """A warning for every relative link or fragment in a post or page that leads nowhere.
    ``known_ids``: the ids of pages already known (a post's page, without reading it), by
    the page's path in the output."""
    known = known_ids or {}

    @functools.cache
    def ids(page: PurePosixPath) -> Collection[str]:
        found = known.get(str(page))
        return found if found is not None else _ids_of(plan, page)

    problems = []
    for rendered, links in documents:
        page_dir = str(rendered.post.url_path)
        own_page = PurePosixPath(page_dir) / "index.html"
        for href, line, column in links:
            if not href or EXTERNAL_URL_RE.match(href):
                continue
            path, _, fragment = href.partition("#")
            path = path.split("?", 1)[0]
            target = own_page if not path else _target_page(plan, page_dir, path)
            where = SourceLocation(rendered.post.source_path, line, column)
            if target is None:
                problems.append(warning("broken-link", f"link to `{href}` leads nowhere", where,
                                        hint="relative links resolve from the post's page "
                                             f"`{page_dir}/`; link to a .md file to reach a post"))
            elif fragment and target.suffix in _HTML_SUFFIXES and \
                    unquote(fragment) not in ids(target):
                problems.append(warning("broken-anchor",
                                        f"`#{fragment}` is not an id on `{target}`", where))
    return problems


def unused_entries(site: Site, entries: Mapping[str, Any]) -> list[Diagnostic]:
    """A warning per bibliography entry no published post cites (``distillgen check``)."""
    cited = {key for post in (*site.posts, *site.pages) for key in post.citations}
    return [warning("unused-bib-entry", f"`{key}` is never cited", entry.location)
            for key, entry in entries.items() if key not in cited]
