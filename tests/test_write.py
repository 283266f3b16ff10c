"""write_output: the output folder is always a whole old site or a whole new one."""

from __future__ import annotations

import ctypes
import errno
import os
import pathlib
import random
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import PurePosixPath

import pytest

from distillgen import write
from distillgen.cache.trees import OutputTrees
from distillgen.write import (
    MARKER,
    MARKER_CONTENT,
    OutputError,
    WriteStats,
    files,
    swap,
    write_output,
)

REPO_ROOT = pathlib.Path(write.__file__).resolve().parents[2]

P = PurePosixPath


def tree_map(root: pathlib.Path) -> dict[str, bytes | str]:
    """Everything under ``root``: file path -> bytes, folder path -> "<dir>"."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, names in os.walk(root):
        rel_folder = pathlib.Path(folder).relative_to(root)
        for name in dirs:
            found[(rel_folder / name).as_posix()] = "<dir>"
        for name in names:
            found[(rel_folder / name).as_posix()] = (pathlib.Path(folder) / name).read_bytes()
    return found


def expected_map(plan: dict) -> dict[str, bytes | str]:
    """What ``tree_map`` should show once ``plan`` is written: its files and the marker."""
    expected: dict[str, bytes | str] = {MARKER: MARKER_CONTENT}
    for rel, content in plan.items():
        for parent in rel.parents:
            if parent != P("."):
                expected[parent.as_posix()] = "<dir>"
        expected[rel.as_posix()] = content if isinstance(content, bytes) else content.read_bytes()
    return expected


def inodes(root: pathlib.Path) -> dict[str, tuple[int, int]]:
    """File path -> (inode, mtime_ns)."""
    result = {}
    for path in root.rglob("*"):
        if path.is_file():
            info = path.stat()
            result[path.relative_to(root).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return result


def leftovers(out_dir: pathlib.Path) -> list[str]:
    """Hidden staging or backup folders beside the output folder."""
    prefix = f".{out_dir.name}."
    return sorted(path.name for path in out_dir.parent.iterdir() if path.name.startswith(prefix))


def site_plan(version: str, count: int = 30) -> dict[PurePosixPath, bytes]:
    """A plan of ``count`` pages in nested folders; pages differ by ``version`` only where
    their number is even, so two versions share half their files."""
    plan = {P("index.html"): f"<h1>index {version}</h1>".encode()}
    for number in range(count):
        tag = version if number % 2 == 0 else "same"
        plan[P(f"blog/p{number % 7}/page{number}.html")] = f"page {number} {tag}".encode()
    plan[P(f"only-{version}/note.txt")] = version.encode()
    return plan


@pytest.fixture
def out_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "site"


def test_first_build_creates_the_missing_folder(out_dir):
    plan = site_plan("a")
    stats = write_output(plan, out_dir)
    assert stats == WriteStats(written=len(plan), unchanged=0, removed=0)
    assert tree_map(out_dir) == expected_map(plan)
    assert leftovers(out_dir) == []


def test_modes_do_not_depend_on_the_umask(out_dir):
    previous = os.umask(0o077)
    try:
        write_output({P("a/b/c.html"): b"c", P("d.txt"): b"d"}, out_dir)
    finally:
        os.umask(previous)
    for path in [out_dir, *out_dir.rglob("*")]:
        expected = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_second_build_keeps_unchanged_files_and_replaces_the_rest(out_dir):
    old_plan = site_plan("a")
    write_output(old_plan, out_dir)
    before = inodes(out_dir)
    new_plan = site_plan("b")
    stats = write_output(new_plan, out_dir)

    assert tree_map(out_dir) == expected_map(new_plan)
    after = inodes(out_dir)
    unchanged = {rel.as_posix() for rel in new_plan if old_plan.get(rel) == new_plan[rel]}
    changed = {rel.as_posix() for rel in new_plan} - unchanged
    assert unchanged and changed
    for rel in unchanged:
        assert after[rel] == before[rel], rel
    for rel in changed & before.keys():
        assert after[rel][0] != before[rel][0], rel
    assert not (out_dir / "only-a").exists()
    assert stats == WriteStats(written=len(changed), unchanged=len(unchanged), removed=1)
    assert leftovers(out_dir) == []


def test_identical_plan_touches_nothing(out_dir):
    plan = site_plan("a")
    write_output(plan, out_dir)
    folder_before = out_dir.stat()
    files_before = inodes(out_dir)
    stats = write_output(dict(plan), out_dir)
    assert stats == WriteStats(written=0, unchanged=len(plan), removed=0)
    assert inodes(out_dir) == files_before
    folder_after = out_dir.stat()
    assert (folder_after.st_ino, folder_after.st_mtime_ns) == (
        folder_before.st_ino, folder_before.st_mtime_ns)


def test_stray_files_and_folders_in_the_old_site_are_removed(out_dir):
    plan = site_plan("a")
    write_output(plan, out_dir)
    (out_dir / "stray.txt").write_bytes(b"x")
    (out_dir / "empty-folder").mkdir()
    (out_dir / "link").symlink_to(out_dir / "index.html")
    stats = write_output(plan, out_dir)
    assert tree_map(out_dir) == expected_map(plan)
    assert not (out_dir / "link").is_symlink()
    assert stats == WriteStats(written=0, unchanged=len(plan), removed=2)


def test_a_file_with_another_mode_is_rewritten_not_kept(out_dir):
    plan = {P("index.html"): b"hello"}
    write_output(plan, out_dir)
    (out_dir / "index.html").chmod(0o600)
    stats = write_output(plan, out_dir)
    assert stats.written == 1
    assert stat.S_IMODE((out_dir / "index.html").stat().st_mode) == 0o644


def test_path_sources_are_copied_and_compared_by_content(tmp_path, out_dir):
    source = tmp_path / "figure.png"
    source.write_bytes(b"\x89PNG" + bytes(range(256)) * 10)
    plan = {P("index.html"): b"i", P("blog/x/figure.png"): source}
    assert write_output(plan, out_dir).written == 2
    published = out_dir / "blog/x/figure.png"
    assert published.read_bytes() == source.read_bytes()
    assert published.stat().st_ino != source.stat().st_ino

    first = published.stat()
    assert write_output(plan, out_dir) == WriteStats(written=0, unchanged=2, removed=0)
    source.write_bytes(source.read_bytes()[:-1] + b"!")  # same size, other bytes
    assert write_output(plan, out_dir) == WriteStats(written=1, unchanged=1, removed=0)
    assert published.read_bytes() == source.read_bytes()
    assert published.stat().st_ino != first.st_ino


def test_editing_a_source_later_never_changes_the_published_copy(tmp_path, out_dir):
    source = tmp_path / "data.csv"
    source.write_bytes(b"1,2\n")
    write_output({P("data.csv"): source}, out_dir)
    with source.open("r+b") as file:  # an editor writing in place
        file.write(b"9")
    assert (out_dir / "data.csv").read_bytes() == b"1,2\n"


@pytest.mark.parametrize("bad", [
    P("/etc/passwd"), P("../outside.html"), P("blog/../../x"), P("."), "a//b", "./a",
    "a/./b", "/abs", "a/\0b",
])
def test_bad_plan_paths_are_refused(out_dir, bad):
    with pytest.raises(ValueError):
        write_output({bad: b"x"}, out_dir)
    assert not out_dir.exists()


def test_a_path_that_is_both_file_and_folder_is_refused(out_dir):
    with pytest.raises(ValueError, match="folder"):
        write_output({P("blog"): b"x", P("blog/a.html"): b"y"}, out_dir)


def test_content_of_another_type_is_refused(out_dir):
    with pytest.raises(TypeError):
        write_output({P("a.html"): "text, not bytes"}, out_dir)


def test_output_that_is_a_file_or_symlink_is_refused(tmp_path):
    as_file = tmp_path / "site"
    as_file.write_bytes(b"not a folder")
    with pytest.raises(OutputError, match="not a folder"):
        write_output({P("a"): b"a"}, as_file)
    real = tmp_path / "elsewhere"
    real.mkdir()
    link = tmp_path / "linked-site"
    link.symlink_to(real)
    with pytest.raises(OutputError, match="symbolic link"):
        write_output({P("a"): b"a"}, link)
    assert as_file.read_bytes() == b"not a folder"
    assert list(real.iterdir()) == []


def test_output_holding_the_site_root_or_working_folder_is_refused(tmp_path, monkeypatch):
    site_root = tmp_path / "blog"
    (site_root / "content").mkdir(parents=True)
    for out_dir in (site_root, tmp_path):
        with pytest.raises(OutputError, match="contains"):
            write_output({P("a"): b"a"}, out_dir, site_root=site_root)
    monkeypatch.chdir(site_root / "content")
    with pytest.raises(OutputError, match="contains"):
        write_output({P("a"): b"a"}, site_root)
    assert (site_root / "content").is_dir()


class Boom(Exception):
    pass


@pytest.mark.parametrize("failure", [Boom, KeyboardInterrupt])
def test_a_failure_while_writing_leaves_the_old_site_as_it_was(out_dir, monkeypatch, failure):
    old_plan = site_plan("a")
    write_output(old_plan, out_dir)
    before_map, before_inodes = tree_map(out_dir), inodes(out_dir)

    real_write_bytes = files.write_bytes
    calls = []

    def failing_write_bytes(target, content):
        calls.append(target)
        if len(calls) > 5:
            raise failure("stop here")
        real_write_bytes(target, content)

    monkeypatch.setattr(files, "write_bytes", failing_write_bytes)
    with pytest.raises(failure):
        write_output(site_plan("b"), out_dir)
    assert len(calls) == 6
    assert tree_map(out_dir) == before_map
    assert inodes(out_dir) == before_inodes
    assert leftovers(out_dir) == []


def test_a_failing_exchange_leaves_the_old_site_and_no_staging(out_dir, monkeypatch):
    write_output(site_plan("a"), out_dir)
    before = tree_map(out_dir)

    def refusing_renameat2(*args):
        ctypes.set_errno(errno.EACCES)
        return -1

    monkeypatch.setattr(swap, "_renameat2", lambda: refusing_renameat2)
    with pytest.raises(OutputError, match="permission denied"):
        write_output(site_plan("b"), out_dir)
    assert tree_map(out_dir) == before
    assert leftovers(out_dir) == []


def test_leftovers_of_a_killed_run_are_cleaned_up(out_dir):
    write_output(site_plan("a"), out_dir)
    stale = out_dir.parent / ".site.staging-deadbeef"
    (stale / "blog").mkdir(parents=True)
    (stale / "blog/half.html").write_bytes(b"half")
    write_output(site_plan("b"), out_dir)
    assert tree_map(out_dir) == expected_map(site_plan("b"))
    assert leftovers(out_dir) == []


@pytest.mark.parametrize("refusal", ["missing", "einval", "enosys"])
def test_fallback_without_renameat2_gives_the_same_result(out_dir, monkeypatch, refusal):
    def unsupported_renameat2(*args):
        ctypes.set_errno(errno.EINVAL if refusal == "einval" else errno.ENOSYS)
        return -1

    replacement = None if refusal == "missing" else unsupported_renameat2
    monkeypatch.setattr(swap, "_renameat2", lambda: replacement)
    write_output(site_plan("a"), out_dir)
    before = inodes(out_dir)
    stats = write_output(site_plan("b"), out_dir)
    assert tree_map(out_dir) == expected_map(site_plan("b"))
    assert inodes(out_dir)["index.html"] != before["index.html"]
    assert inodes(out_dir)["blog/p1/page1.html"] == before["blog/p1/page1.html"]
    assert stats.unchanged > 0
    assert leftovers(out_dir) == []


def test_a_run_killed_inside_the_fallback_gap_gets_the_old_site_back(out_dir):
    write_output(site_plan("a"), out_dir)
    before = inodes(out_dir)
    # What the fallback leaves when killed between its two renames:
    out_dir.rename(out_dir.parent / ".site.old-0123456789abcdef")
    half_built = out_dir.parent / ".site.staging-0123456789abcdef"
    half_built.mkdir()
    (half_built / "index.html").write_bytes(b"half")

    stats = write_output(site_plan("b"), out_dir)
    assert tree_map(out_dir) == expected_map(site_plan("b"))
    assert inodes(out_dir)["blog/p1/page1.html"] == before["blog/p1/page1.html"]
    assert stats.removed == 1
    assert leftovers(out_dir) == []


TWO_PLANS = textwrap.dedent("""
    from pathlib import PurePosixPath as P

    def plan(version):
        files = {}
        for number in range(300):
            tag = version if number % 3 else "same"
            files[P(f"d{number % 12}/e{number % 5}/f{number}.html")] = f"{number} {tag}".encode()
        files[P(f"only-{version}/x.txt")] = version.encode() * 100
        files[P("index.html")] = version.encode()
        return files

    plans = [plan("a"), plan("b")]
