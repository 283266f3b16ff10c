"""Reading the Markdown files: only the ones that changed since the last build.

Every file's stat signature is compared with the site index; an unchanged file keeps its
parsed front matter from the index and is not read at all. The others are read, decoded and
parsed, in worker processes when there are many (a cold build), and their bodies kept for
rendering.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .cache import keys
from .cache.index import SiteIndex, SourceRecord
from .discover import find_sources, read_source
from .errors import Diagnostic
from .front_matter import parse_post
from .model import Post
from .parallel import run_chunks
from .settings import StageSettings


def signature(path: Path) -> tuple[int, ...] | None:
    """What tells an edited file from an unchanged one without reading it."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


@dataclass(frozen=True)
class ReadSources:
    """Every Markdown file: its record (new or from the index), and the whole parsed post of
    each file that was read (the others are in the index without their bodies)."""

    records: dict[str, SourceRecord]
    bodies: dict[str, Post]
    read: int
    """Files read and parsed; the others came from the index."""
    found: tuple[list[tuple[str, Path]], list[Diagnostic]]
    """Every Markdown file (site path, path) and the problems finding them."""


@dataclass(frozen=True)
class _ParseWork:
    settings: StageSettings


def read_sources(root: Path, config, settings: StageSettings, index: SiteIndex,
                 diagnostics: list[Diagnostic], workers: int,
                 found: tuple[list[tuple[str, Path]], list[Diagnostic]] | None = None
                 ) -> ReadSources:
    """Every Markdown file of the content folder, read only where it changed. ``found``:
    the files and problems of a walk of the content folder that still holds (the dev
    server knows no file was added or deleted since)."""
    files, problems = found if found is not None else find_sources(config)
    diagnostics.extend(problems)
    records: dict[str, SourceRecord] = {}
    to_read: list[tuple[str, Path, tuple[int, ...] | None]] = []
    for site_path, path in files:
        sig = signature(path)
        known = index.sources.get(site_path)
        if sig is not None and known is not None and known.signature == sig:
            records[site_path] = known
        else:
            to_read.append((site_path, path, sig))
    bodies: dict[str, Post] = {}
    results = run_chunks(_parse_chunk, to_read, workers=workers,
                         shared=_ParseWork(settings))
    for (site_path, _path, _sig), (record, post) in zip(to_read, results, strict=True):
        if record is None:
            continue
        records[site_path] = record
        if post is not None:
            bodies[site_path] = post
    for record in records.values():
        diagnostics.extend(record.diagnostics)
    return ReadSources(records, bodies, len(to_read), (files, problems))


def parse_one(site_path: str, path: Path, sig: tuple[int, ...] | None, work: _ParseWork
              ) -> tuple[SourceRecord | None, Post | None]:
    """Read and parse one file: its record (None if it could not be read: its problems are
    reported each time) and the whole post."""
    problems: list[Diagnostic] = []
    source = read_source(path, site_path, problems)
    if source is None or sig is None:
        return SourceRecord(sig or (), "", None, tuple(problems), ""), None
    post, found = parse_post(source, work.settings.parse)
    problems += found
    post_digest = keys.post_digest(post) if post else ""
    record = SourceRecord(sig, keys.source_key(site_path, source.text, work.settings.parse),
                          _without_body(post), tuple(problems), post_digest)
    return record, post


def _parse_chunk(chunk: Sequence[tuple[str, Path, tuple[int, ...] | None]], work: _ParseWork
                 ) -> list[tuple[SourceRecord | None, Post | None]]:
    return [parse_one(site_path, path, sig, work) for site_path, path, sig in chunk]


def _without_body(post: Post | None) -> Post | None:
    return dataclasses.replace(post, body="") if post is not None else None


def reread(root: Path, site_path: str, settings: StageSettings
           ) -> tuple[Post | None, tuple[Diagnostic, ...]]:
    """The whole post of an unchanged file, read again to render it again (a cited entry
    changed, or a setting). A file edited meanwhile is taken as it is now (the next build
    sees the edit too); one that no longer parses gives its diagnostics."""
    path = root / site_path
    record, post = parse_one(site_path, path, signature(path), _ParseWork(settings))
    return post, record.diagnostics if record is not None else ()
