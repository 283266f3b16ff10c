"""``distillgen serve``: build, serve on loopback, rebuild on change, reload open tabs.

Choices, and why:

- **Served from memory.** Each build runs with ``write=False`` and the server answers from the
  build's plan (output path -> bytes, or a source file read at request time). ``site/`` stays
  the deployable output of ``distillgen build``: the dev server never writes it, never adds
  draft pages to it, and a half-edited post never lands in it. Pages the build keeps as
  files in its cache are read into memory once, since a later build may prune them.
- **Live reload only in served pages.** Built pages carry no JavaScript. When the server sends
  an HTML page it inserts a small script before ``</body>`` that listens to
  ``/__distillgen/events`` (Server-Sent Events) and reloads on a ``reload`` message, or shows
  the diagnostics of a failed build in an overlay on an ``error`` message. The bytes of the
  page are otherwise exactly what ``distillgen build`` writes.
- **A broken edit keeps the last good site.** A failed build prints its diagnostics and
  pushes them to the browser, but the plan being served is only replaced by a successful
  build. ``/__distillgen/status`` reports the state as JSON for scripts and tests.
- **Watching.** ``watchfiles`` (the ``serve`` extra) when it is installed; otherwise a poll of
  modification times every 0.3 s, which needs nothing but is slower on big folders. The whole
  site root is watched, minus the output folder, the cache, hidden and editor temporary files,
  so an edit to content, bibliography, templates, assets or ``distillgen.toml`` rebuilds.
- **Loopback by default, and only for this machine's names.** The server binds 127.0.0.1
  unless ``--host`` says otherwise, and answers only requests whose ``Host`` is
  ``localhost``, ``127.0.0.1``, ``[::1]`` or the ``--host`` given (any IP address when that
  is ``0.0.0.0`` or ``::``): a page elsewhere that points its own name at 127.0.0.1 (DNS
  rebinding) gets a 403, not the drafts.
- **Only the site's bytes.** A file of the plan that is read at request time is read only
  when it is still a regular file inside the site folder (or the theme), links resolved: the
  plan of the last good build may be older than the files, and a post's image replaced by a
  link to ``~/.ssh/id_rsa`` must not serve that file.
- **Bounded.** At most :data:`MAX_CONNECTIONS` connections at once (of which at most
  :data:`MAX_EVENT_STREAMS` event streams); a further one gets a 503 at once. A client that
  sends nothing for :data:`REQUEST_TIMEOUT` seconds is dropped, and ``HEAD`` on the event
  stream answers with headers only.
- **Mounted at base_url's path.** When ``base_url`` has a path (``https://x.org/blog/``) the
  site is served under it, so root-relative links (the 404 page) work as they will online.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import mimetypes
import os
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import TextIO
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .build import BuildResult, build
from .config import CACHE_DIR
from .errors import format_diagnostics

EXIT_OK, EXIT_USAGE = 0, 2
SPECIAL_PREFIX = "/__distillgen/"
EVENTS_PATH = SPECIAL_PREFIX + "events"
STATUS_PATH = SPECIAL_PREFIX + "status"
POLL_INTERVAL = 0.3
"""Seconds between two scans of the polling watcher."""
WATCH_STEP_MS = 20
"""watchfiles reports a burst once it has been quiet this long: one save, one rebuild."""
SHUTDOWN_POLL = 0.1
"""How often the HTTP loop looks for stop(): the longest stop() waits for it."""
WATCH_READY_SECONDS = 5.0
"""start() waits at most this long for the watcher to be in place."""
KEEPALIVE_SECONDS = 15.0
"""An event stream sends a comment this often so proxies and browsers keep it open."""
REQUEST_TIMEOUT = 10.0
"""Seconds a connection may stay silent (or a write may block) before it is dropped."""
MAX_CONNECTIONS = 64
"""Connections served at once; one more gets a 503 and is closed."""
MAX_EVENT_STREAMS = 32
"""Open event streams (one per open tab) at once, so pages are always served."""
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
IGNORED_DIR_NAMES = frozenset({CACHE_DIR, "__pycache__", "node_modules"})
IGNORED_FILE_NAMES = frozenset({"4913"})
"""Vim writes and deletes ``4913`` to test whether a folder is writable."""
IGNORED_SUFFIXES = (".swp", ".swo", ".swx", "~", ".tmp")

_WEB_TYPES = {
    ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript",
    ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml",
    ".txt": "text/plain", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".woff": "font/woff", ".woff2": "font/woff2", ".pdf": "application/pdf",
    ".bib": "text/plain", ".md": "text/plain",
}
"""Types browsers care about, fixed here so they do not depend on the system's mime table."""

