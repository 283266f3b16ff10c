"""Every post's render and page: from the site index while nothing they depend on changed,
else in worker processes.

A post renders again when its parsed source, the render settings or what it looked up while
rendering (citation keys, files, other posts' addresses) changed; editing one .bib entry
re-renders exactly the posts that cite it. Its page is made again from the unchanged render
(read from its pack) when only the templates or the site settings changed. Each worker
writes what it made into the cache itself, a page blob per post and one pack of full renders
per batch, and returns a small record per post: no full render crosses back to the parent.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bibliography.export import references_bib
from .cache import keys
from .cache.blobs import BlobStore
from .cache.index import PostRecord, SiteIndex, SourceRecord
from .cache.renders import RenderPacks
from .errors import Diagnostic, DistillgenError
from .linkcheck import ids_in
from .model import Post, RenderedPost
from .parallel import Progress, run_chunks
from .render import RenderContext, lookup_for, post_dependencies, render_post
from .settings import StageSettings
from .sources import reread

PageRenderer = Callable[[RenderedPost], tuple[bytes, str, tuple[tuple[str, bytes], ...]]]
"""A rendered post -> its page's bytes (theme templates applied), its listing item and the
other files of its folder the theme makes (name, bytes)."""


@dataclass(frozen=True)
class Stores:
    """Where workers put what they make; ``writable`` False for ``distillgen check``."""

    blobs: BlobStore
    packs: RenderPacks
    writable: bool


@dataclass(frozen=True)
class RenderWork:
    """What every job shares; the workers inherit it through fork."""

    context: RenderContext
    pages: PageRenderer
    in_feed: frozenset[str]
    page_key: str
    stores: Stores | None
    root: Path
    settings: StageSettings
    lookups: LookupDigests
    render_inputs: str
    """:func:`keys.render_inputs` of this build."""


@dataclass(frozen=True)
class Job:
    """One post to render (or only to put through the templates again, from ``pack``)."""

    site_path: str
    source: SourceRecord
    post: Post | None
    """The whole post when it was just read; else it is read again if it must render."""
    render_key: str
    pack: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a job gives back: the post's record, or the diagnostics of a post that failed."""

    record: PostRecord | None
    diagnostics: tuple[Diagnostic, ...] = ()
    page: bytes | None = None
    """The page's bytes when there is no cache to keep them in."""
    rendered: bool = True
    """The Markdown was rendered (else only the templates ran)."""


@dataclass(frozen=True)
class Rendered:
    """Every post's record, in order, with what failed and how much was reused."""

    records: dict[str, PostRecord]
    pages: dict[str, bytes]
    """Pages kept in memory (no cache, or a read-only one), by source path."""
    diagnostics: list[Diagnostic]
    stats: dict[str, int]


def render_all(paths: Sequence[str], sources: Mapping[str, SourceRecord],
               bodies: Mapping[str, Post], index: SiteIndex, work: RenderWork, *,
               workers: int, progress: Progress | None = None) -> Rendered:
    """Each post of ``paths`` rendered, or reused from ``index``."""
    lookups = work.lookups
    blobs = work.stores.blobs if work.stores is not None else None
    reused: dict[str, PostRecord] = {}
    jobs: list[Job] = []
    same_world = bool(index.lookups_world) and index.lookups_world == lookups.world
    for path in paths:
        source = sources[path]
        known = index.posts.get(path)
        render_key = keys.render_key(source.post_digest, work.render_inputs,
                                     post_dependencies(source.post, work.context)
                                     if source.post is not None else None)
        if known is None or known.render_key != render_key or (
                not same_world and known.lookups != lookups.of(
                    source.post, known.keys_looked_up, known.files_looked_up)):
            jobs.append(Job(path, source, bodies.get(path), render_key))
        elif path in work.in_feed and not known.feed_html:
            jobs.append(Job(path, source, bodies.get(path), render_key))  # it entered the feed
        elif known.page_key == work.page_key and blobs is not None and \
                blobs.present(known.page):
            reused[path] = known
        else:
            jobs.append(Job(path, source, bodies.get(path), render_key, pack=known.pack))
    outcomes = run_chunks(_render_chunk, jobs, workers=workers, shared=work, progress=progress)
    records: dict[str, PostRecord] = {}
    pages: dict[str, bytes] = {}
    diagnostics: list[Diagnostic] = []
    by_path = {job.site_path: outcome for job, outcome in zip(jobs, outcomes, strict=True)}
    for path in paths:
        if path in reused:
            records[path] = reused[path]
            continue
        outcome = by_path[path]
        if outcome.record is None:
            diagnostics.extend(outcome.diagnostics)
            continue
        records[path] = outcome.record
        if outcome.page is not None:
            pages[path] = outcome.page
    rendered = sum(1 for outcome in outcomes if outcome.rendered)
    stats = {"cached": len(paths) - rendered, "rendered": rendered, "pages": len(jobs)}
    return Rendered(records, pages, diagnostics, stats)


