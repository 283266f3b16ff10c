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
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import BlobStore, Cache, digest
from .model import Post, RenderedPost
from .render import RenderContext, lookup_for, render_post

PageRenderer = Callable[[RenderedPost], bytes]
"""Turns a rendered post into the bytes of its page (theme templates applied)."""

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
    cache: Cache | None
    blobs: BlobStore | None


_WORK: _Work | None = None

Page = bytes | str
"""A page's bytes, or (with a cache) the name of the blob holding them."""


def slim(rendered: RenderedPost, keep_feed: bool) -> RenderedPost:
    """What the rest of the build needs once the page exists: the big HTML strings dropped
    (the feed's copy kept only for posts the feed carries), so 10,000 posts fit in memory."""
    return dataclasses.replace(rendered, html="", bibliography_html=(), footnotes_html=(),
                               toc=(), feed_html=rendered.feed_html if keep_feed else "")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """distillgen's code and its renderers' versions: changing any invalidates the cache."""
    from importlib import metadata

    from . import __version__

    parts = [__version__, _source_digest()]
    for package in ("markdown-it-py", "mdit-py-plugins", "latex2mathml", "pygments", "pybtex",
                    "jinja2"):
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=?")
    return ";".join(parts)


def _source_digest() -> str:
    """A hash of distillgen's own code, so an edited (or editable-installed) copy never reuses
    results rendered by different code."""
    from pathlib import Path

    package = Path(__file__).parent
    files = sorted(package.rglob("*.py"))
    return digest(*(part for f in files for part in (f.relative_to(package).as_posix(),
                                                      f.read_bytes())))


def post_key(post: Post, context: RenderContext) -> str:
    """The render cache key of a post: its parsed source and the settings rendering reads."""
    settings = (context.citation_style, context.unknown_citation, context.content_dir)
    return digest(code_version(), repr(settings), repr(post))


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
    """What a citation of this entry can show: its label, card and reference text."""
    return digest(entry.key, entry.year, entry.short_authors(), entry.html(), entry.plain())


JobResult = tuple[RenderedPost, Page | None]
"""(slim render, page); the full render goes straight into the cache, not back."""


def _run_job(job: _Job) -> JobResult:
    work = _WORK
    assert work is not None
    post = work.posts[job.index]
    rendered = job.cached or render_post(post, work.context)
    if any(d.is_error for d in rendered.diagnostics):
        return rendered, None
    page: Page = work.page(rendered)
    if work.blobs is not None and work.cache is not None:
        page = work.blobs.put(page)
        work.cache.put(work.keys[job.index], (dependency_digest(rendered, work.context),
                                              rendered, work.page_key, page))
    return slim(rendered, post.source_path in work.in_feed), page


def _run_chunk(jobs: Sequence[_Job]) -> list[JobResult]:
    return [_run_job(job) for job in jobs]


def _run_jobs(jobs: list[_Job], workers: int) -> list[JobResult]:
    if workers <= 1 or len(jobs) < MIN_POSTS_FOR_POOL or not _can_fork():
        return _run_chunk(jobs)
    import multiprocessing

    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        return [result for chunk in pool.map(_run_chunk, chunks) for result in chunk]


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return max(os.cpu_count() or 1, 1)


def _cached_record(cache: Cache, key: str, post: Post, context: RenderContext):
    """(render, page key, page blob name) from the cache while the render is valid."""
    record = cache.get(key)
    if not (isinstance(record, tuple) and len(record) == 4):
        return None
    deps, rendered, page_key, page = record
    if not isinstance(rendered, RenderedPost) or rendered.post != post:
        return None
    if deps != dependency_digest(rendered, context):
        return None
    return rendered, page_key, page


def render_posts(posts: Sequence[Post], context: RenderContext, page: PageRenderer, *,
                 page_key: str, cache_dir=None, workers: int = 1,
                 in_feed: frozenset[str] = frozenset(),
                 ) -> tuple[list[RenderedPost], list[bytes | Path | None], dict[str, int]]:
    """Every post rendered (slimmed, see :func:`slim`) and its page, in the order given; and
    how many came from the cache.

    ``page_key`` identifies everything besides the post that a page depends on (templates,
    settings). With a ``cache_dir``, pages are files in the cache (a Path each), else bytes.
    A page is None for a post with errors. ``in_feed``: source paths whose feed HTML is kept.
    """
    global _WORK
    cache = Cache(cache_dir, "posts") if cache_dir is not None else None
    blobs = BlobStore(cache_dir, "pages") if cache_dir is not None else None
    keys = [post_key(post, context) for post in posts] if cache is not None else []
    renders: list[RenderedPost | None] = [None] * len(posts)
    pages: list[bytes | Path | None] = [None] * len(posts)
    jobs: list[_Job] = []
    reused_renders = 0
    kept_blobs: set[str] = set()
    for index, post in enumerate(posts):
        found = _cached_record(cache, keys[index], post, context) if cache else None
        if found is None:
            jobs.append(_Job(index, None))
            continue
        rendered, cached_page_key, blob = found
        reused_renders += 1
        blob_path = blobs.path(blob) if blobs is not None else None
        if cached_page_key == page_key and blob_path is not None:
            renders[index] = slim(rendered, post.source_path in in_feed)
            pages[index] = blob_path
            kept_blobs.add(blob)
        else:
            jobs.append(_Job(index, rendered))
    _WORK = _Work(posts, context, page, in_feed, page_key, keys, cache, blobs)
    try:
        results = _run_jobs(jobs, workers)
    finally:
        _WORK = None
    for job, (rendered, page_result) in zip(jobs, results, strict=True):
        renders[job.index] = rendered
        if isinstance(page_result, str) and blobs is not None:
            pages[job.index] = blobs.path(page_result)
            kept_blobs.add(page_result)
        else:
            pages[job.index] = page_result
    if cache is not None and blobs is not None:
        cache.prune(set(keys))
        blobs.prune(kept_blobs)
    stats = {"cached": reused_renders, "rendered": len(posts) - reused_renders,
             "pages": len(jobs)}
    return [r for r in renders if r is not None], pages, stats
