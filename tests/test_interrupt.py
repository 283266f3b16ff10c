"""A build that is killed, interrupted or fed a damaged cache never loses or mixes the site.

A 300-post site switches back and forth between two versions of its inputs (other titles,
edited, added and removed posts). Each switch starts ``python -m distillgen build`` and kills
it with SIGKILL: at a random moment, while it writes the new tree, or just after the new tree
took the place of the old. Where the build was when it died decides the tree it must leave:
before it began writing, exactly the old one; once the new tree is in place, exactly the new
one; in between, exactly one of the two (both as built separately). The partly written cache
is kept each time (the output's twin in it included, left half changed by a build killed
while writing): the next build, finally run to the end, must still give exactly the new
tree. Ctrl-C must exit with 130 and leave the old site; a cache whose files were truncated,
garbled or deleted must not change what the next build writes. A build killed with SIGKILL
leaves none of its worker processes running.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.sitekit import (
    cli_env,
    copy_example_site,
    run_build,
    snapshot,
    synthetic_posts,
    tree_difference,
    write_files,
)

pytestmark = pytest.mark.slow
POSTS = 300
KILLS = 12
SEED = 20240601


def _inputs(version: str) -> dict[str, str]:
    """The files that differ between the two versions of the site (None: absent)."""
    posts = synthetic_posts(POSTS, seed=5)
    if version == "new":
        for number in range(0, POSTS, 10):
            name = f"content/blog/post-{number:04d}.md"
            posts[name] = posts[name].replace("## Section", "## Revised section")
        del posts["content/blog/post-0007.md"]
        posts["content/blog/added.md"] = "---\ntitle: Added\npubDate: 2025-01-01\n---\nNew.\n"
    title = "Attribution Notes" if version == "old" else "Attribution Notes, revised"
    return {**posts, "distillgen.toml": f'title = "{title}"\nbase_url = "https://e.org/"\n'}


def _switch(root: Path, version: str) -> None:
    """Make the site's inputs those of ``version``, touching only what differs."""
    wanted = _inputs(version)
    for path in (root / "content" / "blog").glob("post-*.md"):
        if path.relative_to(root).as_posix() not in wanted:
            path.unlink()
    (root / "content" / "blog" / "added.md").unlink(missing_ok=True)
    for name, text in wanted.items():
        path = root / name
        if not path.is_file() or path.read_text("utf-8") != text:
            write_files(root, {name: text})


def _fresh_site(root: Path, version: str) -> Path:
    copy_example_site(root)
    _switch(root, version)
    return root


