"""Full renders, packed: what a changed template is applied to instead of rendering the
Markdown again.

Each worker writes the full renders of one batch of posts as one entry (a pack), so a cold
build writes a few dozen files, not one per post. A pack is read whole, and only when a
post's page must be made again from an unchanged render (a template or a site setting
changed). A damaged pack reads as missing: its posts render again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .store import Cache, digest

NAMESPACE = "renders"


class RenderPacks:
    def __init__(self, directory: Path, *, read_only: bool = False):
        self._cache = Cache(directory, NAMESPACE, read_only=read_only)
        self._read: dict[str, dict[str, Any] | None] = {}

    def write(self, renders: dict[str, Any]) -> str:
        """Store ``renders`` (render key -> full render) as one pack; its name."""
        name = digest(*sorted(renders))
        self._cache.put(name, renders)
        return name

    def get(self, pack: str, key: str) -> Any | None:
        """The full render ``key`` from ``pack``, or None."""
        if pack not in self._read:
            value = self._cache.get(pack) if pack else None
            self._read[pack] = value if isinstance(value, dict) else None
        renders = self._read[pack]
        return renders.get(key) if renders else None

    def prune(self, keep: set[str]) -> None:
        self._cache.prune(keep)