RELOAD_MARKER = "data-distillgen-reload"
_SNIPPET = """<script {marker}>
(function () {{
  var source = new EventSource("{events}?version={version}");
  function showDiagnostics(text) {{
    var box = document.getElementById("distillgen-diagnostics");
    if (!box) {{
      box = document.createElement("pre");
      box.id = "distillgen-diagnostics";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;z-index:2147483647;margin:0;" +
        "max-height:60vh;overflow:auto;padding:1em;background:#fff5f5;color:#5c0a0a;" +
        "border-top:3px solid #c00;font:13px/1.4 monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }}
    box.textContent = "distillgen: the last edit did not build; showing the last good " +
      "version.\\n\\n" + text;
  }}
  source.onmessage = function (event) {{
    var message = JSON.parse(event.data);
    if (message.type === "reload") {{ source.close(); location.reload(); }}
    else if (message.type === "error") {{ showDiagnostics(message.diagnostics); }}
  }};
}})();
</script>
"""


Plan = dict[PurePosixPath, bytes | Path]
"""Output path -> the file's bytes, or a file read when it is requested."""


class ServeError(Exception):
    """The server cannot start (port taken, address not available): a one-line reason."""


@dataclass(frozen=True)
class SiteState:
    """Everything a request needs, swapped as one reference after each build."""

    plan: Plan | None
    """The last good plan; None until a build succeeds."""
    mount: str
    """URL path the site is served under: ``/`` or base_url's path, with slashes around."""
    version: int
    """Successful builds so far; a page served at another version is stale."""
    generation: int
    """Builds finished so far, failed ones included."""
    ok: bool
    diagnostics: str
    seconds: float = 0.0


def reload_snippet(version: int) -> str:
    """The script the dev server adds to HTML pages; ``version`` lets it catch missed builds."""
    return _SNIPPET.format(marker=RELOAD_MARKER, events=EVENTS_PATH, version=version)


def inject_snippet(page: bytes, version: int) -> bytes:
    """``page`` with the reload script just before its last ``</body>`` (or at the end)."""
    snippet = reload_snippet(version).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + snippet
    return page[:at] + snippet + page[at:]


def content_type(path: PurePosixPath) -> str:
    """The Content-Type header for an output file; text types say they are UTF-8."""
    suffix = path.suffix.lower()
    kind = _WEB_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    kind = kind or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/json", "application/xml",
                                            "image/svg+xml"):
        return f"{kind}; charset=utf-8"
    return kind


