"""plan_output: every file of the site, as bytes in memory (or a file to copy), by path.

Nothing here touches the output folder; write.py puts the plan on disk in one atomic step.
Links between pages are relative (the site works under any subpath); feeds, sitemaps and
metadata use absolute URLs under ``base_url``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from .aliases import alias_pages
from .assemble import Site, TagPage
from .cite_post import cite_post
from .config import SiteConfig
from .errors import Diagnostic, DistillgenError, SourceLocation, error
from .markdown.highlight import stylesheet
from .model import Author, Content, Plan, RenderedPost
from .names import doi_url, slugify, url_path
from .pages import SiteInfo
from .publications import PublicationList
from .templates import relative_url, template_failure, theme_assets_dir

if TYPE_CHECKING:
    from .listings import GeneratedPages

ROOT = "\x00root\x00"
"""Stands for the link prefix to the site root in listing items rendered once per post; each
listing page replaces it with its own (``./`` or ``../../``). A NUL never occurs in a page."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def absolute_url(config: SiteConfig, target: str) -> str:
    """``<base_url><target>``, the site path percent-encoded; base_url ends with a slash."""
    return config.base_url + url_path(target)


def post_target(post: RenderedPost) -> str:
    return f"{post.post.url_path}/"


def tag_target(tag: TagPage) -> str:
    return f"tags/{tag.slug}/"


class PageRenderer:
    """Renders templates with the helpers every page shares."""

    def __init__(self, config: SiteConfig, site: Site | SiteInfo | None,
                 env: jinja2.Environment):
        self.config = config
        self.site = site
        self.env = env
        self.base_path = config.base_path()

    def context(self, page_dir: str, *, rooted: bool = False, site: Any = None) -> dict:
        """Helpers for a page in ``page_dir``; ``rooted`` pages (404) link from the base path."""
        if rooted:
            def url(target: str) -> str:
                return self.base_path + url_path(target)
        else:
            def url(target: str) -> str:
                return url_path(relative_url(target, page_dir))
        root_prefix = relative_url("", page_dir) if not rooted else self.base_path

        def listing_item(post: RenderedPost) -> Markup:
            return Markup(post.listing_html.replace(ROOT, root_prefix))

        return {
            "listing_item": listing_item,
            "config": self.config,
            "site": self.site if site is None else site,
            "url": url,
            "absolute": lambda target: absolute_url(self.config, target),
            "post_url": lambda post: url(post_target(post)),
            "tag_url": lambda name: url(f"tags/{self.tag_slug(name)}/"),
            "page_dir": page_dir,
            "generator": "distillgen",
        }

    def tag_slug(self, name: str) -> str:
        return slugify(name)

    def render(self, template: str, page_dir: str, rooted: bool = False, site: Any = None,
               **values) -> bytes:
        """The page as bytes; a failing template raises DistillgenError (``bad-template``).
        ``site``: what the template sees as ``site`` instead of the whole site."""
        context = self.context(page_dir, rooted=rooted, site=site)
        context.update(values)
        try:
            return self.env.get_template(template).render(context).encode("utf-8")
        except jinja2.TemplateError as problem:
            raise DistillgenError([template_failure(problem, self.config.root)]) from None