@pytest.fixture(scope="module")
def references(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Each version built on its own, from scratch, in a folder of its own."""
    trees = {}
    for version in ("old", "new"):
        root = _fresh_site(tmp_path_factory.mktemp(version), version)
        run = run_build(root)
        assert run.returncode == 0, run.stderr
        trees[version] = snapshot(root / "site")
    assert trees["old"] != trees["new"]
    return trees


def _start_build(root: Path, workers: int | None = None) -> subprocess.Popen:
    """``distillgen build`` in its own process group; with ``workers``, that many worker
    processes whatever the number of cores (the command line uses one per core)."""
    command = [sys.executable, "-m", "distillgen", "build"]
    if workers is not None:
        command = [sys.executable, "-c", "import pathlib, sys; from distillgen.build import build; "
                   f"sys.exit(build(pathlib.Path.cwd(), workers={workers}).failed)"]
    return subprocess.Popen(command, cwd=root, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL the build, as ``kill -9 PID`` would; then its worker processes too, which
    would otherwise linger."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


class Watch:
    """Where a build is in its work, seen from outside: "before writing" (no new tree of its
    own being made yet: neither a staging folder beside ``site/`` nor the output's twin in
    the cache renamed ``*.writing``), "writing" (one, and the old ``site/`` still in place) or
    "swapped" (another folder is ``site/`` now)."""

    def __init__(self, root: Path):
        self.root = root
        self.earlier = set(_trees_being_written(root))  # what killed builds left
        self.site = _inode(root / "site")

    def moment(self) -> str:
        if _inode(self.root / "site") != self.site:
            return "swapped"
        new = set(_trees_being_written(self.root)) - self.earlier
        return "writing" if new else "before writing"

    def wait_for(self, process: subprocess.Popen, moments: set[str]) -> bool:
        """Wait until the build reaches one of ``moments``; False if it finished first."""
        deadline = time.monotonic() + 60
        while self.moment() not in moments:
            if process.poll() is not None:
                return False
            assert time.monotonic() < deadline
            time.sleep(0.0005)
        return True


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _kill_at(process: subprocess.Popen, watch: Watch, mode: str, delay: float) -> str:
    """Kill the build as ``mode`` says, ``delay`` seconds after its start or after it began
    writing; returns where it was when it died, or "finished" if it was done first."""
    if mode == "after the swap":
        reached = watch.wait_for(process, {"swapped"})
    elif mode == "while writing":
        reached = watch.wait_for(process, {"writing", "swapped"})
    else:
        reached = True
    if reached:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=delay)
    if process.poll() is not None:
        process.communicate()
        return "finished"
    moment = watch.moment()  # the tree cannot be written and swapped in the instant to the kill
    _kill(process)
    return moment


def _timed_build(root: Path) -> tuple[float, float]:
    """Build to the end, watched: (seconds in all, seconds from the start of writing on)."""
    watch = Watch(root)
    process = _start_build(root)
    started = time.perf_counter()
    writing = watch.wait_for(process, {"writing", "swapped"})
    began_writing = time.perf_counter()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr.decode()
    ended = time.perf_counter()
    return ended - started, (ended - began_writing) if writing else 0.0


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site."))


def _trees_being_written(root: Path) -> list[str]:
    """Staging folders beside ``site/``, and twins in the cache while they are changed."""
    twins = root / ".distillgen-cache" / "twins"
    writing = sorted(p.name for p in twins.glob("*.writing")) if twins.is_dir() else []
    return _leftovers(root) + writing


MODES = ("at a random moment", "while writing", "after the swap")
LEAVES = {"before writing": ("old",), "writing": ("old", "new"), "swapped": ("new",),
          "finished": ("new",)}
"""The trees a build killed at each moment may leave: the old or the new version."""


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_site(tmp_path: Path, references):
    root = _fresh_site(tmp_path / "site-root", "old")
    duration, write_phase = _timed_build(root)
    assert snapshot(root / "site") == references["old"]
    rng = random.Random(SEED)
    current = "old"
    outcomes = []
    for attempt in range(KILLS):
        target = "new" if current == "old" else "old"
        _switch(root, target)
        if rng.random() < 0.3:
            shutil.rmtree(root / ".distillgen-cache", ignore_errors=True)
        mode = MODES[attempt % len(MODES)]
        # each mode's first kill comes at once, so that each moment occurs at least once
        delay = 0.0 if attempt < len(MODES) or mode == "after the swap" else rng.uniform(
            0, duration if mode == "at a random moment" else write_phase)
        watch = Watch(root)
        moment = _kill_at(_start_build(root), watch, mode, delay)
        tree = snapshot(root / "site")
        versions = {"old": current, "new": target}
        allowed = [versions[which] for which in LEAVES[moment]]
        found = next((v for v in allowed if tree == references[v]), None)
        assert found is not None, (mode, moment, f"must leave the {' or '.join(LEAVES[moment])} "
                                   "site", tree_difference(tree, references[allowed[-1]]))
        outcomes.append((moment, "old site" if found == current else "new site"))
        current = found
    assert {moment for moment, _ in outcomes} >= {"before writing", "writing"}
    assert {moment for moment, _ in outcomes} & {"swapped", "finished"}
    _switch(root, "new")
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    assert snapshot(root / "site") == references["new"]
    assert _leftovers(root) == []
    print("\nkilled (where it was, what it left):",
          {o: outcomes.count(o) for o in sorted(set(outcomes))})


def test_ctrl_c_exits_130_and_leaves_the_old_site(tmp_path: Path, references):
    root = _fresh_site(tmp_path / "site-root", "old")
    assert run_build(root).returncode == 0
    _switch(root, "new")
    shutil.rmtree(root / ".distillgen-cache")
    process = _start_build(root)
    cache = root / ".distillgen-cache"
    deadline = time.monotonic() + 60
    while not (cache / "pages").is_dir() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)  # rendering has begun once the first page is cached
    os.killpg(process.pid, signal.SIGINT)  # the terminal sends Ctrl-C to the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()
    assert b"Traceback" not in stderr
    assert snapshot(root / "site") == references["old"]
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    assert snapshot(root / "site") == references["new"]


def _damage_cache(cache: Path, rng: random.Random) -> dict[str, int]:
    """Truncate, garble, empty or delete about half the cache's files."""
    counts = {"truncated": 0, "garbled": 0, "emptied": 0, "deleted": 0}
    for path in sorted(p for p in cache.rglob("*") if p.is_file()):
        action = rng.choice(["keep", "keep", "truncated", "garbled", "emptied", "deleted"])
        data = path.read_bytes()
        if action == "truncated":
            path.write_bytes(data[: rng.randrange(len(data) or 1)])
        elif action == "garbled" and data:
            spot = rng.randrange(len(data))
            path.write_bytes(data[:spot] + bytes([data[spot] ^ 0x5A]) + data[spot + 1:])
        elif action == "emptied":
            path.write_bytes(b"")
        elif action == "deleted":
            path.unlink()
        if action in counts:
            counts[action] += 1
    return counts


@pytest.mark.parametrize("then", ["same inputs", "other inputs"])
def test_a_damaged_cache_does_not_change_the_next_site(tmp_path: Path, references, then: str):
    root = _fresh_site(tmp_path / "site-root", "old")
    assert run_build(root).returncode == 0
    _switch(root, "new")
    assert run_build(root).returncode == 0
    counts = _damage_cache(root / ".distillgen-cache", random.Random(then))
    assert sum(counts.values()) > 100
    expected = "new"
    if then == "other inputs":
        _switch(root, "old")
        expected = "old"
    else:
        shutil.rmtree(root / "site")  # so the build cannot skip its work
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    assert snapshot(root / "site") == references[expected], tree_difference(
        snapshot(root / "site"), references[expected])


def _live_members(group: int) -> list[int]:
    """Processes of a process group that are still running (not zombies), from /proc."""
    members = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat_file.parent.name))
    return members


WORKERS = 2


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(),
                    reason="needs Linux's /proc to see the worker processes")
def test_sigkill_leaves_no_worker_processes_behind(tmp_path: Path, references):
    root = _fresh_site(tmp_path / "site-root", "new")
    process = _start_build(root, workers=WORKERS)  # as many on one core as on many
    deadline = time.monotonic() + 60
    while len(_live_members(process.pid)) < 1 + WORKERS and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert process.poll() is None, "the build ended before its workers were seen"
    assert len(_live_members(process.pid)) >= 1 + WORKERS
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    try:
        deadline = time.monotonic() + 5
        while _live_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _live_members(process.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
