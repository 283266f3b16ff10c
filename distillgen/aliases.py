"""Aliases: ``aliases: ["/old/path/"]`` writes a redirecting page at each old address.

Moving a blog from another platform keeps its inbound links: each alias becomes a small page
(``old/path/index.html``, or ``2019/05/post.html`` when the alias names an .html file) with a
meta refresh to the post, a canonical link to its absolute URL (so search engines move their
record) and a plain link for the reader. No JavaScript, and it works under any subpath since
the refresh is relative.

Aliases are paths from the site's root, that is from ``base_url`` (a site served at
``https://x.org/blog/`` writes ``/old/`` at ``https://x.org/blog/old/``). An alias may not
take the place of anything the site publishes, nor be claimed twice: ``duplicate-alias``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePosixPath

from .errors import Diagnostic, SourceLocation, error
from .model import Content, RenderedPost


def alias_file(alias: str) -> PurePosixPath:
    """The file an alias is written to: ``old/path/`` -> ``old/path/index.html``."""
    return PurePosixPath(alias + "index.html" if alias.endswith("/") else alias)


def alias_pages(documents: Iterable[RenderedPost], taken: Mapping[PurePosixPath, object],
                render: Callable[[RenderedPost, str], Content],
                ) -> tuple[dict[PurePosixPath, Content], list[Diagnostic]]:
    """A redirecting page per alias, by output path; ``render(post, page_dir)`` makes one.
    ``taken``: every file the site already publishes."""
    pages: dict[PurePosixPath, Content] = {}
    claimed: dict[PurePosixPath, str] = {}
    problems: list[Diagnostic] = []
    for document in documents:
        source = document.post.source_path
        places = document.post.meta.alias_places
        for index, alias in enumerate(document.post.meta.aliases):
            path = alias_file(alias)
            where = SourceLocation(source, *places[index]) if index < len(places) else \
                SourceLocation(source, 1, 1)
            if path == PurePosixPath(f"{document.post.url_path}/index.html"):
                problems.append(error("duplicate-alias", f"alias `/{alias}` is the page's own "
                                      "address", where, "remove it"))
            elif path in taken or _is_folder_of(path, taken):
                problems.append(error("duplicate-alias", f"alias `/{alias}` would replace "
                                      f"`{path}`, which the site publishes", where,
                                      "remove the alias, or correct its path"))
            elif path in claimed:
                problems.append(error("duplicate-alias", f"alias `/{alias}` is also claimed by "
                                      f"`{claimed[path]}`", where, "keep it in one file only"))
            else:
                claimed[path] = source
                pages[path] = render(document, str(path.parent) if path.parent.name else "")
    return pages, problems


def _is_folder_of(path: PurePosixPath, taken: Mapping[PurePosixPath, object]) -> bool:
    """An alias file where the site has a folder, or inside one of the site's files."""
    return any(parent in taken for parent in path.parents)