class PostPages:
    """Renders a post's page; built once per build, called in worker processes.

    ``site`` is what the templates see as ``site`` (the menu and ``[extra]``: the site is
    not assembled yet); ``publications``: the list each publications page shows, by source.
    """

    def __init__(self, config: SiteConfig, env: jinja2.Environment,
                 site: SiteInfo | None = None,
                 publications: Mapping[str, PublicationList] | None = None):
        self.renderer = PageRenderer(config, site or SiteInfo(extra=config.extra), env)
        self.env = env
        self.publications = publications or {}

    def __call__(self, post: RenderedPost) -> tuple[bytes, str, tuple[tuple[str, bytes], ...]]:
        """The post's page, its item for listings (links from :data:`ROOT`; a standalone
        page is in no listing) and the other files of its folder that the theme makes
        (``cite.bib`` and ``cite.ris``, unless ``citation: false``)."""
        if post.post.is_page:
            return self.page(post), "", ()
        config = self.renderer.config
        target = post_target(post)
        canonical = absolute_url(config, target)
        citation = cite_post(post.post.meta, canonical, config.title, config.author)
        page = self.renderer.render(
            "post.html", str(post.post.url_path), post=post, meta=post.post.meta,
            canonical=canonical, citation=citation, image_url=preview_image_url(config, post),
            json_ld=_json_ld(config, post, canonical),
        )
        try:
            macros = self.env.get_template("_macros.html").module
            item = macros.post_item(post, lambda p: ROOT + url_path(post_target(p)),  # type: ignore[attr-defined]
                                    lambda name: f"{ROOT}tags/{self.renderer.tag_slug(name)}/")
        except jinja2.TemplateError as problem:
            raise DistillgenError([template_failure(problem, config.root)]) from None
        files: tuple[tuple[str, bytes], ...] = ()
        if post.post.meta.citation:
            files = (("cite.bib", (citation.bibtex + "\n").encode("utf-8")),
                     ("cite.ris", citation.ris.encode("utf-8")))
        return page, str(item), files

    def page(self, page: RenderedPost) -> bytes:
        """A standalone page (``page.html``), with its publication list if it has one."""
        config = self.renderer.config
        canonical = absolute_url(config, post_target(page))
        return self.renderer.render(
            "page.html", str(page.post.url_path), post=page, meta=page.post.meta,
            canonical=canonical, image_url=preview_image_url(config, page),
            publications=self.publications.get(page.post.source_path))


def preview_image_url(config: SiteConfig, post: RenderedPost) -> str | None:
    """Absolute URL of a post's preview image (front matter ``image``)."""
    image = post.post.meta.image
    if image and "://" in image:
        return image
    return absolute_url(config, str(post.image)) if post.image else None


def _json_ld(config: SiteConfig, post: RenderedPost, canonical: str) -> dict:
    meta = post.post.meta
    assert meta.pub_date is not None, "only posts have JSON-LD"
    data: dict = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": meta.title,
        "description": meta.description or meta.abstract or post.summary_text,
        "datePublished": meta.pub_date.isoformat(),
        "url": canonical,
        "mainEntityOfPage": canonical,
        "author": [_json_ld_person(a) for a in meta.authors],
        "publisher": {"@type": "Organization", "name": config.title},
        "keywords": list(meta.tags),
    }
    if meta.abstract:
        data["abstract"] = meta.abstract
    if meta.updated_date:
        data["dateModified"] = meta.updated_date.isoformat()
    if meta.doi:
        data["identifier"] = doi_url(meta.doi)
    return data


def _json_ld_person(author: Author) -> dict:
    """schema.org's Person: the ORCID iD as its identifier, affiliations as organisations."""
    person: dict = {"@type": "Person", "name": author.name}
    if author.url:
        person["url"] = author.url
    if author.orcid_url:
        person["identifier"] = author.orcid_url
        person["sameAs"] = [author.orcid_url]
    if author.affiliations:
        person["affiliation"] = [
            {"@type": "Organization", "name": a.name, **({"url": a.url} if a.url else {})}
            for a in author.affiliations]
    return person


def newest_date(site: Site) -> dt.datetime:
    """The feed's ``updated``: from the content, never the clock, so builds are reproducible."""
    dates = [d for p in site.posts for d in (p.post.meta.pub_date, p.post.meta.updated_date) if d]
    return max(dates, default=EPOCH)


