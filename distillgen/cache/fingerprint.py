"""The no-change fast path: when no input file and no output file changed since the last
successful build, there is nothing to do.

The fingerprint must cover every file the build reads, or an edit goes unseen ("nothing
changed") and the site stays stale. So it takes more than the build needs, never less:

* every file under the site root, hidden ones included, except the output and cache folders
  and tools' folders (version control, ``node_modules``, Python environments: the same rule
  as the asset index, :func:`distillgen.assets.is_tool_folder`, which never looks inside them
  either); a tool folder that holds, or lies inside, the content, assets or templates folder
  is walked all the same;
* links are followed where the build follows them: a linked folder that stays inside the
  site is walked, and a linked file counts with its target's size and time as well as its
  own;
* the settings file, the bibliography and the post-local bibliographies the last build read,
  wherever they are; the theme shipped in the package; distillgen's code version and the
  build options.

Each file counts by path, size and modification time. Outputs are every file in the output
folder by path, size, modification time and inode, so a hand-edited or deleted output file is
noticed too. This is how make decides; an edit that keeps a file's size and its nanosecond
mtime goes unseen, and deleting ``.distillgen-cache/`` forces a full build.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..assets import is_tool_folder
from .store import Cache, CacheUnwritable, digest

if TYPE_CHECKING:
    from ..config import SiteConfig

MANIFEST_KEY = "0" * 16


def _row(relative: str, info: os.stat_result | None, with_inode: bool = False) -> bytes:
    """One file as bytes (a file name need not be valid UTF-8)."""
    if info is None:
        return os.fsencode(f"{relative}\0absent")
    row = f"{relative}\0{info.st_mode:o}\0{info.st_size}\0{info.st_mtime_ns}"
    if with_inode:
        row += f"\0{info.st_ino}"
    return os.fsencode(row)


def _stat(path: Path, follow: bool) -> os.stat_result | None:
    try:
        return os.stat(path, follow_symlinks=follow)
    except (OSError, ValueError):
        return None


def _input_files(root: Path, skip: set[Path], keep: list[Path]
                 ) -> Iterator[tuple[str, os.DirEntry]]:
    """(relative path, entry) of every file the fingerprint covers under ``root``, sorted by
    folder; ``keep`` are folders walked whole even inside a tool's folder."""
    real_root = os.path.realpath(root)
    seen: set[str] = set()
    pending = [(os.fspath(root), "", real_root)]
    while pending:
        folder, relative, real = pending.pop()
        if real in seen or not (real == real_root or real.startswith(real_root + os.sep)):
            continue
        seen.add(real)
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        folders = []
        for entry in entries:
            shown = f"{relative}{entry.name}"
            if _is_folder(entry):  # follows a link, like discovery of the content folder
                path = Path(entry.path)
                if path in skip or (is_tool_folder(path) and not _holds_kept(path, keep)):
                    continue
                real_folder = os.path.realpath(entry.path) if entry.is_symlink() else \
                    os.path.join(real, entry.name)
                folders.append((entry.path, shown + "/", real_folder))
            else:
                yield shown, entry
        pending.extend(reversed(folders))


def _is_folder(entry: os.DirEntry) -> bool:
    """A folder, or a link to one; a loop of links counts as a file (and is fingerprinted
    as one that cannot be read)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _holds_kept(folder: Path, keep: list[Path]) -> bool:
    return any(folder == k or folder in k.parents or k in folder.parents for k in keep)


def inputs_digest(config: SiteConfig, out_dir: Path, options: Any,
                  read_files: Iterable[str] = ()) -> str:
    """Everything a build reads, as sizes and times, with the code version and options.
    ``read_files``: further files the last build read (its post-local bibliographies), as
    paths relative to the root."""
    from .keys import code_version

    root = config.root.absolute()
    skip = {out_dir.absolute(), config.cache_path().absolute()}
    keep = [config.content_path(), root / "assets", root / "templates"]
    rows: list[bytes] = []
    for relative, entry in _input_files(root, skip, keep):
        rows.append(_row(relative, _entry_stat(entry)))
        if entry.is_symlink():
            rows.append(_row(relative + " ->", _stat(Path(entry.path), follow=True)))
    from ..bibliography.csl import is_style_file

    style = (config.csl,) if config.csl and is_style_file(config.csl) else ()
    named = sorted({"distillgen.toml", *config.bibliography_files(), *style, *read_files})
    rows += [_row("named:" + name, _stat(root / name, follow=True)) for name in named]
    for relative, entry in _input_files(THEME_DIR, set(), []):
        rows.append(_row("theme:" + relative, _entry_stat(entry)))
    return digest(code_version(), repr(options), *rows)


THEME_DIR = Path(__file__).resolve().parents[1] / "theme"
"""The built-in theme (as templates.py has it, without importing Jinja)."""


def _entry_stat(entry: os.DirEntry) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except (OSError, ValueError):
        return None


def outputs_digest(out_dir: Path) -> str:
    """The output folder as it is on disk now: every entry, links not followed."""
    rows: list[bytes] = []
    pending = [(os.fspath(out_dir), "")]
    while pending:
        folder, relative = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        folders = []
        for entry in entries:
            info = _entry_stat(entry)
            if info is not None and stat.S_ISDIR(info.st_mode):
                folders.append((entry.path, f"{relative}{entry.name}/"))
            else:
                rows.append(_row(relative + entry.name, info, with_inode=True))
        pending.extend(reversed(folders))
    return digest(*rows)


def _record(cache_dir: Path) -> dict | None:
    record = Cache(cache_dir, "manifest").get(MANIFEST_KEY)
    return record if isinstance(record, dict) else None


def read_files(cache_dir: Path) -> list[str]:
    """Further files the last build read (its post-local bibliographies)."""
    record = _record(cache_dir)
    files = record.get("read_files") if record else None
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def check(config: SiteConfig, out_dir: Path, options: Any) -> tuple[str, dict | None]:
    """The inputs' digest now, and the summary of the last build if neither its inputs nor
    its output changed since (else None)."""
    record = _record(config.cache_path())
    files = record.get("read_files") if record else None
    read = [f for f in files if isinstance(f, str)] if isinstance(files, list) else []
    inputs = inputs_digest(config, out_dir, options, read)
    if record is None or record.get("inputs") != inputs:
        return inputs, None
    if record.get("outputs") != outputs_digest(out_dir):
        return inputs, None
    summary = record.get("summary")
    return inputs, summary if isinstance(summary, dict) else None


def remember(cache_dir: Path, inputs: str, out_dir: Path, summary: dict,
             files: Iterable[str] = ()) -> None:
    """Record a successful build, after its output is in place. A cache that cannot take
    the record only costs the next build its fast path."""
    try:
        Cache(cache_dir, "manifest").put(MANIFEST_KEY, {
            "inputs": inputs, "outputs": outputs_digest(out_dir), "summary": summary,
            "read_files": sorted(files)})
    except CacheUnwritable:
        forget(cache_dir)


def forget(cache_dir: Path) -> None:
    """Drop the record (before a build that may fail or change the output)."""
    Cache(cache_dir, "manifest").prune(set())
