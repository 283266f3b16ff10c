"""The dev server's HTTP side: pages from the current build, the event stream, the status.

Every request reads the :class:`SiteState` of the last build, one reference swapped after
each build, so a request sees one build or the other. Only this machine's names are
answered (a page elsewhere that points its own name at 127.0.0.1 gets a 403: DNS
rebinding); a file of the plan read at request time is read only while it is a regular file
inside the site folder or the theme, links resolved; at most :data:`MAX_CONNECTIONS`
connections at once.
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
import stat
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ..model import Blob, Plan

SHUTDOWN_POLL = 0.1
"""How often the HTTP loop looks for stop(): the longest stop() waits for it."""
SPECIAL_PREFIX = "/__distillgen/"
EVENTS_PATH = SPECIAL_PREFIX + "events"
STATUS_PATH = SPECIAL_PREFIX + "status"
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

_WEB_TYPES = {
    ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript",
    ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml",
    ".txt": "text/plain", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".woff": "font/woff", ".woff2": "font/woff2", ".pdf": "application/pdf",
    ".bib": "text/plain", ".md": "text/plain", ".csv": "text/csv",
    ".ris": "application/x-research-info-systems",
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

    def __init__(self, dev: Any, address: tuple[str, int]):
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
        if isinstance(content, Blob):
            data = self.server.dev.read_blob(content)
        elif isinstance(content, Path):
            data = self.server.dev.read_file(content)
        else:
            data = content
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

    def _send_events(self, dev: Any, shown: int | None) -> None:
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
