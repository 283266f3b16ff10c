"""How to build (:class:`BuildOptions`) and what a build did (:class:`BuildResult`): shared by
:func:`distillgen.build.build`, its stages and the dev server, in a module of their own so
the stages need not import the function that runs them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Diagnostic

if TYPE_CHECKING:
    from .assemble import Site
    from .config import SiteConfig
    from .model import Plan


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


@dataclass(frozen=True)
class BuildOptions:
    """How to build (see :func:`build`)."""

    include_drafts: bool = False
    output: Path | None = None
    write: bool = True
    strict: bool = False
    use_cache: bool = True
    workers: int | None = None
    report_unused: bool = False
    progress: Callable[[int, int], None] | None = None
    overrides: Mapping[str, Any] | None = None
    deploy_warnings: bool = False
    read_only_cache: bool = False

    def fingerprint(self, out_dir: Path) -> tuple:
        """The options that change what a build writes, for the no-change check."""
        return (self.include_drafts, self.strict, str(out_dir.absolute()),
                self.deploy_warnings, sorted((self.overrides or {}).items()))
