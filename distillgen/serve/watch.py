"""Which edits rebuild the site, and the watcher that reports them.

The whole site root is watched with watchfiles (the operating system's notifications), minus
the output folder, the cache, hidden and editor temporary files, so an edit to content,
bibliography, templates, assets or ``distillgen.toml`` rebuilds. A burst of changes (an
editor saving through a temporary file) is reported once, :data:`WATCH_STEP_MS` after it
went quiet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from ..config import CACHE_DIR

WATCH_STEP_MS = 10
"""watchfiles reports a burst once it has been quiet this long: one save, one rebuild."""
IGNORED_DIR_NAMES = frozenset({CACHE_DIR, "__pycache__", "node_modules"})
IGNORED_FILE_NAMES = frozenset({"4913"})
"""Vim writes and deletes ``4913`` to test whether a folder is writable."""
IGNORED_SUFFIXES = (".swp", ".swo", ".swx", "~", ".tmp")


def is_ignored(relative: PurePosixPath, output_dir: str) -> bool:
    """Whether a change to this path (relative to the site root) should not rebuild."""
    parts = relative.parts
    if not parts:
        return False
    output_parts = PurePosixPath(output_dir).parts
    if output_parts and parts[:len(output_parts)] == output_parts:
        return True
    if any(part.startswith(".") or part in IGNORED_DIR_NAMES for part in parts):
        return True
    name = parts[-1]
    return (name in IGNORED_FILE_NAMES or name.endswith(IGNORED_SUFFIXES)
            or (name.startswith("#") and name.endswith("#")))


def changes(root: Path, wanted: Callable[[str], bool], stopping: threading.Event,
            ready: threading.Event) -> Iterator[set[Path]]:
    """Each burst of changes to paths ``wanted``, as the absolute paths changed, until
    ``stopping`` is set; ``ready`` is set once the watcher sees the files."""
    import watchfiles

    # yield_on_timeout: an empty batch after rust_timeout says the watcher is in place.
    for batch in watchfiles.watch(root, watch_filter=lambda _, path: wanted(path),
                                  stop_event=stopping, debounce=1600, step=WATCH_STEP_MS,
                                  rust_timeout=250, yield_on_timeout=True,
                                  raise_interrupt=False):
        ready.set()
        if batch:
            yield {Path(path) for _, path in batch}
