"""Faults while writing the site are located errors, exit 1, no traceback, the old site
intact; and an output folder that is a mount point builds.

The faults are real where the system allows: a full tmpfs (``ENOSPC``), a read-only bind
mount (``EROFS``), a tmpfs or a bind mount as the output folder (``renameat2`` gives
``EBUSY``). What cannot be made real as root (``EACCES``) is made in-process.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path, PurePosixPath

import pytest

from distillgen.write import MARKER, OutputError, files, mount, write_output
from tests.faults.faultkit import bind, immutable, read_only, tmpfs, whole_tree
from tests.hostile.sitekit import run_build, unlocated_lines, write_files

POST = "---\ntitle: {title}\npubDate: 2024-01-0{day}\n---\nText of {title}.\n"
P = PurePosixPath


def _site(root: Path) -> Path:
    return write_files(root, {"content/blog/a.md": POST.format(title="A", day=1),
                              "content/blog/b.md": POST.format(title="B", day=2)})


def _edit(root: Path, title: str) -> None:
    (root / "content" / "blog" / "b.md").write_text(POST.format(title=title, day=2))


def _hidden_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")
                  and p.name not in (MARKER, ".distillgen-cache"))


def test_a_full_disk_while_writing_is_a_located_error_and_the_old_site_stays(tmp_path: Path):
    root = _site(tmp_path / "blog")
    with tmpfs(tmp_path / "small", "3m") as disk:
        first = run_build(root, "--output", str(disk / "site"))
        assert first.returncode == 0, first.stderr
        before = whole_tree(disk / "site")
        write_files(root, {"assets/big.bin": os.urandom(3_500_000)})
        _edit(root, "B2")
        run = run_build(root, "--output", str(disk / "site"))
        assert run.returncode == 1
        assert f"{disk / 'site'}:1:1: error[write-failed]: cannot write the site to " \
               f"{disk / 'site'}: the disk is full" in run.stderr
        assert "  hint: free some space and build again" in run.stderr
        assert unlocated_lines(run.stderr) == []
        assert whole_tree(disk / "site") == before
        assert sorted(p.name for p in disk.iterdir()) == ["site"]  # no staging left behind


def test_a_read_only_output_folder_is_a_located_error(tmp_path: Path):
    root = _site(tmp_path / "blog")
    assert run_build(root, "--output", "ro/site").returncode == 0
    before = whole_tree(root / "ro")
    _edit(root, "B2")
    with read_only(root / "ro"):
        run = run_build(root, "--output", "ro/site")
    assert run.returncode == 1
    assert "ro/site:1:1: error[write-failed]: cannot write the site to ro/site: the file " \
           "system is read-only" in run.stderr
    assert unlocated_lines(run.stderr) == []
    assert whole_tree(root / "ro") == before


@pytest.mark.parametrize("frozen", ["the folder holding it", "the output folder"])
def test_an_immutable_output_is_a_located_error(tmp_path: Path, frozen: str):
    root = _site(tmp_path / "blog")
    with tmpfs(root / "out", "4m") as disk:  # chattr needs a file system that has it
        assert run_build(root, "--output", "out/site").returncode == 0
        before = whole_tree(disk)
        _edit(root, "B2")
        with immutable(disk if frozen == "the folder holding it" else disk / "site"):
            run = run_build(root, "--output", "out/site")
        assert run.returncode == 1
        assert "out/site:1:1: error[write-failed]: cannot write the site to out/site: the " \
               "operation is not permitted" in run.stderr
        assert "(lsattr: an immutable folder cannot change)" in run.stderr
        assert unlocated_lines(run.stderr) == []
        assert whole_tree(disk) == before


def test_permission_denied_is_a_located_error(tmp_path: Path, monkeypatch):
    """Root ignores permissions, so the refusal is made in-process."""
    write_output({P("index.html"): b"old"}, tmp_path / "site")

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(files, "make_dir", refused)
    with pytest.raises(OutputError) as caught:
        write_output({P("index.html"): b"new"}, tmp_path / "site")
    assert caught.value.code == "write-failed"
    assert caught.value.message.endswith(": permission denied")
    assert (tmp_path / "site" / "index.html").read_bytes() == b"old"


def test_a_240_character_output_folder_builds(tmp_path: Path):
    name = "o" * 240
    root = _site(tmp_path / "blog")
    (root / "distillgen.toml").write_text(f'output_dir = "{name}"\n')
    for title in ("B", "B2"):
        _edit(root, title)
        run = run_build(root)
        assert run.returncode == 0, run.stderr
        assert title.encode() in (root / name / "blog" / "b" / "index.html").read_bytes()
    assert _hidden_leftovers(root) == []


def test_an_output_path_beyond_path_max_is_a_located_error(tmp_path: Path):
    root = _site(tmp_path / "blog")
    deep = "/".join(["d" * 200] * 22)
    run = run_build(root, "--output", deep)
    assert run.returncode == 1
    assert "error[write-failed]: cannot write the site to " in run.stderr
    assert "a file name or path is too long for the file system" in run.stderr
    assert unlocated_lines(run.stderr) == []


def test_an_output_folder_that_is_a_mount_point_builds_and_rebuilds(tmp_path: Path):
    root = _site(tmp_path / "blog")
    with tmpfs(root / "site", "8m") as site:
        first = run_build(root)
        assert first.returncode == 0, first.stderr
        assert (site / MARKER).is_file()
        kept = (site / "blog" / "a" / "index.html").stat().st_ino
        (site / "stray.txt").write_text("left over")
        _edit(root, "B2")
        second = run_build(root)
        assert second.returncode == 0, second.stderr
        assert b"B2" in (site / "blog" / "b" / "index.html").read_bytes()
        assert (site / "blog" / "a" / "index.html").stat().st_ino == kept  # hard-linked
        assert not (site / "stray.txt").exists()
        assert _hidden_leftovers(site) == []
        third = run_build(root)
        assert "(nothing changed)" in third.stdout


def test_a_bind_mount_output_folder_builds(tmp_path: Path):
    """A bind mount of a folder of the same file system: ``os.path.ismount`` says no."""
    root = _site(tmp_path / "blog")
    (tmp_path / "volume").mkdir()
    with bind(tmp_path / "volume", root / "site"):
        assert not os.path.ismount(root / "site")
        for title in ("B", "B2"):
            _edit(root, title)
            run = run_build(root)
            assert run.returncode == 0, run.stderr
        assert b"B2" in (tmp_path / "volume" / "blog" / "b" / "index.html").read_bytes()
        assert _hidden_leftovers(root / "site") == []


def test_a_mount_point_the_checks_miss_falls_back_when_the_exchange_is_busy(tmp_path: Path,
                                                                           monkeypatch):
    """``renameat2`` answers EBUSY; the writer then writes inside the folder."""
    monkeypatch.setattr(mount, "is_mount_point", lambda path: False)
    with tmpfs(tmp_path / "site", "4m") as site:
        write_output({P("index.html"): b"one", P("a/x.html"): b"x"}, site)
        stats = write_output({P("index.html"): b"two", P("b/y.html"): b"y"}, site)
        assert stats.written == 2 and stats.removed == 1
        assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == [
            MARKER, "b", "b/y.html", "index.html"]
        assert (site / "index.html").read_bytes() == b"two"


def test_leftovers_of_a_killed_write_inside_a_mount_point_are_removed(tmp_path: Path):
    with tmpfs(tmp_path / "site", "4m") as site:
        write_output({P("index.html"): b"one"}, site)
        (site / ".distillgen-staging-0123456789abcdef" / "half").mkdir(parents=True)
        (site / ".distillgen-old-0123456789abcdef").mkdir()
        write_output({P("index.html"): b"two"}, site)
        assert sorted(p.name for p in site.iterdir()) == [MARKER, "index.html"]


def test_a_file_to_copy_from_inside_the_output_folder_is_refused(tmp_path: Path):
    out = tmp_path / "site"
    write_output({P("index.html"): b"old"}, out)
    with pytest.raises(OutputError, match="inside the output folder itself"):
        write_output({P("copy.html"): out / "index.html"}, out)
    assert (out / "index.html").read_bytes() == b"old"


def test_a_fifo_to_copy_is_refused_without_blocking(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(OutputError, match="is not a regular file"):
        write_output({P("pipe.png"): tmp_path / "pipe.png"}, tmp_path / "site")
    assert not (tmp_path / "site").exists()
