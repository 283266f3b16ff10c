"""A build that is killed, interrupted or fed a damaged cache never loses or mixes the site.

A 300-post site switches back and forth between two versions of its inputs (other titles,
edited, added and removed posts). Each switch starts ``python -m distillgen build`` and kills
it with SIGKILL after a random delay between zero and a whole build's duration; the output
folder must then be exactly the tree of one of the two versions, as built separately. The
partly written cache is kept each time: the next build, finally run to the end, must still
give exactly the new tree. Ctrl-C must exit with 130 and leave the old site; a cache whose
files were truncated, garbled or deleted must not change what the next build writes.
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

POSTS = 300
KILLS = 12
WRITE_PHASE = 0.8
"""Seconds from the staging folder's appearance to the end of a build of this site, about."""
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


def _start_build(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "distillgen", "build"], cwd=root,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL the build, as ``kill -9 PID`` would; then its worker processes too, which
    would otherwise linger."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


def _kill_after(process: subprocess.Popen, delay: float) -> str:
    """Kill the build ``delay`` seconds after it started; "finished" if it was done by then."""
    try:
        process.wait(timeout=delay)
        return "finished"
    except subprocess.TimeoutExpired:
        _kill(process)
        return "killed"


def _kill_while_writing(process: subprocess.Popen, root: Path, delay: float,
                        earlier: set[str]) -> str:
    """Kill the build ``delay`` seconds after it starts writing the new tree (a staging folder
    not in ``earlier``, what killed builds left, appears beside ``site/``): the moments around
    the swap."""
    deadline = time.monotonic() + 60
    while not set(_leftovers(root)) - earlier:
        if process.poll() is not None:
            process.communicate()
            return "finished"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    return _kill_after(process, delay) + " while writing"


def _timed_build(root: Path) -> float:
    started = time.perf_counter()
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    return time.perf_counter() - started


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site."))


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_site(tmp_path: Path, references):
    root = _fresh_site(tmp_path / "site-root", "old")
    duration = _timed_build(root)
    assert snapshot(root / "site") == references["old"]
    rng = random.Random(SEED)
    current = "old"
    outcomes = []
    for attempt in range(KILLS):
        target = "new" if current == "old" else "old"
        _switch(root, target)
        if rng.random() < 0.3:
            shutil.rmtree(root / ".distillgen-cache", ignore_errors=True)
        earlier = set(_leftovers(root))
        process = _start_build(root)
        if attempt % 2:
            how = _kill_while_writing(process, root, rng.uniform(0, WRITE_PHASE), earlier)
        else:
            how = _kill_after(process, rng.uniform(0, duration))
        tree = snapshot(root / "site")
        found = next((v for v in (current, target) if tree == references[v]), None)
        assert found is not None, (how, tree_difference(tree, references[target]))
        outcomes.append((how, "old site" if found == current else "new site"))
        current = found
    _switch(root, "new")
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    assert snapshot(root / "site") == references["new"]
    assert _leftovers(root) == []
    print("\nkill outcomes:", {o: outcomes.count(o) for o in sorted(set(outcomes))})


def test_ctrl_c_exits_130_and_leaves_the_old_site(tmp_path: Path, references):
    root = _fresh_site(tmp_path / "site-root", "old")
    assert run_build(root).returncode == 0
    _switch(root, "new")
    shutil.rmtree(root / ".distillgen-cache")
    process = _start_build(root)
    cache = root / ".distillgen-cache"
    deadline = time.monotonic() + 60
    while not (cache / "renders").is_dir() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)  # rendering has begun once the first render is cached
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


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc")
def test_sigkill_leaves_no_worker_processes_behind(tmp_path: Path, references):
    root = _fresh_site(tmp_path / "site-root", "new")
    process = _start_build(root)
    deadline = time.monotonic() + 60
    while len(_live_members(process.pid)) < 2 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)  # the pool's workers have started
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
