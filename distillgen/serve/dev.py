"""The dev server itself: a resident build, a watcher, and the HTTP side.

The server builds once at start, then again on every change the watcher reports. Its builds
are warm: the site index stays in memory (:class:`~distillgen.stages.Warm`), so a rebuild
compares what is on disk with it and makes again only what the edit reaches (a post, its page,
the feeds and listings that show it), and the browser reloads as soon as the new state is in
place. Builds never write ``site/``: pages are served from the build cache and source files
are read when asked for.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TextIO

from ..build import BuildResult, build
from ..cache.blobs import BlobStore
from ..errors import format_diagnostics
from ..model import Blob, Plan
from ..stages import Warm
from .http import (
    SHUTDOWN_POLL,
    ServeError,
    SiteState,
    _bind_failure,
    _HTTPServer,
    mount_path,
    read_site_file,
)
from .watch import changes, is_ignored

WATCH_READY_SECONDS = 5.0
"""start() waits at most this long for the watcher to be in place."""
SAVE_AFTER_SECONDS = 2.0
"""The site index is written to the cache once this long has passed without a build."""


class DevServer:
    """The dev server as an object: ``start()``, ``rebuild()``, ``stop()``, testable in-process.

    ``rebuild()`` may be called from any thread; builds run one at a time, and the state that
    requests read is replaced by a single assignment, so a request sees one build or the other.
    """

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 8000,
                 include_drafts: bool = False, watch: bool = True,
                 stdout: TextIO | None = None, stderr: TextIO | None = None):
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self.include_drafts = include_drafts
        self.watch = watch
        self._stdout = stdout
        self._stderr = stderr
        self.state = SiteState(plan=None, mount="/", version=0, generation=0, ok=False,
                               diagnostics="")
        self._output_dir = "site"
        self.warm = Warm(save_later=True)
        """What the builds keep between them: the site index, in memory."""
        self._blobs: BlobStore | None = None
        self._saver: threading.Timer | None = None
        self._build_lock = threading.Lock()
        self.changed = threading.Condition()
        """Notified after every build and on stop; event streams wait on it."""
        self.stopping = threading.Event()
        self.watching = threading.Event()
        """Set once the watcher sees the files, so an edit made after start() is never missed."""
        self._httpd: _HTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Bind, build once, start watching, then serve; all but the build in the background.

        Answering comes last, so a client that gets an answer knows edits are being watched.
        """
        self._httpd = self._bind()
        self.rebuild(first=True)
        if self.watch:
            self._spawn("distillgen-watch", self._watch_loop)
            self.watching.wait(timeout=WATCH_READY_SECONDS)
        self._say(f"serving {self.url} (Ctrl-C to stop)")
        httpd = self._httpd
        self._spawn("distillgen-http", lambda: httpd.serve_forever(poll_interval=SHUTDOWN_POLL))

    def stop(self) -> None:
        """Stop serving and watching; open event streams end; the site index is saved.
        Safe to call twice."""
        self.stopping.set()
        if self._saver is not None:
            self._saver.cancel()
        self._save_index()
        with self.changed:
            self.changed.notify_all()
        if self._httpd is not None:
            if any(t.name == "distillgen-http" for t in self._threads):
                self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def server_address(self) -> tuple[str, int]:
        """The address actually bound (the port is real even when 0 was asked for)."""
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """Where the site is, for the browser: ``http://127.0.0.1:8000/``."""
        host, port = self.server_address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{self.state.mount}"

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _bind(self) -> _HTTPServer:
        try:
            return _HTTPServer(self, (self.host, self.port))
        except OSError as problem:
            raise ServeError(_bind_failure(problem, self.host, self.port)) from None

    # -- building ---------------------------------------------------------------------------

    def rebuild(self, *, first: bool = False, changed: set[Path] | None = None) -> SiteState:
        """Build now; keep the new plan only if the build succeeded, and tell open pages.
        ``changed``: the files the watcher reported (None: unknown, look at everything)."""
        with self._build_lock:
            self.warm.changed = frozenset(changed) if changed is not None else None
            plan = self.state.plan
            self.warm.keep = {c.name for c in plan.values() if isinstance(c, Blob)} \
                if plan else set()  # still served until the new state is in place
            result, plan, crash = self._run_build()
            state = self._next_state(result, plan, crash)
            self.state = state
            # What the builds keep (the index, the plan) is hundreds of thousands of objects
            # that live on: out of the collector's way, or every rebuild of a large site
            # pays for walking them again. The next pause collects (:meth:`_save_index`).
            gc.freeze()
            self._report(result, crash, first)
        with self.changed:
            self.changed.notify_all()
        self._save_soon()
        return state

    def _run_build(self) -> tuple[BuildResult | None, Plan | None, str | None]:
        """The build and its plan ready to serve (None if it failed), or the traceback of an
        exception: the server must outlive both."""
        try:
            result = build(self.root, include_drafts=self.include_drafts, write=False,
                           warm=self.warm)
            plan = None
            if not result.failed and result.plan is not None and result.config is not None:
                plan = result.plan
                self._blobs = BlobStore(result.config.cache_path(), read_only=True)
            return result, plan, None
        except Exception:  # noqa: BLE001 - shown to the author, then we keep serving
            return None, None, traceback.format_exc()

    def _save_soon(self) -> None:
        """Write the site index to the cache once the edits pause (a later ``build`` starts
        from it), not after every build: that would add its whole cost to each save."""
        if self._saver is not None:
            self._saver.cancel()
        if self.stopping.is_set():
            return
        self._saver = threading.Timer(SAVE_AFTER_SECONDS, self._save_index)
        self._saver.daemon = True
        self._saver.start()

    def _save_index(self) -> None:
        with self._build_lock:
            self.warm.save()
            gc.unfreeze()  # the edits paused: collect what the builds left, once
            gc.collect()
            gc.freeze()

    def _next_state(self, result: BuildResult | None, plan: Plan | None,
                    crash: str | None) -> SiteState:
        previous = self.state
        if result is not None and result.config is not None:
            self._output_dir = result.config.output_dir
        text = crash or (format_diagnostics(result.diagnostics) if result else "")
        seconds = result.seconds if result else 0.0
        if result is None or result.config is None or plan is None:
            return SiteState(plan=previous.plan, mount=previous.mount, version=previous.version,
                             generation=previous.generation + 1, ok=False, diagnostics=text,
                             seconds=seconds)
        return SiteState(plan=plan, mount=mount_path(result.config.base_url),
                         version=previous.version + 1, generation=previous.generation + 1,
                         ok=True, diagnostics=text, seconds=seconds)

    def read_file(self, path: Path) -> bytes | None:
        """A file of the plan, read when it is requested: only while it is still a regular
        file inside the site folder or the theme (see :func:`read_site_file`)."""
        from ..templates import THEME_DIR

        allowed = (self.root, Path(os.path.realpath(THEME_DIR)))
        return read_site_file(path, allowed)

    def read_blob(self, blob: Blob) -> bytes | None:
        """A built page from the cache, its bytes checked against its name on every read; a
        damaged one (a published copy edited in place) is made again by a new build."""
        data = self._blobs.read(blob.name) if self._blobs is not None else None
        if data is None and not self.stopping.is_set():
            threading.Thread(target=self.rebuild, name="distillgen-repair", daemon=True).start()
        return data

    def _report(self, result: BuildResult | None, crash: str | None, first: bool) -> None:
        """One line per build on stdout; diagnostics (or a traceback) on stderr."""
        state = self.state
        if state.diagnostics:
            self._say(state.diagnostics, error=True)
        if crash:
            self._say("the build raised an exception; still serving the last good site",
                      error=True)
        elif not state.ok:
            what = "the last good site" if state.plan is not None else "the diagnostics"
            self._say(f"build failed; still serving {what}", error=True)
        else:
            posts = result.stats.get("posts", 0) if result else 0
            verb = "built" if first else "rebuilt"
            drafts = result.stats.get("drafts", 0) if result else 0
            skipped = f"; {drafts} draft{'s' if drafts != 1 else ''} skipped: serve --drafts " \
                      f"shows {'it' if drafts == 1 else 'them'}" if drafts else ""
            self._say(f"{verb} in {state.seconds:.2f} s ({posts} post{'s' if posts != 1 else ''}"
                      f"{skipped})")

    def _say(self, text: str, *, error: bool = False) -> None:
        stream = (self._stderr or sys.stderr) if error else (self._stdout or sys.stdout)
        print(text, file=stream, flush=True)

    def wait_for_build(self, *, after: int, timeout: float) -> bool:
        """Block until a build newer than generation ``after`` finished, or stop(); False on
        timeout."""
        with self.changed:
            return self.changed.wait_for(
                lambda: self.stopping.is_set() or self.state.generation != after, timeout=timeout)

    # -- watching ---------------------------------------------------------------------------

    def should_rebuild(self, path: str | Path) -> bool:
        """Whether a change to ``path`` (absolute, or relative to the root) matters."""
        candidate = Path(path)
        if candidate.is_absolute():
            try:
                candidate = candidate.relative_to(self.root)
            except ValueError:
                return True
        return not is_ignored(PurePosixPath(candidate.as_posix()), self._output_dir)

    def _watch_loop(self) -> None:
        for changed in changes(self.root, self.should_rebuild, self.stopping, self.watching):
            if self.stopping.is_set():
                break
            self.rebuild(changed=changed)
