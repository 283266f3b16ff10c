"""Reading ``.bib`` files: decoding, caching, and merging several into one lookup.

A file's bytes are parsed once per process and once per on-disk cache across builds. When a
site or a post lists several files, they are searched in the order given; a key defined in
two of them is a warning naming both, and the first definition wins (as in pandoc, where
the first bibliography's entry is used).
"""

from __future__ import annotations

import hashlib
import pathlib
import threading
from collections.abc import Iterable, Mapping

from ..cache.keys import bibliography_key
from ..errors import Diagnostic, SourceLocation, error, sort_diagnostics, warning
from ..text import decode_leniently
from .model import Bibliography, Entry
from .parse import parse_bibliography
from .raw import shown

__all__ = ["load_bibliography", "merge_entries"]

_CACHE: dict[tuple[str, str], Bibliography] = {}
_CACHE_LIMIT = 32
_CACHE_LOCK = threading.Lock()


def load_bibliography(file: pathlib.Path, display_path: str, disk_cache=None,
                      code_version: str = "") -> Bibliography:
    """Read a ``.bib`` (UTF-8) and parse it; the same bytes are parsed once per process, and
    once per ``disk_cache`` (a :class:`distillgen.cache.Cache`) across builds.

    Bytes that are not UTF-8 are a located ``bad-encoding`` error (the file is still parsed
    with them replaced, so its other problems show too); an unreadable file is a
    ``missing-bibliography`` error.
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        problem = error("missing-bibliography",
                        f"cannot read the bibliography: {exc.strerror or exc}",
                        SourceLocation(display_path, 1, 1))
        return Bibliography(display_path, {}, (problem,))
    cache_key = (hashlib.sha256(data).hexdigest(), display_path)
    with _CACHE_LOCK:
        cached = _CACHE.get(cache_key)
    if cached is not None:
        return cached
    disk_key = bibliography_key(code_version, display_path, data)
    bibliography = disk_cache.get(disk_key) if disk_cache is not None else None
    if not isinstance(bibliography, Bibliography):
        bibliography = _parse_bytes(data, display_path)
        if disk_cache is not None:
            disk_cache.put(disk_key, bibliography)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[cache_key] = bibliography
    return bibliography


def merge_entries(bibliographies: Iterable[Bibliography]
                  ) -> tuple[dict[str, Entry], list[Diagnostic]]:
    """One lookup over several files, searched in order: key -> entry, and a warning for
    every key an earlier file already defines (keys differing only in case included)."""
    merged: dict[str, Entry] = {}
    seen: dict[str, tuple[Entry, str]] = {}
    problems: list[Diagnostic] = []
    for bibliography in bibliographies:
        for key, entry in bibliography.entries.items():
            first = seen.get(key.casefold())
            if first is not None:
                earlier, path = first
                problems.append(warning(
                    "duplicate-bib-key",
                    f"key `{shown(key)}` is also defined in {path} (line "
                    f"{earlier.location.line}): the entry there is used",
                    entry.location,
                    "bibliographies are searched in the order they are listed; rename or "
                    "delete one of the two entries",
                ))
                continue
            seen[key.casefold()] = (entry, bibliography.path)
            merged[key] = entry
    return merged, problems


def strings_of(bibliographies: Iterable[Bibliography]) -> Mapping[str, str]:
    """Every ``@string`` definition, the first of each name winning."""
    strings: dict[str, str] = {}
    for bibliography in bibliographies:
        for name, definition in bibliography.strings.items():
            strings.setdefault(name, definition)
    return strings


def _parse_bytes(data: bytes, display_path: str) -> Bibliography:
    """The rules of :mod:`distillgen.text` for encodings and for characters no page or feed
    may hold, as for every other input: located errors, and the rest of the file still read."""
    text, problems = decode_leniently(data, display_path)
    parsed = parse_bibliography(text, display_path)
    if not problems:
        return parsed
    diagnostics = tuple(sort_diagnostics((*parsed.diagnostics, *problems)))
    return Bibliography(display_path, parsed.entries, diagnostics, parsed.strings)
