"""The pages a site generates (the index, tag pages, feeds, the sitemap, redirects), made
again only when what they show changed.

Each generated page is keyed by the page key (settings, templates, menu), its path, and the
arguments its template gets: a post counts by the digest of what listings see of it
(:func:`distillgen.renders.listing_of`), so editing a post's text leaves every listing alone
unless its title, date, description, tags or first paragraph changed, and only the feeds that
carry it are made again. Templates may also look at the whole site (``site.posts``): the
site they get records whether they did, and a page that did is keyed by the digest of the
whole site as well. Its next build is exact either way: same key, same arguments, same
template, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .assemble import Site, TagPage
from .cache import keys
from .cache.blobs import BlobStore
from .cache.index import GeneratedRecord, SiteIndex
from .model import Blob, Content, RenderedPost


class TrackedSite:
    """A :class:`~distillgen.assemble.Site` as templates see it, noting whether they read
    what depends on every post."""

    def __init__(self, site: Site):
        self._site = site
        self.used = False
        self.menu = site.menu
        self.extra = site.extra
        self.include_drafts = site.include_drafts

    @property
    def posts(self) -> tuple[RenderedPost, ...]:
        self.used = True
        return self._site.posts

    @property
    def featured(self) -> tuple[RenderedPost, ...]:
        self.used = True
        return self._site.featured

    @property
    def tags(self) -> tuple[TagPage, ...]:
        self.used = True
        return self._site.tags

    @property
    def pages(self) -> tuple[RenderedPost, ...]:
        self.used = True
        return self._site.pages


class GeneratedPages:
    """The generated pages of one build: each reused from the index while its key holds."""

    def __init__(self, index: SiteIndex, site: Site, page_key: str,
                 digests: Mapping[int, str], blobs: BlobStore | None):
        """``digests``: for each post object listings get (by ``id``), its digest."""
        self.old = index.generated
        self.records: dict[str, GeneratedRecord] = {}
        self.site = site
        self.page_key = page_key
        self.digests = digests
        self.blobs = blobs
        self.rendered = 0
        self._site_digest: str | None = None

    def page(self, path: str, arguments: Any, render: Callable[[TrackedSite], bytes]
             ) -> Content:
        """The page at ``path``: its blob when its key is unchanged, else ``render`` it."""
        own = keys.digest(self.page_key, path, self._digest(arguments))
        old = self.old.get(path)
        if old is not None and self.blobs is not None and \
                old.key == (self._with_site(own) if old.uses_site else own) and \
                self.blobs.present(old.blob):
            self.records[path] = old
            return Blob(old.blob, self.blobs.folder / old.blob)
        tracked = TrackedSite(self.site)
        data = render(tracked)
        self.rendered += 1
        if self.blobs is None or self.blobs.read_only:
            return data
        name = self.blobs.put(data)
        key = self._with_site(own) if tracked.used else own
        self.records[path] = GeneratedRecord(key, name, tracked.used)
        return Blob(name, self.blobs.folder / name)

    def _with_site(self, own: str) -> str:
        if self._site_digest is None:
            site = self.site
            self._site_digest = keys.digest(
                self._digest(site.posts), self._digest(site.pages), self._digest(site.tags),
                repr(site.include_drafts))
        return keys.digest(own, self._site_digest)

    def _digest(self, value: Any) -> str:
        """A key part for a template argument: posts by their digest, tags by theirs."""
        if isinstance(value, RenderedPost):
            return self.digests[id(value)]
        if isinstance(value, TagPage):
            return keys.digest(value.name, value.slug, self._digest(value.posts))
        if isinstance(value, (tuple, list)):
            return keys.digest("[", *(self._digest(item) for item in value))
        if isinstance(value, dict):
            return keys.digest("{", *(part for name in sorted(value)
                                      for part in (name, self._digest(value[name]))))
        if callable(value):
            return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
        return repr(value)
