"""The whole build, top to bottom: read everything, render, check, then write once.

Nothing is written unless every post rendered without an error, so a failed build leaves the
previous ``site/`` exactly as it was.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import errors, manifest
from .advice import base_url_warning, missing_bibliography
from .assemble import Site, assemble_site, newest_first
from .assets import index_assets, site_asset_files
from .bibliography import Bibliography, merge_entries
from .bibliography import load_bibliography as read_bib
from .bibliography.csl import CslStyle, find_style, locale_for
from .bibliography.csl import parsed_style as csl_parse
from .bibliography.export import references_bib
from .cache import Cache, CacheUnwritable, digest
from .cache import usable as cache_problem
from .config import CACHE_DIR, SiteConfig, load_config
from .discover import discover
from .errors import Diagnostic, DistillgenError, SourceLocation
from .fingerprint import code_version
from .front_matter import parse_post
from .linkcheck import check_links, unused_entries
from .model import Post, RenderedPost
from .pages import SiteInfo, menu_digest, menu_items
from .parallel import default_workers, prune_cache, render_posts
from .plan import Plan, PostPages, plan_output
from .publications import all_files, load_publications, publications_digest
from .render import RenderContext, local_bib_paths, lookup_for, post_style_key
from .site_macros import load_site_macros
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


def _load_local(config: SiteConfig, post: Post, written: str, display: str, load,
                diagnostics: list[Diagnostic]) -> Bibliography | None:
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
    read and parsed once, here, so worker processes inherit them parsed."""
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
        style, message, hint = find_style(key, config.root)
        if style is None:
            diagnostics.append(errors.error("bad-csl", message,
                                            SourceLocation(post.source_path, 1, 1), hint))
            continue
        if _warm(style, config, diagnostics, SourceLocation(post.source_path, 1, 1)):
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


def references_files(rendered: Iterable[RenderedPost], context: RenderContext
                     ) -> dict[str, bytes]:
    """Each post's ``references.bib``: the entries its reference list holds, as written."""
    files = {}
    for post in rendered:
        if not post.citations:
            continue
        lookup = lookup_for(post.post, context)
        entries = [entry for entry in (lookup(key) for key in post.citations) if entry]
        text = references_bib(entries, lookup, post.post.meta.title)
        files[f"{post.post.url_path}/references.bib"] = text.encode("utf-8")
    return files


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
          deploy_warnings: bool = False, read_only_cache: bool = False) -> BuildResult:
    """Build the site at ``root``; write it only when there is no error.

    ``report_unused`` adds a warning per bibliography entry no post cites (for ``check``);
    ``progress`` is told (posts rendered, posts to render) as rendering advances;
    ``deploy_warnings`` warns about settings that only matter once the site is published
    (a local ``base_url``), for ``build`` and ``check`` but not the dev server;
    ``read_only_cache`` reads the cache but writes nothing to it (``check`` writes nothing).
    A cache that cannot be written makes the build start again without one, with a warning.
    """
    started = time.perf_counter()
    run = functools.partial(_build, root, include_drafts=include_drafts, output=output,
                            write=write, strict=strict, workers=workers,
                            report_unused=report_unused, progress=progress,
                            overrides=overrides, read_only_cache=read_only_cache,
                            deploy_warnings=deploy_warnings)
    try:
        result = run(use_cache=use_cache, carried=())
    except CacheUnwritable as problem:
        result = run(use_cache=False, carried=(_cache_warning(str(problem)),))
    result.seconds = time.perf_counter() - started
    return result


def _cache_warning(reason: str) -> Diagnostic:
    return errors.warning("cache-unusable", f"{reason}; building without the cache",
                          SourceLocation(CACHE_DIR),
                          f"delete {CACHE_DIR}/ (it holds only rebuildable data), or free space")


