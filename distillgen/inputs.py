"""What a build reads besides the Markdown: every bibliography and CSL style, checked
addresses, the feed.

Each function takes plain data and reports problems as diagnostics; the build's stages
(:mod:`distillgen.stages`) call them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import errors
from .assemble import newest_first
from .bibliography import Bibliography, merge_entries
from .bibliography import load_bibliography as read_bib
from .bibliography.csl import CslStyle, find_style, locale_for
from .bibliography.csl import parsed_style as csl_parse
from .cache import Cache
from .cache.keys import code_version
from .config import SiteConfig
from .errors import Diagnostic, SourceLocation
from .model import Post
from .render import local_bib_paths, post_style_key


def feed_sources(config: SiteConfig, posts: list[Post]) -> frozenset[str]:
    """The posts ``feed.xml`` will carry in full: the newest ``feed_limit`` ones."""
    newest = sorted((p for p in posts if not p.is_page), key=newest_first)
    return frozenset(p.source_path for p in newest[: config.feed_limit or len(newest)])


def check_unique_urls(posts: list[Post], diagnostics: list[Diagnostic]) -> list[Post]:
    """Two posts may not write the same page; the second one is reported."""
    seen: dict[str, Post] = {}
    unique = []
    for post in posts:
        key = str(post.url_path)
        if key in seen:
            diagnostics.append(errors.error(
                "duplicate-slug",
                f"`{post.source_path}` and `{seen[key].source_path}` both publish `{key}/`",
                SourceLocation(post.source_path, 1, 1),
                hint="give one of them a different `slug:` in its front matter"))
            continue
        seen[key] = post
        unique.append(post)
    return unique


def load_bibliographies(config: SiteConfig, posts: list[Post], diagnostics: list[Diagnostic],
                        cache: Cache | None = None) -> tuple[Bibliography | None,
                                                             dict[str, Bibliography]]:
    """The site's bibliography (its files merged in order, if any exist) and every
    post-local .bib, each file parsed once; a key defined in two files of one list is a
    warning naming both."""

    def load_bibliography(file: Path, display: str) -> Bibliography:
        return read_bib(file, display, cache, code_version())

    site_files = []
    for index, path in enumerate(config.bibliography_paths()):
        if path.is_file():
            site_files.append(load_bibliography(path, _display(config, path)))
            diagnostics.extend(site_files[-1].diagnostics)
        elif index > 0:  # the first file's absence is explained by advice.missing_bibliography
            diagnostics.append(errors.error(
                "missing-bibliography", f"bibliography file not found: `{_display(config, path)}`",
                _setting_location(config, "bibliography"),
                hint="`bibliography` in distillgen.toml is relative to the site folder"))
    site_bib = _merged(site_files, diagnostics)
    local: dict[str, Bibliography] = {}
    lists_seen: set[tuple[str, ...]] = set()
    for post in posts:
        found = []
        for written, display in zip(post.meta.bibliography, local_bib_paths(post), strict=True):
            # Keyed by the path as written (normalised), which is how rendering looks it up.
            if display not in local:
                bibliography = _load_local(config, post, written, display, load_bibliography,
                                           diagnostics)
                if bibliography is None:
                    continue
                local[display] = bibliography
            found.append(local[display])
        paths = tuple(bibliography.path for bibliography in found)
        if len(found) > 1 and paths not in lists_seen:
            lists_seen.add(paths)
            diagnostics.extend(merge_entries(found)[1])
    return site_bib, local


def _load_local(config: SiteConfig, post: Post, written: str, display: str,
                load: Callable[[Path, str], Bibliography], diagnostics: list[Diagnostic]
                ) -> Bibliography | None:
    bib_path = config.root / display
    if not bib_path.resolve().is_relative_to(config.root.resolve()):
        diagnostics.append(errors.error(
            "outside-site", f"`{written}` leads outside the site folder",
            SourceLocation(post.source_path, 1, 1),
            hint="keep the .bib inside the site (a link may not point out of it)"))
        return None
    if not bib_path.is_file():
        diagnostics.append(errors.error(
            "missing-bibliography", f"bibliography file not found: `{written}`",
            SourceLocation(post.source_path, 1, 1),
            hint="the path is relative to the Markdown file"))
        return None
    bibliography = load(bib_path, display)
    diagnostics.extend(bibliography.diagnostics)
    return bibliography


def _merged(files: list[Bibliography], diagnostics: list[Diagnostic]) -> Bibliography | None:
    """Several site bibliographies as one, searched in order."""
    if len(files) <= 1:
        return files[0] if files else None
    entries, problems = merge_entries(files)
    diagnostics.extend(problems)
    strings: dict[str, str] = {}
    for bibliography in files:
        for name, definition in bibliography.strings.items():
            strings.setdefault(name, definition)
    return Bibliography(", ".join(b.path for b in files), entries, (), strings)


def _setting_location(config: SiteConfig, key: str) -> SourceLocation:
    """Where ``key`` is set in distillgen.toml (its first line starting with the key)."""
    try:
        text = (config.root / "distillgen.toml").read_text("utf-8", errors="replace")
    except OSError:
        return SourceLocation("distillgen.toml")
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith(key) and "=" in line:
            return SourceLocation("distillgen.toml", number, 1)
    return SourceLocation("distillgen.toml")


def load_styles(config: SiteConfig, posts: list[Post], diagnostics: list[Diagnostic]
                ) -> tuple[CslStyle | None, dict[str, CslStyle]]:
    """The site's CSL style (setting ``csl``) and those posts name in front matter, each
    read and parsed once, here, so worker processes inherit them parsed. A post's style
    file is checked here, not when its front matter is parsed: the parse is cached by the
    post's text, and the file may change or go while the post does not."""
    site_style = None
    if config.csl:
        site_style, message, hint = find_style(config.csl, config.root)
        if site_style is None:
            diagnostics.append(errors.error("bad-csl", message,
                                            _setting_location(config, "csl"), hint))
        else:
            _warm(site_style, config, diagnostics, _setting_location(config, "csl"))
    styles: dict[str, CslStyle] = {}
    for post in posts:
        key = post_style_key(post)
        if key is None or key in styles:
            continue
        where = SourceLocation(post.source_path, *post.meta.csl_at)
        style, message, hint = find_style(key, config.root)
        if style is None:
            diagnostics.append(errors.error("bad-csl", message, where, hint))
            continue
        if _warm(style, config, diagnostics, where):
            styles[key] = style
    return site_style, styles


def _warm(style: CslStyle, config: SiteConfig, diagnostics: list[Diagnostic],
          where: SourceLocation) -> bool:
    """Parse a style now (the result is kept for this process and its workers)."""
    try:
        csl_parse(style.xml, locale_for(config.language))
    except Exception as problem:  # noqa: BLE001 - citeproc-py raises many kinds on bad XML
        diagnostics.append(errors.error(
            "bad-csl", f"the CSL style `{style.name}` cannot be used: {problem}", where,
            "check that the .csl file is a complete CSL 1.0 style"))
        return False
    return True


def _display(config: SiteConfig, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path)
