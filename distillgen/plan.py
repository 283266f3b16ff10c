"""plan_output: every file of the site, as bytes in memory (or a file to copy), by path.

Nothing here touches the output folder; write.py puts the plan on disk in one atomic step.
Links between pages are relative (the site works under any subpath); feeds, sitemaps and
metadata use absolute URLs under ``base_url``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from .assemble import Site, TagPage
from .cite_post import cite_post
from .config import SiteConfig
from .errors import DistillgenError
from .markdown.highlight import stylesheet
from .model import Author, RenderedPost
from .names import slugify
from .templates import relative_url, template_failure, theme_assets_dir

Plan = dict[PurePosixPath, bytes | Path]
ROOT = "\x00root\x00"
"""Stands for the link prefix to the site root in listing items rendered once per post; each
listing page replaces it with its own (``./`` or ``../../``). A NUL never occurs in a page."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def absolute_url(config: SiteConfig, target: str) -> str:
    """``<base_url><target>``; base_url always ends with a slash."""
    return config.base_url + target


def post_target(post: RenderedPost) -> str:
    return f"{post.post.url_path}/"


def tag_target(tag: TagPage) -> str:
    return f"tags/{tag.slug}/"


class PageRenderer:
    """Renders templates with the helpers every page shares."""

    def __init__(self, config: SiteConfig, site: Site | None, env: jinja2.Environment):
        self.config = config
        self.site = site
        self.env = env
        self.base_path = urlsplit(config.base_url).path or "/"

    def context(self, page_dir: str, *, rooted: bool = False) -> dict:
        """Helpers for a page in ``page_dir``; ``rooted`` pages (404) link from the base path."""
        if rooted:
            def url(target: str) -> str:
                return self.base_path + target
        else:
            def url(target: str) -> str:
                return relative_url(target, page_dir)
        root_prefix = relative_url("", page_dir) if not rooted else self.base_path

        def listing_item(post: RenderedPost) -> Markup:
            return Markup(post.listing_html.replace(ROOT, root_prefix))

        return {
            "listing_item": listing_item,
            "config": self.config,
            "site": self.site,
            "url": url,
            "absolute": lambda target: absolute_url(self.config, target),
            "post_url": lambda post: url(post_target(post)),
            "tag_url": lambda name: url(f"tags/{self.tag_slug(name)}/"),
            "page_dir": page_dir,
            "generator": "distillgen",
        }

    def tag_slug(self, name: str) -> str:
        return slugify(name)

    def render(self, template: str, page_dir: str, rooted: bool = False, **values) -> bytes:
        """The page as bytes; a failing template raises DistillgenError (``bad-template``)."""
        context = self.context(page_dir, rooted=rooted)
        context.update(values)
        try:
            return self.env.get_template(template).render(context).encode("utf-8")
        except jinja2.TemplateError as problem:
            raise DistillgenError([template_failure(problem, self.config.root)]) from None


class PostPages:
    """Renders a post's page; built once per build, called in worker processes."""

    def __init__(self, config: SiteConfig, env: jinja2.Environment):
        self.renderer = PageRenderer(config, None, env)
        self.env = env

    def __call__(self, post: RenderedPost) -> tuple[bytes, str]:
        """The post's page, and its item for listings (links from :data:`ROOT`)."""
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
            item = macros.post_item(post, lambda p: ROOT + post_target(p),  # type: ignore[attr-defined]
                                    lambda name: f"{ROOT}tags/{self.renderer.tag_slug(name)}/")
        except jinja2.TemplateError as problem:
            raise DistillgenError([template_failure(problem, config.root)]) from None
        return page, str(item)


def preview_image_url(config: SiteConfig, post: RenderedPost) -> str | None:
    """Absolute URL of a post's preview image (front matter ``image``)."""
    image = post.post.meta.image
    if image and "://" in image:
        return image
    return absolute_url(config, str(post.image)) if post.image else None


def _json_ld(config: SiteConfig, post: RenderedPost, canonical: str) -> dict:
    meta = post.post.meta
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
        data["identifier"] = f"https://doi.org/{meta.doi}"
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
                post_pages: Mapping[str, bytes | Path],
                post_files: Mapping[str, bytes] | None = None) -> Plan:
    """Every output file: pages, feeds, sitemap, theme and site assets, copied images, and
    each post's citation downloads.

    ``site_assets``: the site's ``assets/`` files by their path inside it (they override
    the theme's); ``copied``: images posts reference, by output path; ``post_pages``: each
    post's page (rendered with :class:`PostPages`), by source path; ``post_files``: other
    files of post folders by output path (each post's ``references.bib``).
    """
    renderer = PageRenderer(config, site, env)
    plan: Plan = {}

    def put(path: str, content: bytes | Path) -> None:
        plan[PurePosixPath(path)] = content

    for path in sorted(copied):
        put(path, copied[path])
    for file in sorted(theme_assets_dir().rglob("*")):
        if file.is_file():
            put(f"assets/{file.relative_to(theme_assets_dir()).as_posix()}", file)
    put("assets/css/highlight.css", stylesheet().encode("utf-8"))
    for relative in sorted(site_assets):
        put(f"assets/{relative}", site_assets[relative])

    for post in site.posts:
        put(f"{post.post.url_path}/index.html", post_pages[post.post.source_path])
        if post.post.meta.citation:
            citation = cite_post(post.post.meta, absolute_url(config, post_target(post)),
                                 config.title, config.author)
            put(f"{post.post.url_path}/cite.bib", (citation.bibtex + "\n").encode("utf-8"))
            put(f"{post.post.url_path}/cite.ris", citation.ris.encode("utf-8"))
    for path in sorted(post_files or {}):
        put(path, (post_files or {})[path])
    put("index.html", renderer.render("index.html", ""))
    put("tags/index.html", renderer.render("tags.html", "tags"))
    for tag in site.tags:
        put(f"tags/{tag.slug}/index.html", renderer.render("tag.html", f"tags/{tag.slug}", tag=tag))
    put("404.html", renderer.render("404.html", "", rooted=True))
    updated = newest_date(site)
    def limit_of(posts: tuple[RenderedPost, ...]) -> int:
        return config.feed_limit or len(posts)

    limit = limit_of(site.posts)
    put("feed.xml", renderer.render("feed.xml", "", posts=site.posts[:limit], updated=updated,
                                    summaries=False, feed_url=absolute_url(config, "feed.xml"),
                                    feed_id=absolute_url(config, "")))
    for tag in site.tags:
        put(f"tags/{tag.slug}/feed.xml",
            renderer.render("feed.xml", f"tags/{tag.slug}", posts=tag.posts[:limit_of(tag.posts)],
                            summaries=True,
                            updated=newest_date(Site(posts=tag.posts, featured=(), tags=())),
                            feed_url=absolute_url(config, f"tags/{tag.slug}/feed.xml"),
                            feed_id=absolute_url(config, tag_target(tag))))
    put("sitemap.xml", renderer.render("sitemap.xml", "", updated=updated, tag_target=tag_target,
                                       post_target=post_target))
    put("robots.txt", renderer.render("robots.txt", "",
                                      sitemap=absolute_url(config, "sitemap.xml")))
    return plan
