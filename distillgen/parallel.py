"""Render many posts, and their pages: from the incremental cache when nothing they depend on
changed, otherwise over a pool of worker processes.

Two caches, one record per post:

* the render (Markdown → HTML, notes, bibliography) is keyed by the post's parsed source, the
  render settings and the version of the code; it also records what the post looked up while
  it rendered (citation keys, files, other posts), and is reused only while every one of those
  still resolves to the same thing — editing one .bib entry re-renders exactly the posts that
  cite it;
* the post's page (the render inside the theme's templates) is additionally keyed by the
  templates and the site settings, so editing a template re-runs templates, not Markdown.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import BlobStore, Cache, digest
from .errors import DistillgenError
from .fingerprint import code_version
from .model import Post, RenderedPost
from .render import RenderContext, lookup_for, render_post, render_settings

PageRenderer = Callable[[RenderedPost], tuple[bytes, str]]
"""A rendered post -> its page's bytes (theme templates applied) and its listing item."""

MIN_POSTS_FOR_POOL = 24
CHUNK = 16


@dataclass(frozen=True)
class _Job:
    """One post's work: render it (unless a cached render is given), then its page."""

    index: int
    cached: RenderedPost | None


@dataclass(frozen=True)
class _Work:
    """What every job shares. Worker processes inherit it through fork, so the bibliography,
    the asset index and the templates cross the process boundary once per worker."""

    posts: Sequence[Post]
    context: RenderContext
    page: PageRenderer
    in_feed: frozenset[str]
    page_key: str
    keys: Sequence[str]
    store: _Store | None


_WORK: _Work | None = None

Page = bytes | str
"""A page's bytes, or (with a cache) the name of the blob holding them."""


def slim(rendered: RenderedPost, keep_feed: bool, listing_html: str) -> RenderedPost:
    """What the rest of the build needs once the page exists: the big HTML strings dropped
    (the feed's copy kept only for posts the feed carries), so 10,000 posts fit in memory."""
    return dataclasses.replace(rendered, html="", appendix_html="", bibliography_html=(),
                               footnotes_html=(),
                               toc=(), feed_html=rendered.feed_html if keep_feed else "",
                               listing_html=listing_html,
                               post=dataclasses.replace(rendered.post, body=""))


def post_key(post: Post, context: RenderContext) -> str:
    """The render cache key of a post: its parsed source and the settings rendering reads."""
    return digest(code_version(), repr(render_settings(post, context)), repr(post))


def dependency_digest(rendered: RenderedPost, context: RenderContext) -> str:
    """What the post's lookups resolve to now: entries' rendered text, files, other posts."""
    lookup = lookup_for(rendered.post, context)
    parts: list[str] = []
    for key in rendered.keys_looked_up:
        entry = lookup(key)
        parts.append(key)
        parts.append("-" if entry is None else _entry_digest(entry))
    for path in rendered.files_looked_up:
        parts.append(path)
        parts.append(repr(context.assets_on_disk.get(path)))
        parts.append(context.post_urls.get(path, "-"))
    return digest(*parts)


@functools.lru_cache(maxsize=4096)
def _entry_digest(entry) -> str:
    """What a citation of this entry can show: every field a style may print."""
    return digest(repr(entry.digest_parts()))


JobResult = tuple[RenderedPost, Page | None, str]
"""(slim render, page, feed blob name or ""); the full render goes into the cache, not back."""


class _Store:
    """The on-disk cache of one build, in four parts.

    * ``summaries``: per post, what a build needs when nothing changed — the slim render, the
      digest of its dependencies, the page key, the page's blob and its listing item; small,
      so an unchanged post costs one small read;
    * ``renders``: per post, the full render, read only to re-apply changed templates;
    * ``pages`` and ``feeds``: blobs of each post's page and feed HTML.
    """

    def __init__(self, directory: Path, read_only: bool = False):
        self.read_only = read_only
        self.summaries = Cache(directory, "summaries", memo=True, read_only=read_only)
        self.renders = Cache(directory, "renders", read_only=read_only)
        self.pages = BlobStore(directory, "pages", read_only=read_only)
        self.feeds = BlobStore(directory, "feeds", read_only=read_only)

    def save(self, key: str, rendered: RenderedPost, deps: str, page_key: str, page: bytes,
             listing: str) -> tuple[str, str]:
        """Store a post's render and page; returns the names of its page and feed blobs."""
        blob = self.pages.put(page)
        feed = self.feeds.put(rendered.feed_html.encode("utf-8")) if rendered.feed_html else ""
        self.renders.put(key, rendered)
        self.summaries.put(key, (deps, slim(rendered, False, listing), page_key, blob, feed))
        return blob, feed

    def prune(self, keys: set[str], blobs: set[str], feeds: set[str]) -> None:
        self.summaries.prune(keys)
        self.renders.prune(keys)
        self.pages.prune(blobs)
        self.feeds.prune(feeds)


def _run_job(job: _Job) -> JobResult:
    work = _WORK
    assert work is not None
    post = work.posts[job.index]
    rendered = job.cached or render_post(post, work.context,
                                         feed=post.source_path in work.in_feed)
    if any(d.is_error for d in rendered.diagnostics):
        return rendered, None, ""
    try:
        page_bytes, listing = work.page(rendered)
    except DistillgenError as problem:  # a broken template: reported, never cached
        return dataclasses.replace(rendered, diagnostics=(*rendered.diagnostics,
                                                          *problem.diagnostics)), None, ""
    page: Page = page_bytes
    feed = ""
    if work.store is not None and not work.store.read_only:
        deps = dependency_digest(rendered, work.context)
        page, feed = work.store.save(work.keys[job.index], rendered, deps, work.page_key,
                                     page_bytes, listing)
    return slim(rendered, post.source_path in work.in_feed, listing), page, feed