def _build(root: Path, *, include_drafts: bool, output: Path | None, write: bool, strict: bool,
           use_cache: bool, workers: int | None, report_unused: bool,
           progress: Callable[[int, int], None] | None, overrides: Mapping[str, Any] | None,
           read_only_cache: bool, deploy_warnings: bool,
           carried: tuple[Diagnostic, ...]) -> BuildResult:
    result = BuildResult()
    try:
        config = load_config(root, overrides)
    except DistillgenError as problem:
        result.diagnostics.extend(problem.diagnostics)
        return result
    result.config = config
    diagnostics = result.diagnostics
    diagnostics.extend(carried)
    out_dir = (output or config.output_path()).absolute()
    if output is not None:
        refusal = config.output_refusal(out_dir)
        if refusal:
            diagnostics.append(errors.error("bad-config", f"--output {output} {refusal}",
                                            hint="choose a folder of its own, such as "
                                                 "--output site"))
            return result
    if write:
        from .write import OutputError, check_output

        try:
            check_output(out_dir, config.root)
        except OutputError as problem:
            # Reported with every other problem of the input; nothing is written anywhere.
            diagnostics.append(errors.error(problem.code, problem.message,
                                            config.output_location(output), problem.hint))
            write, read_only_cache = False, True
    options = (include_drafts, strict, str(out_dir.absolute()), deploy_warnings,
               sorted((overrides or {}).items()))
    inputs = None
    if write and use_cache:
        inputs, summary = manifest.check(config, out_dir, options)
        if summary is not None:
            result.stats.update(summary["stats"])
            result.diagnostics = list(summary["diagnostics"])
            result.stats["unchanged"] = True
            return result
    if use_cache and not read_only_cache:
        reason = cache_problem(config.cache_path())
        if reason:
            diagnostics.append(_cache_warning(reason))
            use_cache, inputs = False, None
    cache_dir = config.cache_path() if use_cache else None
    writes_cache = use_cache and not read_only_cache

    parsed_cache = Cache(config.cache_path(), "parsed", memo=True,
                         read_only=read_only_cache) if use_cache else None
    # Posts and pages alike ("posts" below): pages render the same way, only listed nowhere.
    posts = check_unique_urls(load_posts(config, diagnostics, parsed_cache), diagnostics)
    if not include_drafts:
        result.stats["drafts"] = sum(1 for p in posts if p.meta.draft)
        posts = [p for p in posts if not p.meta.draft]
    bib_cache = Cache(config.cache_path(), "bib", read_only=read_only_cache) if use_cache else None
    site_bib, local_bibs = load_bibliographies(config, posts, diagnostics, bib_cache)
    site_style, post_styles = load_styles(config, posts, diagnostics)
    skipped = [out_dir, config.cache_path()]
    assets_on_disk = index_assets(config.root, skip=skipped, content=config.content_path(),
                                  diagnostics=diagnostics)
    site_assets = site_asset_files(config.root / "assets", diagnostics, skip=skipped)
    publications, found = load_publications(config.root, config.content_dir,
                                            [p for p in posts if p.is_page], assets_on_disk,
                                            config.author)
    diagnostics.extend(found)
    menu = menu_items(posts)
    macros, macro_problems = load_site_macros(config.macros_path(), config.macros)
    diagnostics.extend(macro_problems)
    context = RenderContext(
        entries=dict(site_bib.entries) if site_bib else {},
        post_entries={path: dict(bib.entries) for path, bib in local_bibs.items()},
        citation_style=config.citation_style,
        unknown_citation=config.unknown_citation,
        csl=site_style,
        styles=post_styles,
        language=config.language,
        smart_punctuation=config.smart_punctuation,
        content_dir=config.content_dir,
        assets_on_disk=assets_on_disk,
        post_urls={p.source_path: str(p.url_path) for p in posts},
        macros=macros,
    )
    template_problems = template_diagnostics(config.root / "templates")
    if any(d.is_error for d in template_problems):
        result.diagnostics = errors.sort_diagnostics([*diagnostics, *template_problems])
        return result
    env = make_environment(config.root / "templates",
                           config.cache_path() if writes_cache else None)
    post_pages_renderer = PostPages(config, env, SiteInfo(menu, config.extra), publications)
    rendered, pages, render_stats, cache_keep = render_posts(
        posts, context, post_pages_renderer,
        page_key=page_key(config, menu_digest(menu), publications_digest(publications)),
        cache_dir=cache_dir, read_only=read_only_cache,
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
        return result

    if writes_cache:
        prune_cache(config.cache_path(), cache_keep)
    site = assemble_site(rendered, include_drafts=include_drafts, menu=menu,
                         extra=config.extra)
    copied = {str(a.target): config.root / a.source
              for p in (*site.posts, *site.pages) for a in p.assets}
    copied.update((str(a.target), config.root / a.source) for a in all_files(publications))
    post_pages = {r.post.source_path: page for r, page in zip(rendered, pages, strict=True)
                  if page is not None}  # None only for a post with errors: not here
    try:
        plan = plan_output(config, site, env, site_assets, copied, post_pages,
                           references_files((*site.posts, *site.pages), context))
    except DistillgenError as problem:  # a template failed, or a post collides with a page
        result.diagnostics = errors.sort_diagnostics([*result.diagnostics, *problem.diagnostics])
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
        return result
    result.stats["tags"] = len(site.tags)
    result.stats["files"] = len(plan)
    if write:
        from .write import OutputError, write_output

        if inputs is not None:
            manifest.forget(config.cache_path())
        try:
            stats = write_output(plan, out_dir, site_root=config.root)
        except OutputError as problem:
            where = config.output_location(output)
            result.diagnostics = errors.sort_diagnostics([
                *result.diagnostics, errors.error(problem.code, problem.message, where,
                                                  problem.hint)])
            return result
        result.stats["written"] = stats.written
        result.written = True
        if inputs is not None:
            manifest.remember(config.cache_path(), inputs, out_dir,
                              {"stats": dict(result.stats), "diagnostics": result.diagnostics},
                              files=local_bibs.keys())
    return result