def plan_output(config: SiteConfig, site: Site, env: jinja2.Environment,
                site_assets: Mapping[str, Path], copied: Mapping[str, Path],
                post_pages: Mapping[str, Content],
                generated: GeneratedPages | None = None,
                post_files: Mapping[str, Content] | None = None) -> Plan:
    """Every output file: pages, feeds, sitemap, theme and site assets, copied images, and
    each post's citation downloads.

    ``site_assets``: the site's ``assets/`` files by their path inside it (they override
    the theme's); ``copied``: images posts reference, by output path; ``post_pages``: each
    post's page (rendered with :class:`PostPages`), by source path; ``post_files``: other
    files of post folders by output path (each post's ``cite.bib``, ``cite.ris`` and
    ``references.bib``, made with its page). With
    ``generated``, a generated page whose inputs did not change is not rendered again.
    """
    renderer = PageRenderer(config, site, env)
    plan = _PlanBuilder()
    put = plan.put

    def page(path: str, template: str, page_dir: str, rooted: bool = False,
             **values: Any) -> Content:
        def render(seen: Any = None) -> bytes:
            return renderer.render(template, page_dir, rooted, site=seen, **values)

        if generated is None:
            return render()
        return generated.page(path, (template, page_dir, rooted, values), render)

    def highlight_css(_seen: Any = None) -> bytes:
        return stylesheet().encode("utf-8")

    for path in sorted(copied):
        put(path, copied[path], owner=_site_path(config, copied[path]))
    for file in sorted(theme_assets_dir().rglob("*")):
        if file.is_file():
            put(f"assets/{file.relative_to(theme_assets_dir()).as_posix()}", file, weak=True)
    css = "assets/css/highlight.css"
    put(css, generated.page(css, (), highlight_css) if generated else highlight_css(),
        weak=True)
    for relative in sorted(site_assets):
        put(f"assets/{relative}", site_assets[relative], what="a file of the site's assets")

    for post in (*site.posts, *site.pages):
        put(f"{post.post.url_path}/index.html", post_pages[post.post.source_path],
            owner=post.post.source_path)
    for path in sorted(post_files or {}):
        put(path, (post_files or {})[path],
            what="the works the post cites" if path.endswith("/references.bib")
            else "the post's citation")
    put("index.html", page("index.html", "index.html", ""), what="the home page")
    put("tags/index.html", page("tags/index.html", "tags.html", "tags"),
        what="the list of tags")
    for tag in site.tags:
        path = f"tags/{tag.slug}/index.html"
        put(path, page(path, "tag.html", f"tags/{tag.slug}", tag=tag),
            what=f"the page of the tag `{tag.name}`")
    put("404.html", page("404.html", "404.html", "", rooted=True), what="the 404 page")
    updated = newest_date(site)
    def limit_of(posts: tuple[RenderedPost, ...]) -> int:
        return config.feed_limit or len(posts)

    limit = limit_of(site.posts)
    put("feed.xml", page("feed.xml", "feed.xml", "", posts=site.posts[:limit], updated=updated,
                         summaries=False, feed_url=absolute_url(config, "feed.xml"),
                         feed_id=absolute_url(config, "")), what="the feed")
    for tag in site.tags:
        path = f"tags/{tag.slug}/feed.xml"
        tag_updated = newest_date(Site(posts=tag.posts, featured=(), tags=()))
        put(path,
            page(path, "feed.xml", f"tags/{tag.slug}", posts=tag.posts[:limit_of(tag.posts)],
                 summaries=True, updated=tag_updated, feed_url=absolute_url(config, path),
                 feed_id=absolute_url(config, tag_target(tag))),
            what=f"the feed of the tag `{tag.name}`")
    put("sitemap.xml", page("sitemap.xml", "sitemap.xml", "", updated=updated,
                            tag_target=tag_target, post_target=post_target), what="the sitemap")
    put("robots.txt", page("robots.txt", "robots.txt", "",
                           sitemap=absolute_url(config, "sitemap.xml")), what="robots.txt")
    for alias, content in redirects(renderer, site, plan.plan, page).items():
        plan.put(str(alias), content, what="a redirect of `aliases:`")
    return plan.finish()


def redirects(renderer: PageRenderer, site: Site, plan: Plan,
              page: Callable[..., Content] | None = None) -> dict[PurePosixPath, Content]:
    """The alias pages of every post and page (``aliases:``); a clash raises."""
    def render(document: RenderedPost, page_dir: str) -> Content:
        target = post_target(document)
        link, canonical = relative_url(target, page_dir), absolute_url(renderer.config, target)
        if page is None:
            return renderer.render("alias.html", page_dir, post=document, target=link,
                                   canonical=canonical)
        # Every alias of one post in one folder is the same page.
        return page(f"alias:{document.post.source_path}:{page_dir}", "alias.html", page_dir,
                    post=document, target=link, canonical=canonical)

    pages, problems = alias_pages((*site.posts, *site.pages), plan, render)
    if problems:
        raise DistillgenError(problems)
    return pages


def _site_path(config: SiteConfig, path: Path) -> str:
    key = (config.root, path)
    shown = _SITE_PATHS.get(key)
    if shown is None:
        try:
            shown = path.relative_to(config.root).as_posix()
        except ValueError:
            shown = str(path)
        _SITE_PATHS[key] = shown
    return shown


