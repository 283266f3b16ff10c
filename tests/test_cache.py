"""Cache: whatever happened to the files on disk, get() answers the stored value or None."""

from __future__ import annotations

import os
import pathlib
import pickle
import random
import signal
import subprocess
import sys
import textwrap
import threading
import types

import pytest

from distillgen import cache as cache_module
from distillgen.cache import Cache, digest

REPO_ROOT = pathlib.Path(cache_module.__file__).resolve().parents[1]
KEY = "0123456789abcdef" * 4
OTHER_KEY = "fedcba9876543210" * 4


@pytest.fixture
def cache_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / ".distillgen-cache"


@pytest.fixture
def cache(cache_dir: pathlib.Path) -> Cache:
    return Cache(cache_dir, "render")


def entry_path(cache_dir: pathlib.Path, key: str, namespace: str = "render") -> pathlib.Path:
    return cache_dir / namespace / key[:2] / key


def test_roundtrip(cache, cache_dir):
    value = {"html": "<p>é</p>", "numbers": [1, 2.5, None], "nested": ("a", frozenset({1}))}
    assert cache.get(KEY) is None
    cache.put(KEY, value)
    assert cache.get(KEY) == value
    assert entry_path(cache_dir, KEY).is_file()
    assert Cache(cache_dir, "render").get(KEY) == value  # another process, same folder


def test_put_replaces_the_previous_value(cache):
    cache.put(KEY, "first")
    cache.put(KEY, "second")
    assert cache.get(KEY) == "second"


def test_namespaces_are_separate(cache_dir):
    Cache(cache_dir, "render").put(KEY, "rendered")
    Cache(cache_dir, "bib").put(KEY, "bibliography")
    assert Cache(cache_dir, "render").get(KEY) == "rendered"
    assert Cache(cache_dir, "bib").get(KEY) == "bibliography"


def test_cache_folder_is_tagged_for_backup_tools_and_git(cache, cache_dir):
    cache.put(KEY, 1)
    tag = (cache_dir / "CACHEDIR.TAG").read_bytes()
    assert tag.startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache_dir / ".gitignore").read_text() == "*\n"


def test_nothing_is_created_before_the_first_put(cache, cache_dir):
    assert cache.get(KEY) is None
    cache.prune(set())
    assert not cache_dir.exists()


def damaged(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF])


@pytest.mark.parametrize("damage", [
    pytest.param(damaged, id="flipped-byte"),
    pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
    pytest.param(lambda data: data[:5], id="truncated-in-header"),
    pytest.param(lambda data: b"", id="empty"),
    pytest.param(lambda data: b"garbage" * 50, id="garbage"),
    pytest.param(lambda data: data[:8] + b"\x00\x63" + data[10:], id="other-version"),
    pytest.param(lambda data: b"X" + data[1:], id="bad-magic"),
])
def test_a_damaged_entry_reads_as_missing_and_is_removed(cache, cache_dir, damage):
    cache.put(KEY, {"value": list(range(100))})
    path = entry_path(cache_dir, KEY)
    path.write_bytes(damage(path.read_bytes()))
    assert cache.get(KEY) is None
    assert not path.exists()
    cache.put(KEY, "fresh")
    assert cache.get(KEY) == "fresh"


def test_damage_that_still_unpickles_is_caught_by_the_checksum(cache, cache_dir):
    cache.put(KEY, b"x" * 1000)
    path = entry_path(cache_dir, KEY)
    data = bytearray(path.read_bytes())
    data[-500] ^= 0x01  # inside the bytes value: the pickle still loads, wrongly
    path.write_bytes(bytes(data))
    payload_size = len(pickle.dumps(b"x" * 1000, protocol=5))
    wrong_value = pickle.loads(bytes(data[-payload_size:]))
    assert len(wrong_value) == 1000 and wrong_value.count(b"y") == 1
    assert cache.get(KEY) is None


def test_an_entry_of_another_namespace_is_not_accepted(cache_dir):
    Cache(cache_dir, "render").put(KEY, "from render")
    copied = entry_path(cache_dir, KEY, "other")
    copied.parent.mkdir(parents=True)
    copied.write_bytes(entry_path(cache_dir, KEY).read_bytes())
    assert Cache(cache_dir, "other").get(KEY) is None
    assert not copied.exists()


def test_a_pickle_that_no_longer_loads_reads_as_missing(cache, cache_dir):
    module = types.ModuleType("vanishing_module_for_cache_test")

    class Gone:
        pass

    Gone.__module__ = module.__name__
    Gone.__qualname__ = "Gone"
    module.Gone = Gone
    sys.modules[module.__name__] = module
    try:
        cache.put(KEY, Gone())
    finally:
        del sys.modules[module.__name__]
    assert cache.get(KEY) is None
    assert not entry_path(cache_dir, KEY).exists()


