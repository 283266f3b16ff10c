"""What the plugins leave in :class:`~.state.RenderState` to be finished once the whole
document is rendered: citations wait for their text (it depends on every work the post
cites), cross-references for their targets (which may come later in the post).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..bibliography.model import Entry


@dataclass(frozen=True)
class CiteItem:
    """One cited work inside a citation, with pandoc's optional extras."""

    key: str
    prefix: str = ""
    suffix: str = ""
    """Locator and suffix text, e.g. ``p. 33``."""
    suppress_author: bool = False


@dataclass(frozen=True)
class CitationRecord:
    """One rendered citation, waiting for its text."""

    mode: str
    """``intext`` (``@key``) or ``paren`` (``[@key]``)."""
    items: tuple[tuple[CiteItem, Entry | None], ...]
    links: tuple[tuple[str, str, str], ...]
    """Per resolved item: (key, hover card id, ``id`` attribute of the back-link target of
    the work's first citation or ""); ids are empty in the feed copy."""
    for_feed: bool


@dataclass(frozen=True)
class ReferenceUse:
    """One reference as written, waiting for its page to be rendered."""

    label: str
    style: str
    """``eqref`` "(1)", ``ref`` "1", ``name`` "Figure 1", ``bare`` "1"."""
    word: str | None = None
    """Written instead of the kind's name: ``[Fig. @fig-x]``."""
    capital: bool = False
    suffix: str = ""
