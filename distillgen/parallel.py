"""Work spread over forked worker processes, in chunks, results in order.

What every chunk shares (the settings, the bibliography, the compiled templates, the
Markdown parser) is put in place before the workers fork, so each inherits it once, as it
is, instead of building its own copy; the garbage collector is frozen first, so the workers
neither scan nor copy those objects. A few items are done in the calling process: starting
workers costs more than they would save.

A build killed with SIGKILL cannot stop its workers, so each asks the kernel (Linux) to kill
it when its parent dies.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

MIN_POSTS_FOR_POOL = 24
"""Fewer items than this are done in this process."""
CHUNK = 16

Item = TypeVar("Item")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]
"""Called with (items done, items to do) as the work advances."""

_SHARED: tuple[Callable[[Sequence[Any], Any], list[Any]], Any] | None = None


def run_chunks(function: Callable[[Sequence[Item], Any], list[Result]], items: Sequence[Item],
               *, workers: int, shared: Any, progress: Progress | None = None,
               chunk: int = CHUNK) -> list[Result]:
    """``function(chunk, shared)`` over ``items`` in chunks, in worker processes when there
    are enough; one result per item, in order."""
    global _SHARED
    chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
    results: list[Result] = []
    if workers <= 1 or len(items) < MIN_POSTS_FOR_POOL or not _can_fork():
        for part in chunks:
            results += function(part, shared)
            if progress is not None:
                progress(len(results), len(items))
        return results
    import multiprocessing

    _SHARED = (function, shared)
    gc.freeze()  # the workers inherit these objects: never collected there, never copied
    try:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start_worker, initargs=(os.getpid(),))
        try:
            finished: Iterable[list[Result]] = pool.map(_run_chunk, chunks)
            for done in finished:
                results += done
                if progress is not None:
                    progress(len(results), len(items))
        finally:
            pool.shutdown(cancel_futures=True)
    finally:
        _SHARED = None
        gc.unfreeze()
    return results


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    assert _SHARED is not None
    function, shared = _SHARED
    return function(chunk, shared)


def _start_worker(parent: int) -> None:
    """Worker start-up: end with the build (PR_SET_PDEATHSIG), and collect garbage rarely:
    a worker lives for one build and most of what it makes survives until it returns."""
    import ctypes
    import signal

    gc.set_threshold(50_000, 20, 20)
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
