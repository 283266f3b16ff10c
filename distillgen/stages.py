"""The stages of a build, in the order :func:`distillgen.build.build` runs them.

Each stage is a method of :class:`Run` that reads what the earlier ones left on it and
returns False to end the build there (an error that makes going on pointless). Every
problem with the input is a diagnostic; nothing is written unless the build succeeds.

Work is saved at each stage by the site index (:mod:`distillgen.cache.index`): a Markdown
file is read only if its signature changed, a post renders only if its source, the render
settings or what it looked up changed, a generated page is rendered only if what it shows
changed, and the writer changes only the files that differ.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from . import errors
from .advice import base_url_warning, missing_bibliography
from .assemble import assemble_site
from .assets import index_assets, site_asset_files
from .cache import Cache, CacheUnwritable, fingerprint, keys
from .cache import index as site_index
from .cache import usable as cache_problem
from .cache.blobs import BlobStore
from .cache.index import SiteIndex
from .cache.renders import RenderPacks
from .cache.trees import OutputTrees
from .config import CACHE_DIR, load_config
from .errors import Diagnostic, DistillgenError, SourceLocation
from .inputs import check_unique_urls, feed_sources, load_bibliographies, load_styles
from .linkcheck import check_links, unused_entries
from .listings import GeneratedPages
from .model import Blob, Content, RenderedPost
from .outcome import BuildOptions, BuildResult
from .pages import SiteInfo, menu_digest, menu_items
from .parallel import default_workers
from .plan import PostPages, joined_path, plan_output
from .publications import all_files, load_publications, publications_digest
from .render import RenderContext
from .renders import LookupDigests, RenderWork, Stores, render_all
from .settings import stage_settings
from .site_macros import load_site_macros
from .sources import read_sources
from .templates import make_environment, template_diagnostics, templates_digest
from .write import MissingBlob, OutputError, check_output, write_output

OBSOLETE_NAMESPACES = ("parsed", "summaries", "feeds")
"""Cache folders of older versions, deleted by the first build that finds them."""
THEME_PAGES = ("post.html", "page.html", "_macros.html")
"""Templates every post's page uses: compiled before the workers fork, so each inherits
them compiled."""


def cache_warning(reason: str) -> Diagnostic:
    return errors.warning("cache-unusable", f"{reason}; building without the cache",
                          SourceLocation(CACHE_DIR),
                          f"delete {CACHE_DIR}/ (it holds only rebuildable data), or free space")


@dataclass
class Warm:
    """What a dev server keeps between its builds: the site index, in memory."""

    index: SiteIndex = field(default_factory=SiteIndex)
    save_later: bool = False
    """Leave writing the index to the cache to :meth:`save` (when the edits pause)."""
    keep: set[str] = field(default_factory=set)
    """Pages of the cache still served: not pruned by the next build."""
    unsaved: tuple[Path, SiteIndex] | None = None
    changed: frozenset[Path] | None = None
    """What the watcher reported since the last build (absolute paths); None: not known, so
    the build looks at everything."""
    found: tuple[list[tuple[str, Path]], list[Diagnostic]] | None = None
    """The last build's Markdown files (site path, path) and the problems finding them."""
    files: tuple[dict[str, Any], dict[str, Path], list[Diagnostic]] | None = None
    """The last build's asset index, the site's ``assets/`` and the problems found there."""

    def only_markdown_edited(self) -> bool:
        """Whether every change the watcher reported is an edit of a Markdown file the last
        build read (none added or deleted, nothing else touched): then the content folder
        need not be walked again, nor the files posts may use."""
        if self.changed is None or self.found is None or self.files is None:
            return False
        known = {path for _, path in self.found[0]}
        return all(path in known and path.is_file() for path in self.changed)

    def save(self) -> None:
        """Write the index of the last build to the cache, if it is not there yet."""
        if self.unsaved is None:
            return
        cache_dir, index = self.unsaved
        self.unsaved = None
        with contextlib.suppress(CacheUnwritable):
            site_index.save(cache_dir, index)