def _run_chunk(jobs: Sequence[_Job]) -> list[JobResult]:
    return [_run_job(job) for job in jobs]


Progress = Callable[[int, int], None]
"""Called with (posts done, posts to do) as rendering advances."""


def _run_jobs(jobs: list[_Job], workers: int, progress: Progress | None) -> list[JobResult]:
    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    results: list[JobResult] = []
    finished: Iterable[list[JobResult]]
    if workers <= 1 or len(jobs) < MIN_POSTS_FOR_POOL or not _can_fork():
        finished = map(_run_chunk, chunks)
        pool = None
    else:
        import multiprocessing

        pool = ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=_die_with_parent, initargs=(os.getpid(),))
        finished = pool.map(_run_chunk, chunks)
    try:
        for chunk in finished:
            results += chunk
            if progress is not None:
                progress(len(results), len(jobs))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return results


def _die_with_parent(parent: int) -> None:
    """Worker start-up: end with the build. A build killed with SIGKILL cannot stop its
    workers, so each asks the kernel (Linux) to kill it when its parent dies."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return max(os.cpu_count() or 1, 1)


def _cached_summary(store: _Store, key: str, post: Post, context: RenderContext):
    """(slim render, page key, page blob, feed blob) while the cached render is valid."""
    record = store.summaries.get(key)
    if not (isinstance(record, tuple) and len(record) == 5):
        return None
    deps, rendered, page_key, blob, feed = record
    if not isinstance(rendered, RenderedPost) or rendered.post.source_path != post.source_path:
        return None
    if deps != dependency_digest(rendered, context):
        return None
    return rendered, page_key, blob, feed


def render_posts(posts: Sequence[Post], context: RenderContext, page: PageRenderer, *,
                 page_key: str, cache_dir: Path | None = None, read_only: bool = False,
                 workers: int = 1,
                 in_feed: frozenset[str] = frozenset(), progress: Progress | None = None,
                 ) -> tuple[list[RenderedPost], list[bytes | Path | None], dict[str, int],
                            CacheKeep]:
    """Every post rendered (slimmed, see :func:`slim`) and its page, in the order given; how
    many came from the cache; and which cache entries were used.

    ``page_key`` identifies everything besides the post that a page depends on (templates,
    settings). With a ``cache_dir``, pages are files in the cache (a Path each), else bytes.
    A page is None for a post with errors. ``in_feed``: source paths whose feed HTML is kept.
    A ``read_only`` cache is read, never written: new pages stay in memory as bytes.
    """
    global _WORK
    store = _Store(cache_dir, read_only) if cache_dir is not None else None
    keys = [post_key(post, context) for post in posts] if store is not None else []
    renders: list[RenderedPost | None] = [None] * len(posts)
    pages: list[bytes | Path | None] = [None] * len(posts)
    jobs: list[_Job] = []
    reused = 0
    kept_pages: set[str] = set()
    kept_feeds: set[str] = set()
    for index, post in enumerate(posts):
        found = _cached_summary(store, keys[index], post, context) if store else None
        if found is None or store is None:
            jobs.append(_Job(index, None))
            continue
        rendered, cached_page_key, blob, feed = found
        needs_feed = post.source_path in in_feed
        blob_path = store.pages.path(blob)
        feed_path = store.feeds.path(feed) if feed else None
        if needs_feed and feed_path is None:
            jobs.append(_Job(index, None))  # it entered the feed: render its feed copy too
            continue
        if cached_page_key == page_key and blob_path is not None:
            if feed_path is not None:
                kept_feeds.add(feed)
                if needs_feed:
                    rendered = dataclasses.replace(rendered,
                                                   feed_html=feed_path.read_text("utf-8"))
            renders[index], pages[index] = rendered, blob_path
            kept_pages.add(blob)
            reused += 1
            continue
        full = store.renders.get(keys[index])
        if isinstance(full, RenderedPost) and full.post == post:
            reused += 1
            jobs.append(_Job(index, full))
        else:
            jobs.append(_Job(index, None))
    _WORK = _Work(posts, context, page, in_feed, page_key, keys, store)
    try:
        results = _run_jobs(jobs, workers, progress)
    finally:
        _WORK = None
    for job, (rendered, page_result, feed) in zip(jobs, results, strict=True):
        renders[job.index] = rendered
        if isinstance(page_result, str) and store is not None:
            pages[job.index] = store.pages.path(page_result)
            kept_pages.add(page_result)
            if feed:
                kept_feeds.add(feed)
        else:
            assert not isinstance(page_result, str)  # blob names come only with a cache
            pages[job.index] = page_result
    stats = {"cached": reused, "rendered": len(posts) - reused, "pages": len(jobs)}
    keep = CacheKeep(frozenset(keys), frozenset(kept_pages), frozenset(kept_feeds))
    return [r for r in renders if r is not None], pages, stats, keep


@dataclass(frozen=True)
class CacheKeep:
    """The cache entries a build used: everything else may go once it has succeeded."""

    posts: frozenset[str]
    pages: frozenset[str]
    feeds: frozenset[str]


def prune_cache(cache_dir: Path, keep: CacheKeep) -> None:
    """Drop cache entries the last successful build did not use. Never after a failed build:
    the previous site's pages must stay available (the dev server serves them)."""
    _Store(cache_dir).prune(set(keep.posts), set(keep.pages), set(keep.feeds))