def mount_path(base_url: str) -> str:
    """``https://x.org/blog/`` -> ``/blog/``: where the site lives on its real server."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


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


class DevServer:
    """The dev server as an object: ``start()``, ``rebuild()``, ``stop()``, testable in-process.

    ``rebuild()`` may be called from any thread; builds run one at a time, and the state that
    requests read is replaced by a single assignment, so a request sees one build or the other.
    """

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 8000,
                 include_drafts: bool = False, watch: bool = True, polling: bool | None = None,
                 stdout: TextIO | None = None, stderr: TextIO | None = None):
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self.include_drafts = include_drafts
        self.watch = watch
        self.polling = polling
        """None: watchfiles if it can be imported, else polling; True/False force one."""
        self._stdout = stdout
        self._stderr = stderr
        self.state = SiteState(plan=None, mount="/", version=0, generation=0, ok=False,
                               diagnostics="")
        self._output_dir = "site"
        self._cached_files: dict[Path, bytes] = {}
        """Bytes of the build-cache files in the current plan, by path (see _materialize)."""
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
        """Stop serving and watching; open event streams end. Safe to call twice."""
        self.stopping.set()
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

    def rebuild(self, *, first: bool = False) -> SiteState:
        """Build now; keep the new plan only if the build succeeded, and tell open pages."""
        with self._build_lock:
            result, plan, crash = self._run_build()
            state = self._next_state(result, plan, crash)
            self.state = state
            self._report(result, crash, first)
        with self.changed:
            self.changed.notify_all()
        return state

    def _run_build(self) -> tuple[BuildResult | None, Plan | None, str | None]:
        """The build and its plan ready to serve (None if it failed), or the traceback of an
        exception: the server must outlive both."""
        try:
            result = build(self.root, include_drafts=self.include_drafts, write=False)
            plan = None
            if not result.failed and result.plan is not None and result.config is not None:
                plan = self._materialize(result.plan, result.config.cache_path())
            return result, plan, None
        except Exception:  # noqa: BLE001 - shown to the author, then we keep serving
            return None, None, traceback.format_exc()

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
        from .templates import THEME_DIR

        allowed = (self.root, Path(os.path.realpath(THEME_DIR)))
        return read_site_file(path, allowed)

    def _materialize(self, plan: Mapping[PurePosixPath, bytes | Path], cache_dir: Path) -> Plan:
        """The plan with every file from the build cache read into memory.

        Pages may be files in the cache, which the next build prunes: a failed build must not
        take the last good site with it. Those files are named by their content's hash, so one
        read per new file is enough; other files (assets, images) are read per request.
        """
        kept: dict[Path, bytes] = {}
        plan_in_memory: Plan = {}
        for target, content in plan.items():
            if isinstance(content, Path) and content.is_relative_to(cache_dir):
                data = self._cached_files.get(content)
                kept[content] = data if data is not None else content.read_bytes()
                plan_in_memory[target] = kept[content]
            else:
                plan_in_memory[target] = content
        self._cached_files = kept
        return plan_in_memory

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
        use_polling = self.polling
        if use_polling is None:
            try:
                import watchfiles  # noqa: F401
            except ImportError:
                use_polling = True
        changes = self._poll_changes() if use_polling else self._watchfiles_changes()
        for _ in changes:
            if self.stopping.is_set():
                break
            self.rebuild()

    def _watchfiles_changes(self) -> Iterator[None]:
        """One item per debounced burst of relevant changes, until ``stop()``."""
        import watchfiles

        # yield_on_timeout: an empty batch after rust_timeout says the watcher is in place.
        for batch in watchfiles.watch(self.root, watch_filter=lambda _, p: self.should_rebuild(p),
                                      stop_event=self.stopping, debounce=1600, step=WATCH_STEP_MS,
                                      rust_timeout=250, yield_on_timeout=True,
                                      raise_interrupt=False):
            self.watching.set()
            if batch:
                yield None

    def _poll_changes(self) -> Iterator[None]:
        """The fallback watcher: compare a scan of mtimes and sizes every POLL_INTERVAL."""
        before = self._scan()
        self.watching.set()
        while not self.stopping.wait(POLL_INTERVAL):
            now = self._scan()
            if now == before:
                continue
            before = self._settle(now)
            yield None

    def _settle(self, snapshot: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        """Wait (briefly) until a burst of writes is over, so one save is one rebuild."""
        for _ in range(10):
            if self.stopping.wait(0.05):
                break
            again = self._scan()
            if again == snapshot:
                break
            snapshot = again
        return snapshot

    def _scan(self) -> dict[str, tuple[int, int]]:
        """Every watched file's (mtime, size), skipping ignored folders without entering them."""
        found: dict[str, tuple[int, int]] = {}
        pending = [self.root]
        while pending:
            folder = pending.pop()
            with contextlib.suppress(OSError), os.scandir(folder) as entries:
                for entry in entries:
                    self._scan_entry(entry, pending, found)
        return found

    def _scan_entry(self, entry: os.DirEntry, pending: list[Path],
                    found: dict[str, tuple[int, int]]) -> None:
        if not self.should_rebuild(entry.path):
            return
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
            else:
                info = entry.stat()
                found[entry.path] = (info.st_mtime_ns, info.st_size)