_SITE_PATHS: dict[tuple[Path, Path], str] = {}
_JOINED: dict[tuple[Path, str], Path] = {}


def joined_path(folder: Path, name: str) -> Path:
    """``folder / name``, made once per process: like :func:`_output_path`, for the files a
    dev server plans again on every rebuild (cached pages, files posts copy)."""
    key = (folder, name)
    path = _JOINED.get(key)
    if path is None:
        if len(_JOINED) > 1_000_000:
            _JOINED.clear()
            _SITE_PATHS.clear()
        path = _JOINED[key] = folder / name
    return path


class _PlanBuilder:
    """The plan as it fills, refusing a post or a post's file that would take the place of a
    generated page (or of a folder the site needs): ``content/tags.md`` would silently
    replace the list of tags, and the sitemap would list it twice."""

    def __init__(self) -> None:
        self.plan: Plan = {}
        self.owners: dict[PurePosixPath, str] = {}
        """Output path -> the source file (a post, or a file a post uses) that asked for it."""
        self.what: dict[PurePosixPath, str] = {}
        self.weak: set[PurePosixPath] = set()
        self.problems: list[Diagnostic] = []

    def put(self, path: str, content: Content, *, owner: str | None = None,
            what: str | None = None, weak: bool = False) -> None:
        """Add a file. ``owner``: the source it comes from; ``what``: what a generated file
        is, for messages; ``weak``: a file of the theme, which any other file of the same
        name replaces (``assets/css/distillgen.css`` of the site)."""
        key = _output_path(path)
        earlier = self.plan.get(key)
        if earlier is not None and earlier != content:
            if weak:
                return
            first = self.owners.get(key)
            if key not in self.weak and (owner is not None or first is not None):
                if owner is None:
                    culprit, other = first, what or "a page the site generates"
                elif first is None:
                    culprit, other = owner, self.what.get(key, "a file the site generates")
                else:
                    culprit, other = owner, f"also published by `{first}`"
                self.problems.append(_collision(str(culprit), key, other))
                return
        self.plan[key] = content
        self.weak.discard(key)
        if weak:
            self.weak.add(key)
        if owner is not None:
            self.owners[key] = owner
        if what is not None:
            self.what[key] = what

    def finish(self) -> Plan:
        """The plan; DistillgenError when a source collides with the site's own files."""
        names = {str(key): key for key in self.plan}
        clashes: list[tuple[PurePosixPath, int, PurePosixPath]] = []
        for name, key in names.items():  # each folder above the file, nearest first
            depth, cut = 0, name.rfind("/")
            while cut > 0:
                parent = names.get(name[:cut])
                if parent is not None and (key in self.owners or parent in self.owners):
                    clashes.append((key, depth, parent))
                depth, cut = depth + 1, name.rfind("/", 0, cut)
        for key, _depth, parent in sorted(clashes):
            culprit = self.owners.get(key) or self.owners[parent]
            other = self.what.get(parent) or f"published by `{self.owners.get(parent)}`"
            self.problems.append(error(
                "duplicate-url", f"`{culprit}` would publish `{key}`, but `{parent}` "
                f"is a file: {other}", SourceLocation(culprit, 1, 1),
                "give the post another `slug:`, or rename its folder"))
        if self.problems:
            raise DistillgenError(self.problems)
        return self.plan


_OUTPUT_PATHS: dict[str, PurePosixPath] = {}
"""Output paths already made, by their text: a dev server plans the same few thousand paths
on every rebuild, and making a path object costs more than finding it."""


def _output_path(path: str) -> PurePosixPath:
    key = _OUTPUT_PATHS.get(path)
    if key is None:
        if len(_OUTPUT_PATHS) > 1_000_000:
            _OUTPUT_PATHS.clear()
        key = _OUTPUT_PATHS[path] = PurePosixPath(path)
    return key


def _collision(source: str, key: PurePosixPath, other: str) -> Diagnostic:
    return error("duplicate-url", f"`{source}` would publish `{key}`, which is {other}",
                 SourceLocation(source, 1, 1),
                 "give the post another `slug:`, or move it to another folder")
