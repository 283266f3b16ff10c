"""The whole build: read everything, render, check, then write once.

Nothing is written unless every post rendered without an error, so a failed build leaves the
previous ``site/`` exactly as it was. :func:`build` first asks whether anything changed since
the last successful build (:mod:`distillgen.cache.fingerprint`, which imports no renderer):
when nothing did, that is the whole build. Otherwise it runs the stages of
:mod:`distillgen.stages` in order, each redoing only what an edit reaches.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .outcome import BuildOptions, BuildResult

if TYPE_CHECKING:
    from .stages import Warm

__all__ = ["BuildOptions", "BuildResult", "build", "unchanged"]


def build(root: Path, *, warm: Warm | None = None, **options: Any) -> BuildResult:
    """Build the site at ``root``; write it only when there is no error.

    Options (:class:`BuildOptions`): ``include_drafts``; ``output`` instead of the
    ``output_dir`` setting; ``write`` False to build without writing (the dev server);
    ``strict`` to fail on warnings; ``use_cache``; ``workers`` (default: one per core);
    ``report_unused`` adds a warning per bibliography entry no post cites (for ``check``);
    ``progress`` is told (posts rendered, posts to render) as rendering advances;
    ``overrides`` of settings (``--base-url``); ``deploy_warnings`` warns about settings
    that only matter once the site is published (a local ``base_url``), for ``build`` and
    ``check`` but not the dev server; ``read_only_cache`` reads the cache but writes nothing
    to it (``check`` writes nothing). A cache that cannot be written makes the build start
    again without one, with a warning. ``warm``: the state a dev server keeps between builds
    (see :class:`distillgen.stages.Warm`).
    """
    started = time.perf_counter()
    chosen = BuildOptions(**options)
    result, inputs = _no_change(root, chosen) if warm is None else (None, None)
    if result is None:
        result = _build(root, chosen, warm, inputs)
    result.seconds = time.perf_counter() - started
    return result


def unchanged(root: Path, options: BuildOptions) -> BuildResult | None:
    """The last build's result when no input and no output changed since: the no-change
    fast path. None when there is a build to do (or the question cannot be answered here:
    the stages report every problem)."""
    return _no_change(root, options)[0]


def _no_change(root: Path, options: BuildOptions) -> tuple[BuildResult | None, str | None]:
    """:func:`unchanged`, and the inputs' digest it took (the build records it, taken before
    it read anything: an edit made while it runs is seen by the next build)."""
    if not options.write or not options.use_cache or options.read_only_cache:
        return None, None
    from .cache import fingerprint
    from .config import load_config
    from .errors import DistillgenError
    from .write import OutputError, check_output

    try:
        config = load_config(root, options.overrides)
    except DistillgenError:
        return None, None
    out_dir = (options.output or config.output_path()).absolute()
    if options.output is not None and config.output_refusal(out_dir):
        return None, None
    try:
        check_output(out_dir, config.root)
    except OutputError:
        return None, None
    inputs, summary = fingerprint.check(config, out_dir, options.fingerprint(out_dir))
    if summary is None:
        return None, inputs
    return BuildResult(config=config, diagnostics=list(summary["diagnostics"]),
                       stats={**summary["stats"], "unchanged": True}), inputs


def _build(root: Path, options: BuildOptions, warm: Warm | None,
           inputs: str | None = None) -> BuildResult:
    from .cache import CacheUnwritable
    from .stages import Run, cache_warning

    try:
        return _stages(Run(root, options, warm=warm, inputs=inputs))
    except CacheUnwritable as problem:
        return _stages(Run(root, replace(options, use_cache=False),
                           carried=(cache_warning(str(problem)),)))


def _stages(run: Run) -> BuildResult:
    """The stages in order; each returns False to end the build there."""
    (run.load_config()
     and run.check_output()
     and run.open_cache()
     and run.read_sources()
     and run.read_bibliographies()
     and run.index_files()
     and run.render()
     and run.assemble()
     and run.plan()
     and run.check_links()
     and run.write())
    return run.finish()


if TYPE_CHECKING:
    from .stages import Run
