"""``distillgen serve``: build, serve on loopback, rebuild on change, reload open tabs.

Choices, and why:

- **A resident build.** The server keeps the site index in memory between builds, and the
  watcher's report starts the next one: it redoes only what the edit reaches, and open pages
  reload as soon as it is done (:mod:`.dev`).
- **Served from the build.** Each build runs with ``write=False`` and the server answers from
  the build's plan (output path -> a page kept in the build cache, bytes, or a source file
  read at request time). ``site/`` stays the deployable output of ``distillgen build``: the
  dev server never writes it, never adds draft pages to it, and a half-edited post never
  lands in it.
- **Live reload only in served pages.** Built pages carry no JavaScript. When the server sends
  an HTML page it inserts a small script before ``</body>`` that listens to
  ``/__distillgen/events`` (Server-Sent Events) and reloads on a ``reload`` message, or shows
  the diagnostics of a failed build in an overlay on an ``error`` message. The bytes of the
  page are otherwise exactly what ``distillgen build`` writes.
- **A broken edit keeps the last good site.** A failed build prints its diagnostics and
  pushes them to the browser, but the plan being served is only replaced by a successful
  build. ``/__distillgen/status`` reports the state as JSON for scripts and tests.
- **Watching.** ``watchfiles``: the operating system tells of each change (:mod:`.watch`).
  The whole site root is watched, minus the output folder, the cache, hidden and editor
  temporary files, so an edit to content, bibliography, templates, assets or
  ``distillgen.toml`` rebuilds.
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

import sys
from pathlib import Path

from .dev import DevServer
from .http import (
    EVENTS_PATH,
    MAX_CONNECTIONS,
    MAX_EVENT_STREAMS,
    RELOAD_MARKER,
    STATUS_PATH,
    ServeError,
    SiteState,
    _Handler,
    content_type,
    host_allowed,
    inject_snippet,
    mount_path,
    read_site_file,
    reload_snippet,
)
from .watch import is_ignored

__all__ = ["EVENTS_PATH", "MAX_CONNECTIONS", "MAX_EVENT_STREAMS", "RELOAD_MARKER", "STATUS_PATH",
           "DevServer", "ServeError", "SiteState", "_Handler", "content_type", "host_allowed",
           "inject_snippet", "is_ignored", "mount_path", "read_site_file", "reload_snippet",
           "serve"]

EXIT_OK, EXIT_USAGE = 0, 2


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
