"""Diagnostics about the site as a whole, for the mistakes a new site makes first.

* A ``build`` whose ``base_url`` is still the local default warns: feeds, canonical links,
  the sitemap and "Cite this post" would point at this machine (``serve`` never warns).
* Citations with no bibliography file say so: the hint of every unknown citation names the
  file that was looked for and how to point ``bibliography`` at another one (a Google Scholar
  download saved as ``scholar.bib`` is the usual case); a ``bibliography`` written in
  ``distillgen.toml`` that does not exist is an error of its own. A key that is in another
  ``.bib`` of the site, one the build does not read, gets a hint naming that file.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import urlsplit

from .config import CONFIG_FILE, SiteConfig, setting_location
from .errors import Diagnostic, SourceLocation, error, warning
from .text import decode_leniently

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "0.0.0.0"})


def _setting(root: Path, key: str) -> tuple[bool, SourceLocation]:
    """Whether ``key`` is written in distillgen.toml, and where: the key, else the file
    itself (where it would go, even when there is no file yet)."""
    where = setting_location(root, key, at_value=False)
    return (True, where) if where else (False, SourceLocation(CONFIG_FILE, 1, 1))


def base_url_warning(config: SiteConfig, overridden: bool = False) -> list[Diagnostic]:
    """A warning when the site would be published with a local ``base_url``."""
    host = (urlsplit(config.base_url).hostname or "").lower()
    if host not in LOCAL_HOSTS and not host.startswith("127."):
        return []
    where = None if overridden else _setting(config.root, "base_url")[1]
    return [warning(
        "default-base-url",
        f"`base_url` is {config.base_url}, so the feed, canonical links, the sitemap and "
        "\"Cite this post\" point at this machine",
        where,
        'set base_url = "https://you.github.io/blog/" in distillgen.toml, or build with '
        "--base-url URL to deploy (`distillgen serve` needs neither)")]


def missing_bibliography(config: SiteConfig, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` with unknown-citation hints that say why, when the reason is the
    bibliography file: the site has none (plus an error when distillgen.toml names a file that
    does not exist), or the key is in another ``.bib`` of the site that is not in use (a
    Google Scholar download saved beside ``references.bib``)."""
    if config.bibliography_path().is_file():
        return _keys_elsewhere(config, diagnostics)
    written, where = _setting(config.root, "bibliography")
    name = config.bibliography_files()[0]
    others = _bib_files(config)
    if others and written:
        advice = f'set bibliography = "{others[0]}" in {CONFIG_FILE}'
    elif others:
        advice = (f'rename `{others[0]}` to `{name}`, or set bibliography = "{others[0]}" in '
                  f"{CONFIG_FILE}")
    else:
        advice = (f"save your BibTeX as `{name}` in the site folder, or point `bibliography` "
                  f'at another file in {CONFIG_FILE}: bibliography = "papers.bib"')
    hint = f"there is no bibliography: `{name}` was not found; {advice}"
    changed = [dataclasses.replace(d, hint=hint) if d.code == "unknown-citation" else d
               for d in diagnostics]
    if written:
        changed.append(error("missing-bibliography", f"bibliography file not found: `{name}`",
                             where, advice if others else "the path is relative to " + CONFIG_FILE))
    return changed


_UNKNOWN_KEY = re.compile(r"unknown citation key `(.+?)`")


def _keys_elsewhere(config: SiteConfig, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """An unknown key that another .bib of the site holds gets a hint naming that file."""
    unknown = {id(d) for d in diagnostics if d.code == "unknown-citation"}
    if not unknown:
        return diagnostics
    texts = {}
    for other in _bib_files(config):
        if other in config.bibliography_files():
            continue
        try:
            texts[other] = decode_leniently((config.root / other).read_bytes(), other)[0]
        except OSError:
            continue
    hints: dict[str, str | None] = {}
    changed = []
    for diagnostic in diagnostics:
        match = _UNKNOWN_KEY.search(diagnostic.message) if id(diagnostic) in unknown else None
        if match is None:
            changed.append(diagnostic)
            continue
        key = match.group(1)
        if key not in hints:
            entry = re.compile(rf"@\s*\w+\s*[{{(]\s*{re.escape(key)}\s*,")
            found = next((name for name, text in texts.items() if entry.search(text)), None)
            hints[key] = None if found is None else (
                f"`{key}` is in `{found}`, which this site does not read: paste the entry into "
                f'`{config.bibliography_files()[0]}`, or set bibliography = "{found}" in '
                f"{CONFIG_FILE}")
        hint = hints[key]
        changed.append(diagnostic if hint is None else dataclasses.replace(diagnostic, hint=hint))
    return changed


def _bib_files(config: SiteConfig) -> list[str]:
    """``.bib`` files in the site folder and its first level of folders, nearest first."""
    root = config.root
    skip = {config.output_dir, ".distillgen-cache"}
    found = sorted(p.name for p in root.glob("*.bib") if p.is_file())
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name.startswith(".") or folder.name in skip:
            continue
        found += sorted(p.relative_to(root).as_posix() for p in folder.glob("*.bib")
                        if p.is_file())
    return found