def host_allowed(header: str | None, listening_on: str) -> bool:
    """Whether a request's ``Host`` header names this server: loopback names, the address
    given with ``--host``, or any IP address when listening on all of them. Anything else
    is a name someone else controls (DNS rebinding)."""
    if not header:
        return False
    host = header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        host = host[1:host.find("]")] if "]" in host else ""
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.rstrip(".")
    given = listening_on.strip("[]").lower()
    if host in LOCAL_HOSTS or (host and host == given):
        return True
    if given in WILDCARD_HOSTS:
        import ipaddress

        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True
    return False


def read_site_file(path: Path, allowed: tuple[Path, ...]) -> bytes | None:
    """The bytes of ``path`` if it is, links resolved, a regular file inside one of the
    ``allowed`` folders; None otherwise (or when it is gone)."""
    import stat

    real = Path(os.path.realpath(path))
    if not any(real.is_relative_to(folder) for folder in allowed):
        return None
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return file.read()


class _HTTPServer(ThreadingHTTPServer):
    """The stdlib threading server, holding its DevServer, skipping a reverse DNS lookup and
    serving a bounded number of connections."""

    daemon_threads = True
    request_queue_size = MAX_CONNECTIONS
    """The listen backlog: a browser opens a handful of connections at once."""

    def __init__(self, dev: DevServer, address: tuple[str, int]):
        self.dev = dev
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.stream_slots = threading.BoundedSemaphore(MAX_EVENT_STREAMS)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request, client_address) -> None:
        """A thread per connection while slots are free; else a 503 at once."""
        if not self.slots.acquire(blocking=False):
            _refuse_busy(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, which can stall on a reverse lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


def _refuse_busy(request: socket.socket) -> None:
    """Tell a connection beyond the limit to come back later, without reading from it."""
    body = b"too many connections to the dev server; try again\n"
    with contextlib.suppress(OSError):
        request.settimeout(1.0)
        request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                        b"Retry-After: 1\r\nContent-Length: " + str(len(body)).encode()
                        + b"\r\nConnection: close\r\n\r\n" + body)


