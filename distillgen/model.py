"""The data a build passes from stage to stage: frozen, picklable, no behaviour.

Everything here can cross a process boundary (posts render in worker processes) and be
hashed into the incremental-build cache key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from .errors import Diagnostic


@dataclass(frozen=True)
class SourceFile:
    """A Markdown file as read from disk."""

    path: str
    """Path relative to the site root, forward slashes: ``content/blog/foo.md``."""
    text: str
    """Decoded UTF-8 text, BOM removed, line endings normalised to ``\\n``."""


@dataclass(frozen=True)
class Affiliation:
    """An institution an author belongs to."""

    name: str
    url: str | None = None


@dataclass(frozen=True)
class Author:
    """One author of a post, as written in front matter."""

    name: str
    url: str | None = None
    orcid: str | None = None
    """An ORCID iD, ``0000-0002-1825-0097`` (checksum verified)."""
    affiliations: tuple[Affiliation, ...] = ()

    @property
    def affiliation(self) -> str | None:
        """The first affiliation's name (templates written for one affiliation use it)."""
        return self.affiliations[0].name if self.affiliations else None

    @property
    def affiliation_url(self) -> str | None:
        return self.affiliations[0].url if self.affiliations else None

    @property
    def orcid_url(self) -> str | None:
        return f"https://orcid.org/{self.orcid}" if self.orcid else None


@dataclass(frozen=True)
class PostMeta:
    """Validated front matter, of a post or of a standalone page."""

    title: str
    pub_date: dt.datetime | None = None
    """Always timezone-aware; a bare date is midnight UTC. Required for posts; pages have
    none."""
    description: str = ""
    updated_date: dt.datetime | None = None
    tags: tuple[str, ...] = ()
    authors: tuple[Author, ...] = ()
    draft: bool = False
    featured: bool = False
    slug: str = ""
    """The final slug: front matter ``slug`` or the file name."""
    doi: str | None = None
    image: str | None = None
    """Social preview image, a path relative to the Markdown file or an absolute URL."""
    bibliography: tuple[str, ...] = ()
    """Post-local .bib files, relative to the Markdown file, searched in order before the
    site's."""
    csl: str | None = None
    """A CSL style for this post: a style name (``apa``) or a .csl file relative to it."""
    csl_at: tuple[int, int] = (1, 1)
    """Where ``csl`` is written in the file (line, column): a style file that cannot be used
    is reported there."""
    nocite: tuple[str, ...] = ()
    """Keys listed in the references without being cited; ``*`` means every entry."""
    nocite_line: int = 1
    """The line of ``nocite`` in the file (unknown keys are reported there)."""
    abstract: str = ""
    """Shown as the abstract block; the page's description when there is no description."""
    citation: bool = True
    """Show the "Cite this post" block."""
    toc: bool = True
    """Show the table of contents."""
    menu: int | None = None
    """A page's place in the site's header menu (pages only); None: not in the menu."""
    publications: str | None = None
    """A ``.bib`` whose entries the page lists, relative to the Markdown file (pages only)."""
    aliases: tuple[str, ...] = ()
    """Old addresses that redirect here, relative to the site root, without the leading
    slash: ``2019/01/old-post.html`` or ``old/path/``."""
    alias_places: tuple[tuple[int, int], ...] = ()
    """(line, column) of each alias in the file, for ``duplicate-alias``."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form values for templates (``post.extra.…``); distillgen itself ignores them."""


POST, PAGE = "post", "page"
"""The two kinds of Markdown file: a post lives under ``content/blog/``, a page anywhere
else in the content folder."""


@dataclass(frozen=True)
class Post:
    """A parsed Markdown file: its metadata and its body (a post, or a standalone page)."""

    source_path: str
    meta: PostMeta
    body: str
    body_line_offset: int
    """Number of lines before the body (front matter and its fences)."""
    url_path: PurePosixPath
    """Output folder, relative to the site root: ``blog/foo``."""
    kind: str = POST
    """:data:`POST` (dated, listed, in tags and feeds) or :data:`PAGE` (standalone)."""

    @property
    def is_page(self) -> bool:
        return self.kind == PAGE

    @property
    def bundle_dir(self) -> PurePosixPath | None:
        """The folder of a page bundle (``content/blog/x/index.md``: ``content/blog/x``),
        whose files the page links to are published beside it; None for a single file."""
        path = PurePosixPath(self.source_path)
        return path.parent if path.name == "index.md" else None


@dataclass(frozen=True)
class TocEntry:
    """A section heading of a post."""

    level: int
    anchor: str
    html: str
    """The heading's inline HTML (may contain math)."""


@dataclass(frozen=True)
class AssetRef:
    """A file a post uses that must be copied into the site."""

    source: str
    """Path relative to the site root."""
    target: PurePosixPath
    """Path inside the output folder."""


@dataclass(frozen=True)
class AssetInfo:
    """A file on disk that a post may reference: enough to copy it and size its <img>."""

    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class RenderedPost:
    """What rendering one post produced; everything later stages need, no Markdown left."""

    post: Post
    html: str
    """The article body HTML (sidenotes in place, no appendix)."""
    appendix_html: str = ""
    """Blocks the author moved to the appendix (``::: {.appendix}``, ``{.appendix}`` sections)."""
    toc: tuple[TocEntry, ...] = ()
    citations: tuple[str, ...] = ()
    """Keys of the works in the reference list: cited ones in order of first citation, then
    those listed by ``nocite``."""
    bibliography_html: tuple[tuple[str, str], ...] = ()
    """(key, entry HTML) for each cited work, in the order of the reference list."""
    bibliography_numbered: bool = True
    """The reference list is numbered by the page (built-in numeric); other styles write
    their own labels or none."""
    footnotes_html: tuple[tuple[int, str], ...] = ()
    """(number, note HTML) for the appendix."""
    assets: tuple[AssetRef, ...] = ()
    links: tuple[tuple[str, int, int], ...] = ()
    """(href, line, column) of every link in the body, for link checking."""
    anchors: tuple[str, ...] = ()
    """Every id in the body."""
    diagnostics: tuple[Diagnostic, ...] = ()
    summary_text: str = ""
    """Plain text start of the body, used when there is no description."""
    reference_meta: tuple[str, ...] = field(default=())
    """One plain-text line per cited work, for Google Scholar ``citation_reference``."""
    image: PurePosixPath | None = None
    """Output path of the post's local preview image (front matter ``image``)."""
    listing_html: str = ""
    """The post's item in listings (index, tag pages), links relative to a placeholder root."""
    feed_html: str = ""
    """The body for feeds: no hover cards or margin notes, notes and references at the end."""
    keys_looked_up: tuple[str, ...] = ()
    """Every citation key the post asked the bibliography for, found or not (sorted)."""
    files_looked_up: tuple[str, ...] = ()
    """Every site file the post asked for, found or not (sorted)."""

    @property
    def extra(self) -> dict[str, Any]:
        """The front matter's ``extra:`` mapping, for templates: ``post.extra.subtitle``."""
        return self.post.meta.extra


class Blob(NamedTuple):
    """A built page kept in the cache (``pages/<name>``), published by a hard link."""

    name: str
    """The SHA-256 of its bytes."""
    path: Path


Content = bytes | Path | Blob
"""A file of the plan: its bytes, a source file to copy, or a blob of the cache to link."""
Plan = dict[PurePosixPath, Content]
"""Every file of the site by its path in the output folder."""
