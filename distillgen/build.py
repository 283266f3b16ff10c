"""The whole build, top to bottom: read everything, render, check, then write once.

Nothing is written unless every post rendered without an error, so a failed build leaves the
previous ``site/`` exactly as it was.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import errors, manifest
from .advice import base_url_warning, missing_bibliography
from .assemble import Site, assemble_site, newest_first
from .assets import index_assets, site_asset_files
from .bibliography import Bibliography
from .bibliography import load_bibliography as read_bib
from .cache import Cache, digest
from .config import SiteConfig, load_config
from .discover import discover
from .errors import Diagnostic, DistillgenError, SourceLocation
from .fingerprint import code_version
from .front_matter import parse_post
from .linkcheck import check_links, unused_entries
from .model import Post
from .pages import SiteInfo, menu_digest, menu_items
from .parallel import default_workers, prune_cache, render_posts
from .plan import Plan, PostPages, plan_output
from .publications import all_files, load_publications, publications_digest
from .render import RenderContext
from .templates import make_environment, template_diagnostics, templates_digest


@dataclass
class BuildResult:
    """What a build did: its diagnostics, and numbers for the summary line."""

    config: SiteConfig | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    site: Site | None = None
    plan: Plan | None = None
    written: bool = False
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def page_key(config: SiteConfig, *more: str) -> str:
    """Everything besides the post that its page depends on: settings and templates (and
    ``more``: the menu, the publication lists)."""

    return digest(config.fingerprint(), templates_digest(config.root / "templates"), *more)


def feed_sources(config: SiteConfig, posts: list[Post]) -> frozenset[str]:
    """The posts ``feed.xml`` will carry in full: the newest ``feed_limit`` ones."""
    newest = sorted((p for p in posts if not p.is_page), key=newest_first)
    return frozenset(p.source_path for p in newest[: config.feed_limit or len(newest)])


def load_posts(config: SiteConfig, diagnostics: list[Diagnostic],
               cache: Cache | None = None) -> list[Post]:
    """Discover and parse every post; problems go to ``diagnostics``.

    With a cache, a file whose bytes (and the settings) did not change is not parsed again.
    """
    sources, found = discover(config)
    diagnostics.extend(found)
    posts = []
    settings = config.fingerprint()
    keys = []
    for source in sources:
        key = digest(code_version(), settings, source.path, source.text) if cache else ""
        record = cache.get(key) if cache else None
        if isinstance(record, tuple) and len(record) == 2 and \
                (record[0] is None or isinstance(record[0], Post)):
            post, problems = record
        else:
            post, problems = parse_post(source, config)
            if cache:
                cache.put(key, (post, problems))
        keys.append(key)
        diagnostics.extend(problems)
        if post is not None:
            posts.append(post)
    if cache:
        cache.prune(set(keys))
    return posts


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
    """The site's .bib (if any) and every post-local one, each parsed once."""
    site_bib = None
    path = config.bibliography_path()

    def load_bibliography(file: Path, display: str) -> Bibliography:
        return read_bib(file, display, cache, code_version())

    if path.is_file():
        site_bib = load_bibliography(path, _display(config, path))
        diagnostics.extend(site_bib.diagnostics)
    local: dict[str, Bibliography] = {}
    for post in posts:
        if not post.meta.bibliography:
            continue
        # Keyed by the path as written (normalised), which is how rendering looks it up.
        display = posixpath.normpath(posixpath.join(posixpath.dirname(post.source_path),
                                                    post.meta.bibliography))
        bib_path = config.root / display
        if display in local:
            continue
        if not bib_path.resolve().is_relative_to(config.root.resolve()):
            diagnostics.append(errors.error(
                "outside-site", f"`{post.meta.bibliography}` leads outside the site folder",
                SourceLocation(post.source_path, 1, 1),
                hint="keep the .bib inside the site (a link may not point out of it)"))
            continue
        if not bib_path.is_file():
            diagnostics.append(errors.error(
                "missing-bibliography", f"bibliography file not found: `{post.meta.bibliography}`",
                SourceLocation(post.source_path, 1, 1),
                hint="the path is relative to the Markdown file"))
            continue
        local[display] = load_bibliography(bib_path, display)
        diagnostics.extend(local[display].diagnostics)
    return site_bib, local


