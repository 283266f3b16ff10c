"""Render many posts: from the incremental cache when nothing they depend on changed,
otherwise over a pool of worker processes.

A post's cache key is the hash of its parsed source, the render settings and the versions of
the code that renders it. A cached result also records what the post looked up while it
rendered (citation keys, files): it is reused only if every one of those still resolves to
the same thing, so editing one .bib entry re-renders exactly the posts that cite it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from .cache import Cache, digest
from .model import Post, RenderedPost
from .render import RenderContext, render_post

# Worker processes inherit these through fork, so the bibliography and the asset index cross
# the process boundary once per worker rather than once per post.
_WORKER_POSTS: Sequence[Post] = ()
_WORKER_CONTEXT: RenderContext | None = None
MIN_POSTS_FOR_POOL = 24
CHUNK = 16


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """distillgen's and its renderers' versions: upgrading any of them invalidates the cache."""
    from importlib import metadata

    from . import __version__

    parts = [__version__, _source_digest()]
    for package in ("markdown-it-py", "mdit-py-plugins", "latex2mathml", "pygments", "pybtex"):
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
    """The cache key of a post: its parsed source and the settings rendering reads."""
    settings = (context.citation_style, context.unknown_citation, context.content_dir)
    return digest(code_version(), repr(settings), repr(post))


def dependency_digest(rendered: RenderedPost, context: RenderContext) -> str:
    """What the post's lookups resolve to now: entries' rendered text and files' sizes."""
    from .render import lookup_for

    lookup = lookup_for(rendered.post, context)
    parts: list[str] = []
    for key in rendered.keys_looked_up:
        entry = lookup(key)
        parts.append(key)
        parts.append("-" if entry is None else
                     f"{entry.key}\0{entry.year}\0{entry.short_authors()}\0{entry.html()}\0"
                     f"{entry.plain()}")
    for path in rendered.files_looked_up:
        parts.append(path)
        parts.append(repr(context.assets_on_disk.get(path)))
        parts.append(context.post_urls.get(path, "-"))
    return digest(*parts)


def _render_chunk(indices: Sequence[int]) -> list[RenderedPost]:
    assert _WORKER_CONTEXT is not None
    return [render_post(_WORKER_POSTS[i], _WORKER_CONTEXT) for i in indices]


def _render_uncached(posts: Sequence[Post], context: RenderContext,
                     workers: int) -> list[RenderedPost]:
    global _WORKER_POSTS, _WORKER_CONTEXT
    if workers <= 1 or len(posts) < MIN_POSTS_FOR_POOL or not _can_fork():
        return [render_post(post, context) for post in posts]
    import multiprocessing

    _WORKER_POSTS, _WORKER_CONTEXT = posts, context
    try:
        chunks = [range(i, min(i + CHUNK, len(posts))) for i in range(0, len(posts), CHUNK)]
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            results = [post for chunk in pool.map(_render_chunk, chunks) for post in chunk]
    finally:
        _WORKER_POSTS, _WORKER_CONTEXT = (), None
    return results


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return max(os.cpu_count() or 1, 1)


def render_posts(posts: Sequence[Post], context: RenderContext, *, cache: Cache | None = None,
                 workers: int = 1) -> tuple[list[RenderedPost], dict[str, int]]:
    """Every post rendered, in the order given; and hit/miss counts."""
    results: list[RenderedPost | None] = [None] * len(posts)
    keys = [post_key(post, context) for post in posts] if cache else []
    missing: list[int] = []
    for index, post in enumerate(posts):
        record = cache.get(keys[index]) if cache else None
        if (isinstance(record, tuple) and len(record) == 2
                and isinstance(record[1], RenderedPost)
                and record[1].post == post
                and record[0] == dependency_digest(record[1], context)):
            results[index] = record[1]
        else:
            missing.append(index)
    fresh = _render_uncached([posts[i] for i in missing], context, workers)
    for index, rendered in zip(missing, fresh, strict=True):
        results[index] = rendered
        if cache is not None and not any(d.is_error for d in rendered.diagnostics):
            cache.put(keys[index], (dependency_digest(rendered, context), rendered))
    if cache is not None:
        cache.prune(set(keys))
    stats = {"cached": len(posts) - len(missing), "rendered": len(missing)}
    return [r for r in results if r is not None], stats