""")

KILLED_WRITER = TWO_PLANS + textwrap.dedent("""
    import pathlib, sys
    from distillgen.write import write_output

    out_dir = pathlib.Path(sys.argv[1])
    round_number = 0
    while True:
        write_output(plans[round_number % 2], out_dir)
        if round_number == 0:
            print("ready", flush=True)
        round_number += 1
""")


def killed_writer_plans() -> list[dict]:
    """The two plans the killed writer alternates between, built by the same code."""
    namespace: dict = {}
    exec(TWO_PLANS, namespace)
    return namespace["plans"]


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_a_whole_site(out_dir):
    plans = killed_writer_plans()
    whole_sites = [expected_map(plan) for plan in plans]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    rng = random.Random(20240917)
    for _ in range(20):
        writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out_dir)],
                                  stdout=subprocess.PIPE, env=env, text=True)
        try:
            assert writer.stdout.readline() == "ready\n"
            threading.Event().wait(rng.uniform(0.0, 0.12))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            writer.stdout.close()
        assert tree_map(out_dir) in whole_sites

        next_plan = plans[rng.randrange(2)]
        write_output(next_plan, out_dir)
        assert tree_map(out_dir) == expected_map(next_plan)
        assert leftovers(out_dir) == []


def test_a_reader_never_finds_the_site_missing(out_dir):
    plans = [site_plan("a", count=60), site_plan("b", count=60)]
    indexes = {plan[P("index.html")] for plan in plans}
    write_output(plans[0], out_dir)
    stop = threading.Event()
    problems: list[str] = []
    reads = []

    def reader():
        index = out_dir / "index.html"
        while not stop.is_set() and len(reads) < 200_000:
            try:
                content = index.read_bytes()
            except OSError as failure:
                problems.append(repr(failure))
                continue
            if content not in indexes:
                problems.append(f"unexpected index {content!r}")
            reads.append(1)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for round_number in range(40):
            write_output(plans[round_number % 2], out_dir)
    finally:
        stop.set()
        thread.join()
    assert reads
    assert problems == []


# -- through the twin: a second tree one generation behind, changed only where it differs --


def twin_of(tmp_path: pathlib.Path, out_dir: pathlib.Path) -> OutputTrees:
    return OutputTrees(tmp_path / ".distillgen-cache", out_dir)


def count_new_files(monkeypatch) -> list[pathlib.Path]:
    """Every file the writer creates with new bytes (not a link), as it creates it."""
    created: list[pathlib.Path] = []
    real_write_bytes = files.write_bytes

    def counting(target, content):
        created.append(target)
        real_write_bytes(target, content)

    monkeypatch.setattr(files, "write_bytes", counting)
    return created


def test_through_the_twin_a_build_writes_only_what_changed(tmp_path, out_dir, monkeypatch):
    trees = twin_of(tmp_path, out_dir)
    plans = [site_plan("a", count=40), site_plan("b", count=40)]
    created = count_new_files(monkeypatch)
    write_output(plans[0], out_dir, trees=trees)
    assert len(created) == len(plans[0]) + 1  # and the marker
    for round_number in range(1, 5):
        plan = plans[round_number % 2]
        before = inodes(out_dir)
        created.clear()
        stats = write_output(plan, out_dir, trees=trees)
        assert tree_map(out_dir) == expected_map(plan)
        changed = {rel.as_posix() for rel in plan
                   if plans[(round_number + 1) % 2].get(rel) != plan[rel]}
        unchanged = {rel.as_posix() for rel in plan} - changed
        assert stats == WriteStats(written=len(changed), unchanged=len(unchanged), removed=1)
        # Only the first build writes new bytes; later ones find them in the twin (one
        # generation behind) and link the rest from the output.
        assert len(created) == (len(changed) if round_number == 1 else 0)
        after = inodes(out_dir)
        assert all(after[rel] == before[rel] for rel in unchanged)
        assert leftovers(out_dir) == []
    assert trees.twin.is_dir() and not trees.twin.with_name(trees.twin.name + ".writing").exists()


def test_an_identical_plan_through_the_twin_touches_nothing(tmp_path, out_dir):
    trees = twin_of(tmp_path, out_dir)
    write_output(site_plan("a"), out_dir, trees=trees)
    write_output(site_plan("b"), out_dir, trees=trees)
    before, folder = inodes(out_dir), out_dir.stat()
    stats = write_output(site_plan("b"), out_dir, trees=trees)
    assert stats.written == 0 and stats.removed == 0
    assert inodes(out_dir) == before
    assert (out_dir.stat().st_ino, out_dir.stat().st_mtime_ns) == (folder.st_ino,
                                                                   folder.st_mtime_ns)


def test_a_file_edited_in_the_output_or_the_twin_is_written_again(tmp_path, out_dir):
    trees = twin_of(tmp_path, out_dir)
    for version in ("a", "b"):
        write_output(site_plan(version), out_dir, trees=trees)
    (out_dir / "index.html").write_bytes(b"vandalised")  # in place: a new size and mtime
    (trees.twin / "blog/p1/page1.html").write_bytes(b"x")
    (trees.twin / "stray.txt").write_bytes(b"planted")
    for version in ("a", "b", "a"):
        write_output(site_plan(version), out_dir, trees=trees)
        assert tree_map(out_dir) == expected_map(site_plan(version))


def test_a_twin_left_dirty_by_a_killed_build_is_checked_in_full_once(tmp_path, out_dir):
    trees = twin_of(tmp_path, out_dir)
    for version in ("a", "b"):
        write_output(site_plan(version), out_dir, trees=trees)
    # A build killed while changing the twin: it is left named .writing, and one of its
    # files changed in a way its stat cannot show (same inode, size and time).
    damaged = trees.twin / "blog/p0/page0.html"
    info = damaged.stat()
    with damaged.open("r+b") as file:
        file.write(b"X")
    os.utime(damaged, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (damaged.stat().st_ino, damaged.stat().st_size, damaged.stat().st_mtime_ns) == (
        info.st_ino, info.st_size, info.st_mtime_ns)
    trees.twin.rename(trees.twin.with_name(trees.twin.name + ".writing"))
    write_output(site_plan("a"), out_dir, trees=trees)
    assert tree_map(out_dir) == expected_map(site_plan("a"))


def test_without_an_atomic_exchange_the_twin_still_gives_a_whole_site(tmp_path, out_dir,
                                                                       monkeypatch):
    monkeypatch.setattr(swap, "_renameat2", lambda: None)
    trees = twin_of(tmp_path, out_dir)
    for version in ("a", "b", "a"):
        write_output(site_plan(version), out_dir, trees=trees)
        assert tree_map(out_dir) == expected_map(site_plan(version))
        assert leftovers(out_dir) == []


TWIN_WRITER = TWO_PLANS + textwrap.dedent("""
    import pathlib, sys
    from distillgen.cache.trees import OutputTrees
    from distillgen.write import write_output

    out_dir = pathlib.Path(sys.argv[1])
    trees = OutputTrees(out_dir.parent / ".distillgen-cache", out_dir)
    round_number = 0
    while True:
        write_output(plans[round_number % 2], out_dir, trees=trees)
        if round_number == 0:
            print("ready", flush=True)
        round_number += 1
""")


@pytest.mark.slow
def test_kill_9_while_writing_through_the_twin_leaves_a_whole_site(tmp_path, out_dir):
    plans = killed_writer_plans()
    whole_sites = [expected_map(plan) for plan in plans]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    trees = twin_of(tmp_path, out_dir)
    rng = random.Random(20241202)
    outcomes = set()
    for _ in range(25):
        writer = subprocess.Popen([sys.executable, "-c", TWIN_WRITER, str(out_dir)],
                                  stdout=subprocess.PIPE, env=env, text=True)
        try:
            assert writer.stdout.readline() == "ready\n"
            threading.Event().wait(rng.uniform(0.0, 0.12))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            writer.stdout.close()
        assert tree_map(out_dir) in whole_sites
        outcomes.add(trees.twin.with_name(trees.twin.name + ".writing").exists())
        next_plan = plans[rng.randrange(2)]
        write_output(next_plan, out_dir, trees=trees)
        assert tree_map(out_dir) == expected_map(next_plan)
        assert leftovers(out_dir) == []
    assert True in outcomes, "no kill landed while the twin was being changed"