def test_planted_symlink_or_fifo_is_not_followed(cache, cache_dir, tmp_path):
    cache.put(KEY, "real")
    path = entry_path(cache_dir, KEY)
    target = tmp_path / "target"
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)
    assert cache.get(KEY) is None
    assert not path.is_symlink()
    assert target.exists()

    fifo = entry_path(cache_dir, OTHER_KEY)
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    assert cache.get(OTHER_KEY) is None  # must not hang waiting for a writer
    assert not fifo.exists()


@pytest.mark.parametrize("bad_key", ["", "abc", "0123456789ABCDEF", "../" + KEY, KEY + "0",
                                     "0123456789abcdeg"])
def test_bad_keys_are_refused(cache, bad_key):
    with pytest.raises(ValueError):
        cache.get(bad_key)
    with pytest.raises(ValueError):
        cache.put(bad_key, 1)


@pytest.mark.parametrize("bad_namespace", ["", "../x", "a/b", ".hidden", "CACHEDIR.TAG"])
def test_bad_namespaces_are_refused(cache_dir, bad_namespace):
    with pytest.raises(ValueError):
        Cache(cache_dir, bad_namespace)


def test_temp_files_of_a_killed_writer_are_ignored_and_pruned(cache, cache_dir):
    cache.put(KEY, "whole")
    shard = entry_path(cache_dir, KEY).parent
    (shard / ".tmp-abandoned").write_bytes(b"DGCACHE\0 half a wri")
    assert cache.get(KEY) == "whole"
    cache.prune({KEY})
    assert sorted(p.name for p in shard.iterdir()) == [KEY]


def test_prune_keeps_only_what_is_asked_for(cache_dir):
    render = Cache(cache_dir, "render")
    keys = [digest("post", str(number)) for number in range(6)]
    for key in keys:
        render.put(key, key)
    other = Cache(cache_dir, "other")
    other.put(KEY, "untouched")

    render.prune(set(keys[:2]))
    assert [render.get(key) for key in keys] == keys[:2] + [None] * 4
    assert other.get(KEY) == "untouched"
    shards = {path.name for path in (cache_dir / "render").iterdir()}
    assert shards == {key[:2] for key in keys[:2]}
    assert (cache_dir / "CACHEDIR.TAG").exists()


def test_digest_separates_its_parts():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a", "") != digest("a")
    assert digest("é") == digest("é".encode())
    assert digest(b"x", "y") == digest(b"x", "y")
    assert len(digest()) == 64
    assert all(character in "0123456789abcdef" for character in digest("x"))


def test_a_value_that_cannot_be_pickled_is_an_error_and_leaves_nothing(cache, cache_dir):
    cache.put(KEY, "old")
    with pytest.raises((pickle.PicklingError, TypeError, AttributeError)):
        cache.put(KEY, lambda: None)
    assert cache.get(KEY) == "old"
    assert [p.name for p in entry_path(cache_dir, KEY).parent.iterdir()] == [KEY]


KILLED_WRITER = textwrap.dedent("""
    import pathlib, sys
    from distillgen.cache import Cache

    cache = Cache(pathlib.Path(sys.argv[1]), "render")
    values = [b"a" * 3_000_000, b"b" * 2_000_000]
    round_number = 0
    while True:
        cache.put(sys.argv[2], values[round_number % 2])
        if round_number == 0:
            print("ready", flush=True)
        round_number += 1
""")


def test_a_killed_writer_never_leaves_a_partial_entry(cache_dir):
    whole_values = {b"a" * 3_000_000, b"b" * 2_000_000}
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    rng = random.Random(7)
    reader = Cache(cache_dir, "render")
    for _ in range(10):
        writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(cache_dir), KEY],
                                  stdout=subprocess.PIPE, env=env, text=True)
        try:
            assert writer.stdout.readline() == "ready\n"
            threading.Event().wait(rng.uniform(0.0, 0.05))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            writer.stdout.close()
        assert reader.get(KEY) in whole_values
    reader.prune({KEY})
    assert [p.name for p in entry_path(cache_dir, KEY).parent.iterdir()] == [KEY]


def test_a_pages_folder_another_worker_just_made_is_used(tmp_path: pathlib.Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes of a cold build start together: the one that finds no pages folder
    may see it made by another before its own mkdir, and must use it, not give up on the
    cache (which made the whole build start again without one)."""
    from distillgen.cache.blobs import BlobStore

    first, second = BlobStore(tmp_path), BlobStore(tmp_path)
    real_lstat = os.lstat
    raced: list[str] = []

    def late_lstat(path, *args, **kwargs):
        if pathlib.Path(path) == second.folder and not raced:
            raced.append(str(path))
            first.put(b"made by the other worker")  # it makes the folder meanwhile
            raise FileNotFoundError(path)
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", late_lstat)
    name = second.put(b"mine")
    assert raced and second.read(name) == b"mine"
