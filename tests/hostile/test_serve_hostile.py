"""The dev server as an attacker meets it: it never returns a byte from outside the site,
answers a foreign ``Host`` (DNS rebinding) with an error, and stays bounded: a cap on
connections, a timeout for silent clients, ``HEAD`` on the event stream ends."""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from distillgen import serve as serve_module
from distillgen.serve import MAX_CONNECTIONS, DevServer, host_allowed
from tests.hostile.sitekit import REPO, write_files

PNG = (REPO / "assets" / "images" / "saturation-heatmap.png").read_bytes()
SECRET = b"SECRET-outside-the-site"


def post(title: str, extra: str = "", body: str = "Text.") -> str:
    return f"---\ntitle: {title}\npubDate: 2024-01-01\n{extra}---\n{body}\n"


@contextlib.contextmanager
def running(root: Path, **options) -> Iterator[DevServer]:
    dev = DevServer(root, port=0, watch=False, stdout=io.StringIO(), stderr=io.StringIO(),
                    **options)
    dev.start()
    try:
        yield dev
    finally:
        dev.stop()


def request(dev: DevServer, path: str, *, method: str = "GET", host: str | None = None,
            timeout: float = 5) -> tuple[int, bytes]:
    address, port = dev.server_address
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write_files(tmp_path / "outside", {"secret.png": PNG + SECRET})
    return write_files(tmp_path / "blog", {
        "content/blog/i.md": post("I", body="![An image](pic.png)"),
        "content/blog/pic.png": PNG,
        "content/blog/d.md": post("Draft", "draft: true\n"),
        "assets/style.css": "a { color: red }"})


def test_an_image_swapped_for_a_link_outside_after_a_failed_rebuild_is_not_served(site: Path):
    with running(site) as dev:
        assert request(dev, "/blog/pic.png") == (200, PNG)
        (site / "content" / "blog" / "broken.md").write_text("---\ntitle: [broken\n---\n")
        assert dev.rebuild().ok is False  # the last good plan is kept...
        (site / "content" / "blog" / "pic.png").unlink()
        (site / "content" / "blog" / "pic.png").symlink_to(site.parent / "outside/secret.png")
        status, body = request(dev, "/blog/pic.png")  # ...but its files are checked again
        assert status == 404 and SECRET not in body


def test_an_asset_swapped_for_a_fifo_is_not_read(site: Path):
    with running(site) as dev:
        (site / "content" / "blog" / "broken.md").write_text("---\ntitle: [broken\n---\n")
        dev.rebuild()
        (site / "assets" / "style.css").unlink()
        os.mkfifo(site / "assets" / "style.css")
        status, _ = request(dev, "/assets/style.css", timeout=5)
        assert status == 404


def test_a_link_inside_the_site_is_still_served(site: Path):
    with running(site) as dev:
        (site / "content" / "blog" / "broken.md").write_text("---\ntitle: [broken\n---\n")
        dev.rebuild()
        (site / "content" / "blog" / "pic.png").unlink()
        (site / "content" / "blog" / "pic.png").symlink_to(site / "assets" / "style.css")
        assert request(dev, "/blog/pic.png") == (200, b"a { color: red }")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example",
                                  "localhost.evil.example:{port}", "", "[::2]:{port}"])
@pytest.mark.parametrize("path", ["/blog/d/", "/__distillgen/status", "/__distillgen/events"])
def test_a_foreign_host_gets_403_for_pages_drafts_status_and_events(site: Path, host: str,
                                                                    path: str):
    with running(site, include_drafts=True) as dev:
        port = dev.server_address[1]
        status, body = request(dev, path, host=host.format(port=port))
        assert status == 403
        assert b"Draft" not in body and b"generation" not in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST",
                                  "[::1]:{port}", "localhost.:{port}"])
def test_this_machine_is_answered_with_any_port(site: Path, host: str):
    with running(site, include_drafts=True) as dev:
        port = dev.server_address[1]
        status, body = request(dev, "/blog/d/", host=host.format(port=port))
        assert status == 200 and b"Draft" in body


@pytest.mark.parametrize(("header", "listening_on", "allowed"), [
    ("192.168.1.20:8000", "192.168.1.20", True),
    ("192.168.1.20:8000", "127.0.0.1", False),
    ("192.168.1.20:8000", "0.0.0.0", True),
    ("[fe80::1]:8000", "::", True),
    ("mybox.local:8000", "0.0.0.0", False),
    ("mybox.local:8000", "mybox.local", True),
    (None, "127.0.0.1", False),
])
def test_host_rules(header: str | None, listening_on: str, allowed: bool):
    assert host_allowed(header, listening_on) is allowed


def test_head_on_the_event_stream_answers_and_ends(site: Path):
    with running(site) as dev:
        address, port = dev.server_address
        with socket.create_connection((address, port), timeout=5) as sock:
            sock.sendall(f"HEAD /__distillgen/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
                         .encode())
            received = b""
            while chunk := sock.recv(4096):  # the server closes: recv gives b""
                received += chunk
        assert received.startswith(b"HTTP/1.0 200 ")
        assert b"text/event-stream" in received and received.endswith(b"\r\n\r\n")


def test_connections_beyond_the_cap_get_503_and_pages_are_served_again_after(site: Path):
    with running(site) as dev:
        address, port = dev.server_address
        idle = [socket.create_connection((address, port), timeout=5)
                for _ in range(MAX_CONNECTIONS)]
        try:
            deadline = time.monotonic() + 5
            status = 0
            while time.monotonic() < deadline:  # until the server has accepted them all
                status, _ = request(dev, "/")
                if status == 503:
                    break
                time.sleep(0.05)
            assert status == 503
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 5
        while request(dev, "/")[0] != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_a_silent_client_is_dropped_after_the_timeout(site: Path, monkeypatch):
    monkeypatch.setattr(serve_module._Handler, "timeout", 0.3)
    with running(site) as dev:
        address, port = dev.server_address
        with socket.create_connection((address, port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n")  # and then nothing
            started = time.monotonic()
            assert sock.recv(100) == b""  # closed by the server
            assert time.monotonic() - started < 4


def test_the_dev_server_follows_the_output_rule(site: Path):
    (site / "distillgen.toml").write_text('output_dir = "assets"\n')
    with running(site) as dev:
        assert dev.state.ok is False
        assert "distillgen.toml:1:14: error[bad-config]: `output_dir` (assets) is the assets " \
               "folder (assets), which the build reads" in dev.state.diagnostics
    assert (site / "assets" / "style.css").read_text() == "a { color: red }"