class Run:
    """One build, stage by stage (see :func:`distillgen.build._stages`)."""

    def __init__(self, root: Path, options: BuildOptions, *, warm: Warm | None = None,
                 carried: tuple[Diagnostic, ...] = (), inputs: str | None = None):
        self.root = root
        self.known_inputs = inputs
        """The inputs' digest the no-change check took, if it ran."""
        self.options = options
        self.warm = warm
        self.result = BuildResult()
        self.diagnostics = self.result.diagnostics
        self.diagnostics.extend(carried)
        self.writes = options.write
        self.read_only = options.read_only_cache
        self.use_cache = options.use_cache
        self.succeeded = False
        self.retries = 0
        self.files_seen: dict[str, tuple[tuple[int, ...], str]] = {}
        """Files the site copies, by path: their signature and SHA-256, for the index."""

    @property
    def writes_cache(self) -> bool:
        return self.use_cache and not self.read_only

    # -- 1. settings -----------------------------------------------------------------------

    def load_config(self) -> bool:
        try:
            config = load_config(self.root, self.options.overrides)
        except DistillgenError as problem:
            self.diagnostics.extend(problem.diagnostics)
            return False
        self.config = self.result.config = config
        self.settings = stage_settings(config)
        self.out_dir = (self.options.output or config.output_path()).absolute()
        self.cache_dir = config.cache_path()
        self.macros, problems = load_site_macros(config.macros_path(), config.macros)
        self.diagnostics.extend(problems)
        return True

    # -- 2. the output folder --------------------------------------------------------------

    def check_output(self) -> bool:
        config, output = self.config, self.options.output
        if output is not None:
            refusal = config.output_refusal(self.out_dir)
            if refusal:
                self.diagnostics.append(errors.error(
                    "bad-config", f"--output {output} {refusal}",
                    hint="choose a folder of its own, such as --output site"))
                return False
        if self.writes:
            try:
                check_output(self.out_dir, config.root)
            except OutputError as problem:
                # Reported with every other problem of the input; nothing is written anywhere.
                self.diagnostics.append(errors.error(problem.code, problem.message,
                                                     config.output_location(output),
                                                     problem.hint))
                self.writes, self.read_only = False, True
        return True

    # -- 3. the cache ----------------------------------------------------------------------

    def open_cache(self) -> bool:
        self.inputs = None
        if self.writes and self.use_cache:
            self.inputs = self.known_inputs or fingerprint.inputs_digest(
                self.config, self.out_dir, self.options.fingerprint(self.out_dir),
                fingerprint.read_files(self.cache_dir))
        if self.writes_cache:
            reason = cache_problem(self.cache_dir)
            if reason:
                self.diagnostics.append(cache_warning(reason))
                self.use_cache, self.inputs = False, None
        if self.warm is not None:
            self.index = self.warm.index
        elif self.use_cache:
            self.index = site_index.load(self.cache_dir, read_only=self.read_only)
        else:
            self.index = SiteIndex()
        self.blobs = BlobStore(self.cache_dir, read_only=self.read_only) \
            if self.use_cache else None
        self.packs = RenderPacks(self.cache_dir, read_only=self.read_only) \
            if self.use_cache else None
        return True

    # -- 4. the Markdown files -------------------------------------------------------------

    def read_sources(self) -> bool:
        self.workers = self.options.workers or default_workers()
        warm = self.warm
        self.edited_only = warm is not None and warm.only_markdown_edited()
        found = warm.found if self.edited_only and warm is not None else None
        self.sources = read_sources(self.root, self.config, self.settings, self.index,
                                    self.diagnostics, self.workers, found=found)
        if warm is not None:
            warm.found = self.sources.found
        posts = [record.post for _, record in sorted(self.sources.records.items())
                 if record.post is not None]
        # Posts and pages alike ("posts" below): pages render the same way, only listed nowhere.
        posts = check_unique_urls(posts, self.diagnostics)
        if not self.options.include_drafts:
            self.result.stats["drafts"] = sum(1 for p in posts if p.meta.draft)
            posts = [p for p in posts if not p.meta.draft]
        self.posts = posts
        self.result.stats["read"] = self.sources.read
        return True

    # -- 5. bibliographies and styles ----------------------------------------------------

    def read_bibliographies(self) -> bool:
        bib_cache = Cache(self.cache_dir, "bib", read_only=self.read_only) \
            if self.use_cache else None
        self.site_bib, self.local_bibs = load_bibliographies(self.config, self.posts,
                                                             self.diagnostics, bib_cache)
        self.site_style, self.post_styles = load_styles(self.config, self.posts,
                                                        self.diagnostics)
        return True

    # -- 6. files posts may use, pages, menu -----------------------------------------------

    def index_files(self) -> bool:
        config = self.config
        warm = self.warm
        if self.edited_only and warm is not None and warm.files is not None:
            # Only Markdown files were edited: no file a post may use changed.
            self.assets, self.site_assets, found = warm.files
            self.diagnostics.extend(found)
            self.images_seen = self.index.images
        else:
            skipped = [self.out_dir, self.cache_dir]
            self.images_seen = {}
            found = []
            self.assets = index_assets(config.root, skip=skipped,
                                       content=config.content_path(), diagnostics=found,
                                       known=self.index.images, seen=self.images_seen)
            self.site_assets = site_asset_files(config.root / "assets", found, skip=skipped)
            self.diagnostics.extend(found)
            if warm is not None:
                warm.files = (self.assets, self.site_assets, found)
        self.publications, found = load_publications(
            config.root, config.content_dir, [p for p in self.posts if p.is_page],
            self.assets, config.author)
        self.diagnostics.extend(found)
        self.menu = menu_items(self.posts)
        return True

    # -- 7. rendering ----------------------------------------------------------------------

    def render(self) -> bool:
        config = self.config
        templates = config.root / "templates"
        template_problems = template_diagnostics(templates)
        if any(d.is_error for d in template_problems):
            self.diagnostics.extend(template_problems)
            return False
        self.before_render = list(self.diagnostics)
        self.env = make_environment(templates, self.cache_dir if self.writes_cache else None)
        for name in THEME_PAGES:
            with contextlib.suppress(jinja2.TemplateError):  # reported when a page renders
                self.env.get_template(name)
        context = RenderContext(
            settings=self.settings.render,
            entries=dict(self.site_bib.entries) if self.site_bib else {},
            post_entries={path: dict(bib.entries) for path, bib in self.local_bibs.items()},
            csl=self.site_style,
            styles=self.post_styles,
            assets_on_disk=self.assets,
            post_urls={p.source_path: str(p.url_path) for p in self.posts},
            macros=self.macros,
        )
        self.page_key = keys.page_key(config.fingerprint(), templates_digest(templates),
                                      menu_digest(self.menu),
                                      publications_digest(self.publications))
        self.in_feed = feed_sources(config, self.posts)
        stores = Stores(self.blobs, self.packs, self.writes_cache) \
            if self.blobs is not None and self.packs is not None else None
        pages = PostPages(config, self.env, SiteInfo(self.menu, config.extra), self.publications)
        work = self.work = RenderWork(context, pages, self.in_feed, self.page_key, stores,
                                      self.root, self.settings, LookupDigests(context),
                                      keys.render_inputs(self.settings.render, self.macros))
        self.rendered = render_all([p.source_path for p in self.posts], self.sources.records,
                                   self.sources.bodies, self.index, work,
                                   workers=self.workers, progress=self.options.progress)
        stats = self.result.stats
        stats.update(self.rendered.stats)
        self.diagnostics.extend(self.rendered.diagnostics)
        for record in self.rendered.records.values():
            self.diagnostics.extend(record.diagnostics)
        self.diagnostics[:] = errors.sort_diagnostics(
            missing_bibliography(config, self.diagnostics))
        stats["standalone"] = sum(1 for p in self.posts if p.is_page)
        stats["posts"] = len(self.posts) - stats["standalone"]
        return not (self.result.failed or (self.options.strict and self.diagnostics))

    # -- 8. the site -----------------------------------------------------------------------

    def assemble(self) -> bool:
        shown: list[RenderedPost] = []
        self.digests: dict[int, str] = {}
        for post in self.posts:
            record = self.rendered.records[post.source_path]
            listed = record.listing
            digest = record.listing_digest
            if post.source_path in self.in_feed:
                listed = dataclasses.replace(listed, feed_html=record.feed_html)
                digest = keys.digest(digest, record.feed_html)
            self.digests[id(listed)] = digest
            shown.append(listed)
        self.site = assemble_site(shown, include_drafts=self.options.include_drafts,
                                  menu=self.menu, extra=self.config.extra)
        return True

    # -- 9. every file of the site ---------------------------------------------------------

    def plan(self) -> bool:
        config, site = self.config, self.site
        root = config.root
        copied = {str(a.target): joined_path(root, str(a.source))
                  for p in (*site.posts, *site.pages) for a in p.assets}
        copied.update((str(a.target), joined_path(root, str(a.source)))
                      for a in all_files(self.publications))
        post_pages: dict[str, Content] = {}
        for path, record in self.rendered.records.items():
            if record.page and self.blobs is not None:
                post_pages[path] = Blob(record.page, joined_path(self.blobs.folder, record.page))
            else:
                post_pages[path] = self.rendered.pages[path]
        post_files: dict[str, Content] = {
            f"{record.listing.post.url_path}/{name}": data
            for record in self.rendered.records.values() for name, data in record.files}
        self.generated = GeneratedPages(self.index, site, self.page_key, self.digests,
                                        self.blobs) if self.blobs is not None else None
        try:
            plan = plan_output(config, site, self.env, self.site_assets, copied, post_pages,
                               self.generated, post_files)
        except DistillgenError as problem:  # a template failed, or a post collides with a page
            self.diagnostics.extend(problem.diagnostics)
            return False
        self.result.site, self.result.plan = site, plan
        self.result.stats["tags"] = len(site.tags)
        self.result.stats["files"] = len(plan)
        if self.generated is not None:
            self.result.stats["generated"] = self.generated.rendered
        return True

    # -- 10. links -------------------------------------------------------------------------

    def check_links(self) -> bool:
        site, records = self.site, self.rendered.records
        plan = self.result.plan
        assert plan is not None
        documents = [(post, records[post.post.source_path].links)
                     for post in (*site.posts, *site.pages)]
        known_ids = {f"{post.post.url_path}/index.html": records[post.post.source_path].page_ids
                     for post in (*site.posts, *site.pages)}
        late = check_links(documents, plan, known_ids)
        if self.options.deploy_warnings:  # advice for a site about to be published
            late += base_url_warning(self.config,
                                     bool((self.options.overrides or {}).get("base_url")))
        if self.options.report_unused and self.site_bib is not None and \
                all(listed.source != self.site_bib.path
                    for listed in self.publications.values()):
            late += unused_entries(site, self.site_bib.entries)
        self.diagnostics.extend(late)
        self.diagnostics[:] = errors.sort_diagnostics(self.diagnostics)
        return not (self.options.strict and self.diagnostics)

    # -- 11. writing -----------------------------------------------------------------------

    def write(self) -> bool:
        self.succeeded = True
        if not self.writes:
            return True
        plan = self.result.plan
        assert plan is not None
        if self.inputs is not None:
            fingerprint.forget(self.cache_dir)
        trees = OutputTrees(self.cache_dir, self.out_dir) if self.writes_cache else None
        if trees is not None and not trees.usable_for(self.out_dir):
            trees = None
        blobs = self.blobs
        try:
            stats = write_output(plan, self.out_dir, site_root=self.config.root, trees=trees,
                                 blob_path=(lambda blob: blobs.path(blob.name))
                                 if blobs is not None else None, source_sha=self._source_sha)
        except MissingBlob:
            return self._again()
        except OutputError as problem:
            self.succeeded = False
            self.diagnostics.append(errors.error(problem.code, problem.message,
                                                 self.config.output_location(
                                                     self.options.output), problem.hint))
            self.diagnostics[:] = errors.sort_diagnostics(self.diagnostics)
            return False
        self.result.stats["written"] = stats.written
        self.result.written = True
        return True

    def _again(self) -> bool:
        """A page the plan links from the cache was damaged or deleted meanwhile (it is gone
        now): make the missing pages again, then write."""
        self.retries += 1
        if self.retries > 3:
            raise RuntimeError("pages of the cache keep disappearing while the site is written")
        self.diagnostics[:] = self.before_render
        return (self.render() and self.assemble() and self.plan() and self.check_links()
                and self.write())

    def _source_sha(self, path: Path) -> str:
        """The SHA-256 of a file the site copies, read only when it changed."""
        from .write.files import file_sha

        info = os.stat(path)
        signature = (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)
        key = os.fspath(path)
        known = self.index.files.get(key)
        if known is not None and known[0] == signature:
            self.files_seen[key] = known
            return known[1]
        sha = file_sha(path)
        self.files_seen[key] = (signature, sha)
        return sha

    # -- the end ---------------------------------------------------------------------------

    def finish(self) -> BuildResult:
        """Keep what this build learnt (the index, even when it failed, so fixing an error
        re-renders only what the error was in); after a successful one, delete the cache
        entries nothing refers to any more, and record the no-change fingerprint."""
        rendered = getattr(self, "rendered", None)
        if rendered is not None and self.use_cache:
            index = self._new_index(rendered)
            if self.warm is not None:
                self.warm.index = index
            if self.writes_cache:
                if self.warm is not None and self.warm.save_later:
                    self.warm.unsaved = (self.cache_dir, index)
                else:
                    site_index.save(self.cache_dir, index)
                if self.succeeded:
                    self._prune(index)
        if self.result.written and self.inputs is not None and self.writes_cache:
            fingerprint.remember(self.cache_dir, self.inputs, self.out_dir,
                                 {"stats": dict(self.result.stats),
                                  "diagnostics": self.diagnostics},
                                 files=self.local_bibs.keys())
        self.result.diagnostics = errors.sort_diagnostics(self.diagnostics)
        return self.result

    def _new_index(self, rendered: Any) -> SiteIndex:
        old = self.index
        posts = dict(rendered.records)
        if not self.succeeded:  # keep what a later build may still use
            posts = {**{k: v for k, v in old.posts.items() if k in self.sources.records},
                     **posts}
        pages = getattr(self, "generated", None)
        generated = pages.records if pages is not None else {}
        if not self.succeeded:
            generated = {**old.generated, **generated}
        files = {**(old.files if not self.succeeded else {}), **self.files_seen}
        world = self.work.lookups.world if self.succeeded and hasattr(self, "work") else ""
        return SiteIndex(sources=dict(self.sources.records), posts=posts, generated=generated,
                         images=getattr(self, "images_seen", old.images), files=files,
                         lookups_world=world)

    def _prune(self, index: SiteIndex) -> None:
        assert self.blobs is not None and self.packs is not None
        served = self.warm.keep if self.warm is not None else set()
        self.blobs.prune({r.page for r in index.posts.values()} |
                         {r.blob for r in index.generated.values()} | served)
        self.packs.prune({r.pack for r in index.posts.values()})
        for name in OBSOLETE_NAMESPACES:
            Cache(self.cache_dir, name).prune(set())

