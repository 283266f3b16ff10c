"""Helpers the fault tests share: real file-system faults, made with mounts.

A small tmpfs gives a real ``ENOSPC``, a read-only bind mount a real ``EROFS``, and a tmpfs
mounted on the output folder a real mount point (``renameat2`` gives ``EBUSY``). Mounting
needs root (or a user namespace); where the system refuses, a test skips and says so, except
under ``CI=true``, where it fails instead: no test may skip there.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.sitekit import snapshot


def cannot(reason: str) -> None:
    """Skip with ``reason``, or fail under CI (where every test must run)."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason} (CI=true: this test may not skip)")
    pytest.skip(reason)


def _mount(*args: str) -> None:
    run = subprocess.run(["mount", *args], capture_output=True, text=True)
    if run.returncode != 0:
        cannot(f"`mount {' '.join(args[:-1])}` is not permitted here: {run.stderr.strip()}")


def _unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``64k``, ``3m``) mounted on ``path`` (created if missing)."""
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    try:
        yield path
    finally:
        _unmount(path)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """``path`` (a folder) made read-only by a bind mount of itself: every write under it
    gets ``EROFS``, even for root."""
    _mount("--bind", str(path), str(path))
    try:
        _mount("-o", "remount,bind,ro", str(path))
        yield path
    finally:
        _unmount(path)


@contextlib.contextmanager
def bind(source: Path, target: Path) -> Iterator[Path]:
    """``source`` bind-mounted on ``target``: a mount point that ``os.path.ismount`` misses."""
    target.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(source), str(target))
    try:
        yield target
    finally:
        _unmount(target)


@contextlib.contextmanager
def immutable(path: Path, *, recursive: bool = False) -> Iterator[Path]:
    """``path`` (a folder, and everything in it with ``recursive``) made immutable
    (``chattr +i``): nothing in it can be created, renamed or deleted, even by root
    (``EPERM``)."""
    flags = ["-R"] if recursive else []
    run = subprocess.run(["chattr", *flags, "+i", str(path)], capture_output=True, text=True)
    if run.returncode != 0:
        cannot(f"`chattr +i` is not supported here: {run.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["chattr", *flags, "-i", str(path)], capture_output=True, check=False)


def whole_tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, hidden ones and links included."""
    return snapshot(folder)
