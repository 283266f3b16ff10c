"""The settings each stage reads, built once from :class:`~distillgen.config.SiteConfig`.

A stage that is cached (parsing front matter, rendering Markdown) is handed a small frozen
object holding exactly the settings it reads, and nothing else: reading another setting there
is an AttributeError, not a stale cache. Each object is its stage's share of the cache key
(:func:`distillgen.cache.keys.settings_key`), so editing the site's ``title`` re-runs the
templates but parses and renders nothing again. Pages read every setting: their share of the
key is :meth:`SiteConfig.fingerprint`.

The objects are built once per build by :func:`stage_settings` and held, not copied, by
whatever needs them (the render context, the per-document render state).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .config import SiteConfig


@dataclass(frozen=True)
class ParseSettings:
    """What reading a post's front matter depends on."""

    content_dir: str
    """Decides what is a post (under ``<content_dir>/blog/``) and each page's address."""


@dataclass(frozen=True)
class RenderSettings:
    """What rendering a post's Markdown depends on, besides the post and what it cites."""

    citation_style: str
    unknown_citation: str
    content_dir: str
    smart_punctuation: bool
    language: str
    """CSL styles write their terms ("and", "p.") in the site's language."""


@dataclass(frozen=True)
class StageSettings:
    """The settings of every cached stage, built once per build."""

    parse: ParseSettings
    render: RenderSettings


_Settings = TypeVar("_Settings", ParseSettings, RenderSettings)


def _of(kind: type[_Settings], config: SiteConfig) -> _Settings:
    return kind(**{f.name: getattr(config, f.name) for f in fields(kind)})


def stage_settings(config: SiteConfig) -> StageSettings:
    """Each cached stage's settings, taken from ``config``."""
    return StageSettings(parse=_of(ParseSettings, config), render=_of(RenderSettings, config))


def default_render_settings() -> RenderSettings:
    """The render settings of a site with no settings file: the defaults live in SiteConfig
    alone."""
    from .config import SiteConfig

    return _of(RenderSettings, SiteConfig(Path(".")))
