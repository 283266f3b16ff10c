"""The dev server: serves from memory, reloads on change, survives broken edits, stays local."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

import pytest

import distillgen
from distillgen.cli import main as cli_main
from distillgen.model import Blob
from distillgen.serve import (
    RELOAD_MARKER,
    DevServer,
    content_type,
    inject_snippet,
    is_ignored,
    reload_snippet,
    serve,
)

WAIT_SECONDS = 10.0
LOCATED_YAML_ERROR = re.compile(r"content/blog/hello\.md:\d+:\d+: error\[bad-front-matter\]")


def post_text(title: str, body: str, *, draft: bool = False) -> str:
    lines = ["---", f"title: {title}", "pubDate: 2024-03-01"]
    if draft:
        lines.append("draft: true")
    return "\n".join([*lines, "---", "", body, ""])


def make_site(root: Path) -> Path:
    """Two posts, a bibliography and a site stylesheet: enough for every request we make."""
    blog = root / "content" / "blog"
    blog.mkdir(parents=True)
    (blog / "hello.md").write_text(post_text("Hello", "The first words, citing [@knuth1984]."))
    (blog / "second.md").write_text(post_text("Second", "Another post."))
    (root / "references.bib").write_text(
        "@book{knuth1984, author = {Donald E. Knuth}, title = {The TeXbook}, "
        "publisher = {Addison-Wesley}, year = {1984}}\n")
    (root / "assets" / "css").mkdir(parents=True)
    (root / "assets" / "css" / "site.css").write_text("body { color: black; }\n")
    return root


@contextlib.contextmanager
def running(root: Path, **options) -> Iterator[DevServer]:
    """A started server on a free loopback port, always stopped, its output captured."""
    dev = DevServer(root, port=0, stdout=io.StringIO(), stderr=io.StringIO(), **options)
    dev.start()
    try:
        yield dev
    finally:
        dev.stop()


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body), error statuses included; redirects are followed."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as failure:
        return failure.code, dict(failure.headers), failure.read()


def origin(dev: DevServer) -> str:
    host, port = dev.server_address
    return f"http://{host}:{port}"


def status(dev: DevServer) -> dict:
    return json.loads(fetch(origin(dev) + "/__distillgen/status")[2])


def wait_until(condition: Callable[[], bool], what: str) -> float:
    """Poll ``condition`` for at most WAIT_SECONDS; the seconds it took."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > WAIT_SECONDS:
            pytest.fail(f"gave up after {WAIT_SECONDS} s waiting for {what}")
        time.sleep(0.02)
    return time.perf_counter() - started


def wait_for_build_after(dev: DevServer, generation: int) -> dict:
    wait_until(lambda: status(dev)["generation"] > generation, "a rebuild")
    return status(dev)


def without_snippet(page: bytes, version: int) -> bytes:
    snippet = reload_snippet(version).encode("utf-8")
    assert page.count(snippet) == 1
    return page.replace(snippet, b"")


def page_has(dev: DevServer, path: str, text: str) -> bool:
    return text.encode("utf-8") in fetch(dev.url + path)[2]


# -- serving ----------------------------------------------------------------------------------


