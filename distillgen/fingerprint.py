"""Which code made a cached result: distillgen's own source and its renderers' versions.

Kept apart from the pipeline so the no-change check can ask without importing it.
"""

from __future__ import annotations

import functools

from .cache import digest


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """distillgen's code and its renderers' versions: changing any invalidates the cache."""
    from importlib import metadata

    from . import __version__

    parts = [__version__, _source_digest()]
    for package in ("markdown-it-py", "mdit-py-plugins", "latex2mathml", "pygments", "pybtex",
                    "jinja2"):
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=?")
    return ";".join(parts)


def _source_digest() -> str:
    """A hash of distillgen's own code, so an edited (or editable-installed) copy never reuses
    results rendered by different code."""
    from pathlib import Path

    package = Path(__file__).parent
    files = sorted(package.rglob("*.py"))
    return digest(*(part for f in files for part in (f.relative_to(package).as_posix(),
                                                      f.read_bytes())))
