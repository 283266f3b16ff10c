"""Browser fixtures: the example site and a layout-check site, served over http to Chromium.

Both sites are built once per session into a temporary folder and served by a local
``http.server`` on 127.0.0.1. Readers browse with JavaScript off; only the accessibility
audit turns it on, to inject axe-core. Without Debian's chromium (or Playwright, or axe-core)
the tests skip, except under ``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import CHECK, EXAMPLE, WIDE

from distillgen.build import build

HERE = Path(__file__).parent
REPO = HERE.parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
EXAMPLE_PARTS = ("content", "assets", "templates", "references.bib", "distillgen.toml")


def missing(reason: str) -> None:
    """Skip for a developer without the browser; fail in CI, where it must be installed."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        missing("Debian's chromium is not installed (apt-get install chromium)")
    return found


def _copy_example_site(destination: Path) -> Path:
    destination.mkdir(parents=True)
    for name in EXAMPLE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        elif source.is_file():
            shutil.copy2(source, destination / name)
    return destination


def _build_at_base_path(root: Path, www: Path) -> str:
    """Build into the folder its ``base_url`` names, so even the 404 page's links resolve."""
    result = build(root, output=www / "staging", use_cache=False)
    assert not result.failed, [d.format() for d in result.diagnostics]
    folder = urlsplit(result.config.base_url).path.strip("/")
    assert folder, "the test sites are served under a subpath"
    (www / "staging").rename(www / folder)
    return folder


@pytest.fixture(scope="session")
def served_root(tmp_path_factory) -> Path:
    """Both built sites under one folder, each at the path of its ``base_url``."""
    base = tmp_path_factory.mktemp("browser")
    example_root = _copy_example_site(base / "example-src")
    check_root = base / "check-src"
    shutil.copytree(HERE / "site", check_root)
    www = base / "www"
    www.mkdir()
    assert _build_at_base_path(example_root, www) == EXAMPLE
    assert _build_at_base_path(check_root, www) == CHECK
    return www


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture(scope="session")
def base_url(served_root: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(served_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Python playwright is not installed (pip install '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Reader:
    """A page opened as a reader would, recording every request that did not succeed."""

    page: object
    base_url: str
    failures: list[str] = field(default_factory=list)
    in_flight: set = field(default_factory=set)
    """Requests sent and not yet answered (lazy images start after the load event)."""

    def visit(self, path: str) -> object:
        """Go to a site path and wait for its fonts; returns the page. Requests of the page
        before are let finish first: leaving a page aborts them, which would read as a
        failed request."""
        self.settle()
        self.page.goto(self.base_url + path, wait_until="load")
        self.page.evaluate("document.fonts.ready.then(() => true)")
        return self.page

    def settle(self, seconds: float = 5.0) -> None:
        deadline = time.monotonic() + seconds
        while self.in_flight and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)


@pytest.fixture
def open_page(browser, base_url) -> Iterator[Callable[..., Reader]]:
    """``open_page(path, viewport=WIDE, scheme="light", media="screen", javascript=False)``.

    Every page opened through it must load without a failed request (checked at teardown).
    """
    contexts = []
    readers: list[Reader] = []

    def open_(path: str, viewport: dict | None = None, scheme: str = "light",
              media: str = "screen", javascript: bool = False) -> Reader:
        context = browser.new_context(viewport=viewport or WIDE, color_scheme=scheme,
                                      java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        reader = Reader(page, base_url)
        page.on("request", lambda request: reader.in_flight.add(request.url))
        page.on("requestfinished", lambda request: reader.in_flight.discard(request.url))
        page.on("requestfailed", lambda request: reader.in_flight.discard(request.url))
        page.on("requestfailed",
                lambda request: reader.failures.append(f"{request.url}: {request.failure}"))
        page.on("response", lambda response: reader.failures.append(
            f"{response.url}: HTTP {response.status}") if response.status >= 400 else None)
        page.emulate_media(media=media)
        reader.visit(path)
        readers.append(reader)
        return reader

    yield open_
    # Read the failures before closing: closing aborts requests still in flight.
    failures = [failure for reader in readers for failure in reader.failures]
    for context in contexts:
        context.close()
    assert not failures, failures


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_SCRIPT.is_file():
        missing("axe-core is not installed (npm install --prefix tests/browser axe-core@4)")
    return AXE_SCRIPT
