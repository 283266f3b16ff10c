"""An output folder that is a mount point (a Docker volume, a tmpfs) cannot be renamed, so
the new tree is staged inside it and its top-level entries are exchanged one by one: each
entry flips atomically, the folder as a whole does not."""

from __future__ import annotations

import os
import pathlib
import re
import secrets
import shutil

# The package's own modules by their full names: ``from . import`` would name the
# package, whose __init__ imports this module.
import distillgen.write.files as files

from .swap import MountPoint, exchange

_INSIDE_PREFIX = ".distillgen-"


def inside(out_dir: pathlib.Path, kind: str) -> pathlib.Path:
    """A fresh hidden name inside a mount-point output folder: ``.distillgen-staging-1f2e...``."""
    return out_dir / f"{_INSIDE_PREFIX}{kind}-{secrets.token_hex(8)}"


def inside_names(out_dir: pathlib.Path) -> list[str]:
    """Names made by :func:`inside` that are in ``out_dir`` now."""
    return sorted(name for name in os.listdir(out_dir)
                  if name.startswith((f"{_INSIDE_PREFIX}staging-", f"{_INSIDE_PREFIX}old-")))


def recover_leftovers_inside(out_dir: pathlib.Path) -> None:
    """Delete what a killed in-place write left inside the folder (it is never restored: the
    entries it did not move yet are still the old ones)."""
    for name in inside_names(out_dir):
        shutil.rmtree(out_dir / name, ignore_errors=True)


def is_mount_point(path: pathlib.Path) -> bool:
    """Whether ``path`` is a mount point, bind mounts included (``os.path.ismount`` misses a
    bind mount of a folder of the same file system; /proc/self/mountinfo lists it)."""
    if not path.is_dir():
        return False
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", "rb") as table:
            mounted = {_unescape_mount(line.split()[4]) for line in table if line.count(b" ") > 4}
    except OSError:
        return False
    return os.fsencode(os.path.realpath(path)) in mounted


def same_mount(first: pathlib.Path, second: pathlib.Path) -> bool:
    """Whether two folders are on one mount (a rename or a hard link between them can
    work): the same device, and below the same mount point (two bind mounts of one file
    system share a device, yet refuse renames between them)."""
    try:
        if os.stat(first).st_dev != os.stat(second).st_dev:
            return False
        with open("/proc/self/mountinfo", "rb") as table:
            points = [_unescape_mount(line.split()[4]) for line in table if line.count(b" ") > 4]
    except OSError:
        return True  # no mount table to read: the device decides

    def mount_of(path: pathlib.Path) -> bytes:
        real = os.fsencode(os.path.realpath(path))
        return max((point for point in points
                    if real == point or real.startswith(point.rstrip(b"/") + b"/")), key=len,
                   default=b"/")

    return mount_of(first) == mount_of(second)


def _unescape_mount(field: bytes) -> bytes:
    """mountinfo writes space, tab, newline and backslash as octal escapes: ``\\040``."""
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), field)


def replace_entries(staging: pathlib.Path, out_dir: pathlib.Path) -> None:
    """Make the mount point ``out_dir`` hold the tree in ``staging`` (inside it), swapping each
    top-level entry atomically; old entries end up in folders that are then deleted."""
    trash = inside(out_dir, "old")
    files.make_dir(trash)
    try:
        new_names = sorted(os.listdir(staging))
        for name in new_names:
            new, current = staging / name, out_dir / name
            if not os.path.lexists(current):
                os.rename(new, current)
            elif not _exchange_inside(new, current):
                os.rename(current, trash / name)
                os.rename(new, current)
        wanted = set(new_names) | {staging.name, trash.name}
        for name in sorted(os.listdir(out_dir)):
            if name not in wanted:
                os.rename(out_dir / name, trash / name)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _exchange_inside(first: pathlib.Path, second: pathlib.Path) -> bool:
    """:func:`exchange` for two entries of one folder; False where it cannot be done."""
    try:
        return exchange(first, second)
    except MountPoint:
        return False