class _Handler(BaseHTTPRequestHandler):
    """Answers from the current SiteState: pages, files, the event stream and the status."""

    server: _HTTPServer
    server_version = "distillgen"
    timeout = REQUEST_TIMEOUT

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        """Quiet: the terminal is for build results."""

    def _answer(self, *, send_body: bool) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        state = self.server.dev.state
        try:
            if not host_allowed(self.headers.get("Host"), self.server.dev.host):
                self._send_plain(HTTPStatus.FORBIDDEN, "distillgen serve answers only requests "
                                 "for this machine (localhost, 127.0.0.1, [::1]); "
                                 f"Host {self.headers.get('Host')!r} is refused\n", send_body)
            elif path == EVENTS_PATH and not send_body:
                self._send_event_headers()
            elif path == EVENTS_PATH:
                self._stream_events(parse_qs(url.query))
            elif path == STATUS_PATH:
                self._send_status(state, send_body)
            else:
                self._send_site_file(state, path, url.query, send_body)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the browser went away, or stopped reading; nothing to tell it

    # -- the site ---------------------------------------------------------------------------

    def _send_site_file(self, state: SiteState, path: str, query: str, send_body: bool) -> None:
        if state.plan is None:
            self._send_build_failed(state, send_body)
            return
        if not path.startswith(state.mount):
            if path in ("/", state.mount.rstrip("/")):
                self._redirect(state.mount, query)
            else:
                self._send_not_found(state, send_body)
            return
        key = _plan_key(path[len(state.mount):])
        if key is None:
            self._send_not_found(state, send_body)
        elif key in state.plan:
            self._send_content(state, key, HTTPStatus.OK, send_body)
        elif key / "index.html" in state.plan:
            self._redirect(path + "/", query)
        else:
            self._send_not_found(state, send_body)

    def _send_content(self, state: SiteState, key: PurePosixPath, status: HTTPStatus,
                      send_body: bool) -> None:
        assert state.plan is not None
        content = state.plan[key]
        data = self.server.dev.read_file(content) if isinstance(content, Path) else content
        if data is None:
            self._send_plain(HTTPStatus.NOT_FOUND, f"{key}: the source file is gone, or is no "
                             "longer a file inside the site\n", send_body)
            return
        kind = content_type(key)
        if kind.startswith("text/html"):
            data = inject_snippet(data, state.version)
        self._send(status, kind, data, send_body)

    def _send_not_found(self, state: SiteState, send_body: bool) -> None:
        page = PurePosixPath("404.html")
        if state.plan and page in state.plan:
            self._send_content(state, page, HTTPStatus.NOT_FOUND, send_body)
        else:
            self._send_plain(HTTPStatus.NOT_FOUND, "not found\n", send_body)

    def _send_build_failed(self, state: SiteState, send_body: bool) -> None:
        """No good build yet: a page with the diagnostics that reloads once they are fixed."""
        text = state.diagnostics or "the site is being built"
        page = ("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
                "<title>distillgen: build failed</title><body>"
                "<h1>The site does not build yet</h1>"
                f"<pre>{html.escape(text)}</pre></body></html>").encode()
        data = inject_snippet(page, state.version)
        self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8", data, send_body)

    def _redirect(self, target: str, query: str) -> None:
        location = quote(target) + (f"?{query}" if query else "")
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send_plain(self, status: HTTPStatus, text: str, send_body: bool) -> None:
        self._send(status, "text/plain; charset=utf-8", text.encode("utf-8"), send_body)

    def _send(self, status: HTTPStatus, kind: str, data: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    # -- the dev endpoints ------------------------------------------------------------------

    def _send_status(self, state: SiteState, send_body: bool) -> None:
        body = {"generation": state.generation, "version": state.version, "ok": state.ok,
                "diagnostics": state.diagnostics, "seconds": round(state.seconds, 4)}
        self._send(HTTPStatus.OK, "application/json",
                   json.dumps(body).encode("utf-8"), send_body)

    def _stream_events(self, query: dict[str, list[str]]) -> None:
        """Server-Sent Events until the page goes away or the server stops.

        The page says which version it shows; a newer version gets ``reload`` at once (a build
        finished between serving the page and opening the stream), a failed build ``error``.
        """
        dev = self.server.dev
        if not self.server.stream_slots.acquire(blocking=False):
            self._send_plain(HTTPStatus.SERVICE_UNAVAILABLE, "too many open pages\n", True)
            return
        try:
            self._send_events(dev, _int_or_none(query.get("version", [""])[0]))
        finally:
            self.server.stream_slots.release()

    def _send_event_headers(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send_events(self, dev: DevServer, shown: int | None) -> None:
        self._send_event_headers()
        seen_generation = -1
        while not dev.stopping.is_set():
            state = dev.state
            if state.generation != seen_generation:
                seen_generation = state.generation
                if shown is not None and state.version != shown:
                    self._event({"type": "reload", "version": state.version})
                    shown = state.version
                elif not state.ok and state.generation > 0:
                    self._event({"type": "error", "diagnostics": state.diagnostics})
            if not dev.wait_for_build(after=seen_generation, timeout=KEEPALIVE_SECONDS):
                self.wfile.write(b": keep-alive\n\n")

    def _event(self, message: dict) -> None:
        self.wfile.write(f"data: {json.dumps(message)}\n\n".encode())


def _plan_key(relative: str) -> PurePosixPath | None:
    """``blog/foo/`` -> ``blog/foo/index.html``; None for paths that try to climb out."""
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if any(part == ".." or "\\" in part or "\0" in part for part in parts):
        return None
    if relative == "" or relative.endswith("/"):
        parts.append("index.html")
    return PurePosixPath(*parts)


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _bind_failure(problem: OSError, host: str, port: int) -> str:
    if problem.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use "
                f"(another server?); try --port {port + 1}")
    if problem.errno in (errno.EACCES, errno.EPERM):
        return f"not allowed to listen on {host}:{port}; try a port above 1023"
    if isinstance(problem, socket.gaierror) or problem.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host!r}: no such address on this machine"
    return f"cannot listen on {host}:{port}: {problem.strerror or problem}"


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000,
          include_drafts: bool = False) -> int:
    """Run the dev server until Ctrl-C; 0 on a clean stop, 2 when it cannot listen."""
    dev = DevServer(root, host=host, port=port, include_drafts=include_drafts)
    try:
        try:
            dev.start()
        except ServeError as problem:
            print(f"error: {problem}", file=sys.stderr, flush=True)
            return EXIT_USAGE
        while not dev.stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        dev.stop()
    return EXIT_OK