def test_served_pages_are_the_built_pages_plus_the_reload_snippet(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    with running(root, watch=False) as dev:
        version = status(dev)["version"]
        served = {}
        for path, output in (("", "index.html"), ("blog/hello/", "blog/hello/index.html")):
            code, headers, body = fetch(dev.url + path)
            assert code == 200
            assert headers["Content-Type"] == "text/html; charset=utf-8"
            assert headers["Cache-Control"] == "no-store"
            assert body.count(RELOAD_MARKER.encode()) == 1
            assert body.index(RELOAD_MARKER.encode()) < body.rindex(b"</body>")
            served[output] = without_snippet(body, version)
        assert b"The first words" in served["blog/hello/index.html"]
        assert b"Knuth" in served["blog/hello/index.html"]
    assert not (root / "site").exists(), "the dev server must not write the output folder"

    assert cli_main(["build", "--root", str(root)]) == 0
    for output, body in served.items():
        assert (root / "site" / output).read_bytes() == body
    for written in (root / "site").rglob("*"):
        if written.is_file():
            assert b"__distillgen" not in written.read_bytes(), written


def test_files_get_their_content_type_and_unknown_paths_the_404_page(tmp_path: Path) -> None:
    with running(make_site(tmp_path), watch=False) as dev:
        code, headers, body = fetch(dev.url + "assets/css/site.css")
        assert (code, headers["Content-Type"]) == (200, "text/css; charset=utf-8")
        assert body == b"body { color: black; }\n"
        assert fetch(dev.url + "feed.xml")[1]["Content-Type"].endswith("xml; charset=utf-8")
        assert content_type(PurePosixPath("blog/a/cite.ris")) == \
            "application/x-research-info-systems"  # what reference managers open
        assert content_type(PurePosixPath("blog/a/cite.bib")) == "text/plain; charset=utf-8"

        code, headers, body = fetch(dev.url + "no/such/page/")
        assert code == 404
        assert headers["Content-Type"].startswith("text/html")
        assert RELOAD_MARKER.encode() in body
        planned = dev.state.plan[PurePosixPath("404.html")]
        assert isinstance(planned, Blob)  # a page kept in the build cache
        assert without_snippet(body, dev.state.version) == planned.path.read_bytes()
        assert fetch(dev.url + "../../etc/passwd")[0] == 404


def test_a_folder_without_its_slash_redirects_so_relative_links_work(tmp_path: Path) -> None:
    with running(make_site(tmp_path), watch=False) as dev:
        host, port = dev.server_address
        connection = http.client.HTTPConnection(host, port, timeout=5)
        connection.request("GET", "/blog/hello?x=1")
        response = connection.getresponse()
        assert response.status == 302
        assert response.getheader("Location") == "/blog/hello/?x=1"
        connection.close()


def test_the_site_is_mounted_at_the_path_of_base_url(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    (root / "distillgen.toml").write_text('base_url = "https://example.org/notes/"\n')
    with running(root, watch=False) as dev:
        assert dev.url.endswith("/notes/")
        code, _, body = fetch(origin(dev) + "/")  # redirected into the mount
        assert code == 200 and b"Hello" in body
        assert page_has(dev, "blog/hello/", "The first words")


def test_drafts_are_served_with_their_banner_only_with_drafts(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    (root / "content" / "blog" / "wip.md").write_text(post_text("Wip", "Unfinished.", draft=True))
    with running(root, watch=False) as dev:
        assert fetch(dev.url + "blog/wip/")[0] == 404
    with running(root, watch=False, include_drafts=True) as dev:
        code, _, body = fetch(dev.url + "blog/wip/")
        assert code == 200
        assert b"Unfinished." in body and b"draft-banner" in body


def test_binds_loopback_only_by_default(tmp_path: Path) -> None:
    with running(make_site(tmp_path), watch=False) as dev:
        assert dev.server_address[0] == "127.0.0.1"
        assert dev.url.startswith("http://127.0.0.1:")


def test_a_port_in_use_is_a_one_line_error_and_exit_code_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve(make_site(tmp_path), port=port) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"port {port}" in error and "in use" in error


# -- rebuilding -------------------------------------------------------------------------------


def test_an_edit_is_visible_within_seconds(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    with running(root) as dev:
        before = status(dev)["generation"]
        started = time.perf_counter()
        (root / "content" / "blog" / "hello.md").write_text(
            post_text("Hello", "Freshly edited words."))
        wait_until(lambda: page_has(dev, "blog/hello/", "Freshly edited words"), "the edit")
        latency = time.perf_counter() - started
        build_seconds = status(dev)["seconds"]
        print(f"\nedit -> visible: {latency * 1000:.0f} ms, of which the build "
              f"{build_seconds * 1000:.0f} ms")
        assert status(dev)["generation"] > before
        assert "rebuilt in" in dev._stdout.getvalue()


@pytest.mark.parametrize("change", ["asset", "config", "template", "bibliography"])
def test_every_kind_of_input_triggers_a_rebuild(tmp_path: Path, change: str) -> None:
    root = make_site(tmp_path)
    with running(root) as dev:
        if change == "asset":
            (root / "assets" / "new.css").write_text("p {}\n")
            wait_until(lambda: fetch(dev.url + "assets/new.css")[0] == 200, "the new asset")
        elif change == "config":
            (root / "distillgen.toml").write_text('title = "Renamed Blog"\n')
            wait_until(lambda: page_has(dev, "", "Renamed Blog"), "the new title")
        elif change == "template":
            (root / "templates").mkdir()
            (root / "templates" / "404.html").write_text("<html><body>Lost here</body></html>")
            wait_until(lambda: page_has(dev, "missing/", "Lost here"), "the new template")
        else:
            bib = root / "references.bib"
            bib.write_text(bib.read_text().replace("The TeXbook", "The METAFONTbook"))
            wait_until(lambda: page_has(dev, "blog/hello/", "METAFONTbook"), "the new entry")


def test_ignored_paths_do_not_rebuild() -> None:
    def ignored(path: str) -> bool:
        return is_ignored(PurePosixPath(path), "site")

    for path in ("site/index.html", ".distillgen-cache/a/b", ".git/index", "content/.hidden.md",
                 "content/blog/post.md.swp", "content/blog/post.md~", "content/blog/4913",
                 "__pycache__/x.pyc", "content/#post.md#"):
        assert ignored(path), path
    for path in ("content/blog/post.md", "references.bib", "templates/post.html",
                 "assets/css/site.css", "distillgen.toml", "sitemap/notes.md"):
        assert not ignored(path), path
    assert is_ignored(PurePosixPath("public/out/x.html"), "public/out")


def test_a_broken_edit_keeps_the_last_good_site_and_fixing_it_recovers(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    post = root / "content" / "blog" / "hello.md"
    with running(root) as dev:
        good = status(dev)
        post.write_text("---\ntitle: [Hello\npubDate: 2024-03-01\n---\n\nBroken words.\n")
        broken = wait_for_build_after(dev, good["generation"])
        assert broken["ok"] is False
        assert LOCATED_YAML_ERROR.search(broken["diagnostics"])
        assert LOCATED_YAML_ERROR.search(dev._stderr.getvalue())
        code, _, body = fetch(dev.url + "blog/hello/")
        assert code == 200 and b"The first words" in body and b"Broken words" not in body

        post.write_text(post_text("Hello", "Mended words."))
        wait_until(lambda: page_has(dev, "blog/hello/", "Mended words"), "the fix")
        assert status(dev)["ok"] is True
        assert "error[" not in status(dev)["diagnostics"]


def test_a_site_that_never_built_shows_its_diagnostics_until_fixed(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    post = root / "content" / "blog" / "hello.md"
    post.write_text("---\npubDate: 2024-03-01\n---\n\nNo title.\n")
    with running(root, watch=False) as dev:
        code, _, body = fetch(dev.url)
        assert code == 503
        assert b"missing-field" in body and RELOAD_MARKER.encode() in body
        post.write_text(post_text("Hello", "Now it builds."))
        dev.rebuild()
        assert page_has(dev, "blog/hello/", "Now it builds")


def read_event(stream: http.client.HTTPResponse) -> dict:
    """The next ``data:`` message of an event stream (comments skipped)."""
    while True:
        line = stream.readline()
        assert line, "the event stream ended"
        if line.startswith(b"data: "):
            return json.loads(line[len(b"data: "):])


def open_events(dev: DevServer, version: int) -> http.client.HTTPResponse:
    host, port = dev.server_address
    connection = http.client.HTTPConnection(host, port, timeout=WAIT_SECONDS)
    connection.request("GET", f"/__distillgen/events?version={version}")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    return response


def test_open_pages_get_the_diagnostics_then_a_reload(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    post = root / "content" / "blog" / "hello.md"
    with running(root, watch=False) as dev:
        stream = open_events(dev, dev.state.version)
        post.write_text("---\ntitle: [Hello\npubDate: 2024-03-01\n---\n")
        dev.rebuild()
        message = read_event(stream)
        assert message["type"] == "error"
        assert LOCATED_YAML_ERROR.search(message["diagnostics"])

        late = open_events(dev, dev.state.version)  # a page opened while the build is broken
        assert read_event(late)["type"] == "error"

        post.write_text(post_text("Hello", "Fixed."))
        dev.rebuild()
        assert read_event(stream)["type"] == "reload"
        stale = open_events(dev, dev.state.version - 1)  # a build finished before it connected
        assert read_event(stale)["type"] == "reload"
        for response in (stream, late, stale):
            response.close()


def test_the_snippet_goes_before_the_last_body_end_tag() -> None:
    page = b"<html><body><pre>&lt;/body&gt;</pre></BODY></html>"
    injected = inject_snippet(page, 3)
    assert injected.endswith(b"</BODY></html>")
    assert b"version=3" in injected
    assert inject_snippet(b"<p>fragment</p>", 1).startswith(b"<p>fragment</p><script")


# -- the command ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_serves_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    port = free_port()
    package_parent = str(Path(distillgen.__file__).resolve().parents[1])
    environment = {**os.environ, "PYTHONPATH": package_parent}
    process = subprocess.Popen(
        [sys.executable, "-m", "distillgen", "serve", "--port", str(port)], cwd=root,
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def answers() -> bool:
            assert process.poll() is None, process.communicate()
            try:
                return fetch(f"http://127.0.0.1:{port}/__distillgen/status")[0] == 200
            except OSError:
                return False

        wait_until(answers, "the server to answer")
        assert page_has_at(f"http://127.0.0.1:{port}/blog/hello/", "The first words")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"serving http://127.0.0.1:{port}/" in out
    assert "built in" in out
    assert "Traceback" not in err


def page_has_at(url: str, text: str) -> bool:
    return text.encode("utf-8") in fetch(url)[2]


def test_an_exception_in_the_build_is_reported_and_the_site_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import distillgen.serve.dev as serve_module

    with running(make_site(tmp_path), watch=False) as dev:
        def broken_build(*args, **kwargs):
            raise RuntimeError("a bug in a renderer")

        monkeypatch.setattr(serve_module, "build", broken_build)
        state = dev.rebuild()
        assert not state.ok and "RuntimeError: a bug in a renderer" in state.diagnostics
        assert page_has(dev, "blog/hello/", "The first words")