class LookupDigests:
    """What a post's lookups resolve to now (see :func:`keys.lookups_digest`), each entry
    and file worked out once per build; and :attr:`world`, all a lookup can resolve to."""

    def __init__(self, context: RenderContext):
        self.context = context
        self._entries: dict[int, str] = {}

    @functools.cached_property
    def world(self) -> str:
        """:func:`keys.lookups_world` of every entry, file and post address: while it is the
        last build's, no post's lookups can resolve differently, and none is checked."""
        context = self.context
        tables = [("", context.entries), *sorted(context.post_entries.items())]
        return keys.lookups_world(
            [(name, key, self._digest(entry)) for name, table in tables
             for key, entry in table.items()],
            context.assets_on_disk, context.post_urls)

    def _digest(self, entry: Any) -> str:
        known = self._entries.get(id(entry))
        if known is None:
            known = self._entries[id(entry)] = _entry_digest(entry)
        return known

    def of(self, post: Post | None, keys_looked_up: Sequence[str],
           files_looked_up: Sequence[str]) -> str:
        if post is None:
            return ""
        lookup = lookup_for(post, self.context)
        context = self.context

        def entry_digest(key: str) -> str:
            entry = lookup(key)
            return "-" if entry is None else self._digest(entry)

        def file_digest(path: str) -> str:
            return f"{context.assets_on_disk.get(path)!r}\0{context.post_urls.get(path, '-')}"

        return keys.lookups_digest(keys_looked_up, files_looked_up, entry_digest, file_digest)


def _entry_digest(entry: Any) -> str:
    """What a citation of this entry can show: every field a style may print, and the entry
    as written (for the post's ``references.bib``)."""
    return keys.value_digest(entry.digest_parts())


def _render_chunk(jobs: Sequence[Job], work: RenderWork) -> list[Outcome]:
    packed: dict[str, RenderedPost] = {}
    outcomes = [_render_job(job, work, packed) for job in jobs]
    if packed and work.stores is not None and work.stores.writable:
        name = work.stores.packs.write(packed)
        outcomes = [dataclasses.replace(o, record=dataclasses.replace(o.record, pack=name))
                    if o.record is not None and o.record.render_key in packed else o
                    for o in outcomes]
    return outcomes


def _render_job(job: Job, work: RenderWork, packed: dict[str, RenderedPost]) -> Outcome:
    in_feed = job.site_path in work.in_feed
    rendered = None
    if job.pack and work.stores is not None:
        full = work.stores.packs.get(job.pack, job.render_key)
        if isinstance(full, RenderedPost) and full.post.source_path == job.site_path and \
                (full.feed_html or not in_feed):
            rendered = full
    fresh = rendered is None
    if rendered is None:
        post = job.post
        if post is None:
            post, problems = reread(work.root, job.site_path, work.settings)
            if post is None:  # it changed since it was looked at, and no longer parses
                return Outcome(None, problems)
        rendered = render_post(post, work.context, feed=in_feed)
    if any(d.is_error for d in rendered.diagnostics):
        return Outcome(None, rendered.diagnostics)
    try:
        page, listing_html, files = work.pages(rendered)
    except DistillgenError as problem:  # a broken template: reported, never cached
        return Outcome(None, (*rendered.diagnostics, *problem.diagnostics))
    if fresh:
        packed[job.render_key] = rendered
    stores = work.stores
    blob = stores.blobs.put(page) if stores is not None and stores.writable else ""
    record = post_record(rendered, job.render_key, work, page, listing_html, blob,
                         job.pack if not fresh else "", in_feed, files)
    return Outcome(record, page=None if blob else page, rendered=fresh)


def post_record(rendered: RenderedPost, render_key: str, work: RenderWork, page: bytes,
                listing_html: str, blob: str, pack: str, in_feed: bool,
                files: tuple[tuple[str, bytes], ...] = ()) -> PostRecord:
    """What the rest of the build, and the next build, need of a rendered post."""
    listing = listing_of(rendered, listing_html)
    references, parents = references_file(rendered, work.context)
    if references:
        files = (*files, ("references.bib", references))
    looked_up = tuple(sorted({*rendered.keys_looked_up, *parents}))
    lookups = work.lookups.of(rendered.post, looked_up, rendered.files_looked_up)
    return PostRecord(
        render_key=render_key, keys_looked_up=looked_up, files=files,
        files_looked_up=rendered.files_looked_up, lookups=lookups, listing=listing,
        listing_digest=keys.value_digest(listing),
        feed_html=rendered.feed_html if in_feed else "", links=rendered.links,
        page_ids=frozenset(ids_in(page)), diagnostics=rendered.diagnostics, page_key=work.page_key,
        page=blob, pack=pack)


def references_file(rendered: RenderedPost, context: RenderContext
                    ) -> tuple[bytes, tuple[str, ...]]:
    """The post's ``references.bib`` (the entries its reference list holds, as written; empty
    when it cites nothing), and the keys it looked up besides the cited ones (the entries
    they take fields from through ``crossref``)."""
    if not rendered.citations:
        return b"", ()
    resolve = lookup_for(rendered.post, context)
    looked_up: list[str] = []

    def lookup(key: str) -> Any:
        looked_up.append(key)
        return resolve(key)

    entries = [entry for entry in (resolve(key) for key in rendered.citations) if entry]
    text = references_bib(entries, lookup, rendered.post.meta.title)
    return text.encode("utf-8"), tuple(looked_up)


def listing_of(rendered: RenderedPost, listing_html: str) -> RenderedPost:
    """What listings (the index, tag pages, feeds, the sitemap) see of a post: no body, no
    feed copy (feeds add it), none of what only the build itself needs."""
    return dataclasses.replace(
        rendered, html="", appendix_html="", bibliography_html=(), footnotes_html=(), toc=(),
        feed_html="", listing_html=listing_html, links=(), anchors=(), diagnostics=(),
        reference_meta=(), keys_looked_up=(), files_looked_up=(),
        post=dataclasses.replace(rendered.post, body=""))