def _display(config: SiteConfig, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def build(root: Path, *, include_drafts: bool = False, output: Path | None = None,
          write: bool = True, strict: bool = False, use_cache: bool = True,
          workers: int | None = None, report_unused: bool = False,
          progress: Callable[[int, int], None] | None = None,
          overrides: Mapping[str, Any] | None = None,
          deploy_warnings: bool = False) -> BuildResult:
    """Build the site at ``root``; write it only when there is no error.

    ``report_unused`` adds a warning per bibliography entry no post cites (for ``check``);
    ``progress`` is told (posts rendered, posts to render) as rendering advances;
    ``deploy_warnings`` warns about settings that only matter once the site is published
    (a local ``base_url``), for ``build`` and ``check`` but not the dev server.
    """
    started = time.perf_counter()
    result = BuildResult()
    try:
        config = load_config(root, overrides)
    except DistillgenError as problem:
        result.diagnostics.extend(problem.diagnostics)
        return result
    result.config = config
    diagnostics = result.diagnostics
    out_dir = (output or config.output_path()).absolute()
    options = (include_drafts, strict, str(out_dir.absolute()), deploy_warnings,
               sorted((overrides or {}).items()))
    inputs = None
    if write and use_cache:
        inputs = manifest.inputs_digest(config.root, out_dir, config.cache_path(), options)
        summary = manifest.unchanged(config.cache_path(), inputs, out_dir)
        if summary is not None:
            result.stats.update(summary["stats"])
            result.diagnostics = list(summary["diagnostics"])
            result.stats["unchanged"] = True
            result.seconds = time.perf_counter() - started
            return result

    parsed_cache = Cache(config.cache_path(), "parsed", memo=True) if use_cache else None
    # Posts and pages alike ("posts" below): pages render the same way, only listed nowhere.
    posts = check_unique_urls(load_posts(config, diagnostics, parsed_cache), diagnostics)
    if not include_drafts:
        result.stats["drafts"] = sum(1 for p in posts if p.meta.draft)
        posts = [p for p in posts if not p.meta.draft]
    site_bib, local_bibs = load_bibliographies(
        config, posts, diagnostics, Cache(config.cache_path(), "bib") if use_cache else None)
    assets_on_disk = index_assets(config.root, skip=[out_dir, config.cache_path()],
                                  content=config.content_path())
    publications, found = load_publications(config.root, config.content_dir,
                                            [p for p in posts if p.is_page], assets_on_disk,
                                            config.author)
    diagnostics.extend(found)
    menu = menu_items(posts)
    context = RenderContext(
        entries=dict(site_bib.entries) if site_bib else {},
        post_entries={path: dict(bib.entries) for path, bib in local_bibs.items()},
        citation_style=config.citation_style,
        unknown_citation=config.unknown_citation,
        smart_punctuation=config.smart_punctuation,
        content_dir=config.content_dir,
        assets_on_disk=assets_on_disk,
        post_urls={p.source_path: str(p.url_path) for p in posts},
    )
    template_problems = template_diagnostics(config.root / "templates")
    if any(d.is_error for d in template_problems):
        result.diagnostics = errors.sort_diagnostics([*diagnostics, *template_problems])
        result.seconds = time.perf_counter() - started
        return result
    env = make_environment(config.root / "templates",
                           config.cache_path() if use_cache else None)
    post_pages_renderer = PostPages(config, env, SiteInfo(menu, config.extra), publications)
    rendered, pages, render_stats, cache_keep = render_posts(
        posts, context, post_pages_renderer,
        page_key=page_key(config, menu_digest(menu), publications_digest(publications)),
        cache_dir=config.cache_path() if use_cache else None,
        workers=workers or default_workers(), in_feed=feed_sources(config, posts),
        progress=progress)
    result.stats.update(render_stats)
    for post in rendered:
        diagnostics.extend(post.diagnostics)

    result.diagnostics = errors.sort_diagnostics(missing_bibliography(config, diagnostics))
    result.stats["standalone"] = sum(1 for r in rendered if r.post.is_page)
    result.stats["posts"] = len(rendered) - result.stats["standalone"]
    blocking = result.failed or (strict and result.diagnostics)
    if blocking:
        result.seconds = time.perf_counter() - started
        return result

    if use_cache:
        prune_cache(config.cache_path(), cache_keep)
    site = assemble_site(rendered, include_drafts=include_drafts, menu=menu,
                         extra=config.extra)
    copied = {str(a.target): config.root / a.source
              for p in (*site.posts, *site.pages) for a in p.assets}
    copied.update((str(a.target), config.root / a.source) for a in all_files(publications))
    post_pages = {r.post.source_path: page for r, page in zip(rendered, pages, strict=True)
                  if page is not None}  # None only for a post with errors, and there are none
    try:
        plan = plan_output(config, site, env, site_asset_files(config.root / "assets"), copied,
                           post_pages)
    except DistillgenError as problem:  # a template failed on a listing, feed or tag page
        result.diagnostics = errors.sort_diagnostics([*result.diagnostics, *problem.diagnostics])
        result.seconds = time.perf_counter() - started
        return result
    result.site, result.plan = site, plan
    late = check_links(site, plan)
    if deploy_warnings:  # advice for a site about to be published, once it would build
        late += base_url_warning(config, bool((overrides or {}).get("base_url")))
    if report_unused and site_bib is not None and \
            all(listed.source != site_bib.path for listed in publications.values()):
        late += unused_entries(site, site_bib.entries)
    result.diagnostics = errors.sort_diagnostics([*result.diagnostics, *late])
    if strict and result.diagnostics:
        result.seconds = time.perf_counter() - started
        return result
    result.stats["tags"] = len(site.tags)
    result.stats["files"] = len(plan)
    if write:
        from .write import write_output

        if inputs is not None:
            manifest.forget(config.cache_path())
        stats = write_output(plan, out_dir, site_root=config.root)
        result.stats["written"] = stats.written
        result.written = True
        if inputs is not None:
            manifest.remember(config.cache_path(), inputs, out_dir,
                              {"stats": dict(result.stats), "diagnostics": result.diagnostics})
    result.seconds = time.perf_counter() - started
    return result
