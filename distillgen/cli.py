"""The command line: init | build | serve | new | check | explain, and their exit codes.

Exit codes: 0 success, 1 the input has errors (or warnings under --strict), 2 bad usage
(an ``--output`` the build may not replace included), 130 interrupted with Ctrl-C.

Each command imports the stages it runs when it runs, so ``--help``, ``--version`` and
``explain`` answer without loading the renderer.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import DistillgenError, error, format_diagnostics
from .names import suggest_name

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="distillgen", description="Build a Distill-style research blog into static HTML.")
    parser.add_argument("--version", action="version", version=f"distillgen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="start a new site in an empty or new folder")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR",
                      help="the folder to create the site in (default: the current folder)")

    build = commands.add_parser("build", help="build the site in the current folder")
    build.add_argument("--drafts", action="store_true", help="include posts with draft: true")
    build.add_argument("--strict", action="store_true", help="fail on warnings too")
    build.add_argument("--output", type=Path, metavar="DIR", help="output folder (default: site)")
    build.add_argument("--base-url", metavar="URL",
                       help="the address the site is published at, instead of base_url in "
                            "distillgen.toml (for a deploy: https://you.github.io/blog/)")
    build.add_argument("--root", type=Path, default=Path("."), help=argparse.SUPPRESS)

    serve = commands.add_parser("serve", help="build, serve locally and rebuild on change")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: loopback only)")
    serve.add_argument("--drafts", action="store_true")
    serve.add_argument("--root", type=Path, default=Path("."), help=argparse.SUPPRESS)

    new = commands.add_parser("new", help="start a new post in content/blog/")
    new.add_argument("title")
    new.add_argument("--root", type=Path, default=Path("."), help=argparse.SUPPRESS)

    check = commands.add_parser("check", help="report every problem, write nothing")
    check.add_argument("--drafts", action="store_true")
    check.add_argument("--strict", action="store_true")
    check.add_argument("--base-url", metavar="URL", help="as for build")
    check.add_argument("--root", type=Path, default=Path("."), help=argparse.SUPPRESS)

    explain = commands.add_parser("explain", help="explain a diagnostic code, such as bad-math")
    explain.add_argument("code", nargs="?", help="the code; without one, list every code")
    return parser


def _print_diagnostics(diagnostics) -> None:
    if diagnostics:
        print(format_diagnostics(diagnostics), file=sys.stderr)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _summary(result, verb: str) -> str:
    """``built 3 posts, 1 page, 5 tags in 0.41 s; 1 draft skipped (--drafts includes it)``."""
    errors = sum(1 for d in result.diagnostics if d.is_error)
    warnings = len(result.diagnostics) - errors
    posts = result.stats.get("posts", 0)
    pages = result.stats.get("standalone", 0)
    tags = result.stats.get("tags", 0)
    text = f"{verb} {_count(posts, 'post')}, "
    if pages:
        text += f"{_count(pages, 'page')}, "
    text += f"{_count(tags, 'tag')} in {result.seconds:.2f} s"
    if result.stats.get("unchanged"):
        text += " (nothing changed)"
    if errors or warnings:
        text += f" ({_count(errors, 'error')}, {_count(warnings, 'warning')})"
    drafts = result.stats.get("drafts", 0)
    if drafts:
        text += f"; {_count(drafts, 'draft')} skipped (--drafts includes " \
                f"{'it' if drafts == 1 else 'them'})"
    return text


class ProgressBar:
    """``rendering [#####     ] 412/1000 posts`` on a terminal, for builds with many posts to
    render; nothing when output goes to a file or a pipe, or under CI."""

    MIN_POSTS = 50
    WIDTH = 30

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.shown = False

    @classmethod
    def wanted(cls) -> bool:
        return sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")

    def __call__(self, done: int, total: int) -> None:
        if total < self.MIN_POSTS:
            return
        filled = self.WIDTH * done // total
        bar = "#" * filled + " " * (self.WIDTH - filled)
        self.stream.write(f"\rrendering [{bar}] {done}/{total} posts")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (self.WIDTH + 40) + "\r")
            self.stream.flush()


def output_flag_problem(root: Path, output: Path):
    """A ``bad-config`` diagnostic when ``--output`` names a folder the build may not
    replace (the rule of :func:`distillgen.output_rule.output_refusal`), else None. Settings that
    do not load are left for the build to report."""
    from .config import load_config

    try:
        config = load_config(root)
    except DistillgenError:
        return None
    refusal = config.output_refusal(output.absolute())
    if refusal is None:
        return None
    return error("bad-config", f"--output {output} {refusal}",
                 hint="choose a folder of its own, such as --output site")


def run_build(args: argparse.Namespace) -> int:
    from .build import build

    if args.output is not None:
        problem = output_flag_problem(args.root.resolve(), args.output)
        if problem is not None:
            print(problem.format(), file=sys.stderr)
            return EXIT_USAGE
    bar = ProgressBar() if ProgressBar.wanted() else None
    try:
        result = build(args.root.resolve(), include_drafts=args.drafts, output=args.output,
                       strict=args.strict, progress=bar, overrides=_overrides(args),
                       deploy_warnings=True)
    finally:
        if bar is not None:
            bar.clear()
    _print_diagnostics(result.diagnostics)
    if result.failed or (args.strict and result.diagnostics):
        print("build failed: nothing was written; the previous site is unchanged",
              file=sys.stderr)
        return EXIT_ERRORS
    print(_summary(result, "built"))
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from .build import build

    result = build(args.root.resolve(), include_drafts=args.drafts, write=False,
                   strict=args.strict, report_unused=True, overrides=_overrides(args),
                   deploy_warnings=True, read_only_cache=True)
    _print_diagnostics(result.diagnostics)
    failed = result.failed or (args.strict and result.diagnostics)
    print(_summary(result, "checked"), file=sys.stderr if failed else sys.stdout)
    return EXIT_ERRORS if failed else EXIT_OK


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    """Settings given on the command line; they win over distillgen.toml."""
    return {"base_url": args.base_url} if args.base_url else {}


def run_init(args: argparse.Namespace) -> int:
    from .starter import SiteExists, create_site, next_steps

    try:
        created = create_site(args.directory)
    except SiteExists as problem:
        print(f"error: {problem}", file=sys.stderr)
        print(f"  hint: {problem.hint}", file=sys.stderr)
        return EXIT_ERRORS
    print(next_steps(args.directory, created))
    return EXIT_OK


def run_new(args: argparse.Namespace) -> int:
    from .scaffold import new_post

    try:
        path = new_post(args.root.resolve(), args.title)
    except FileExistsError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_ERRORS
    try:
        shown = path.relative_to(args.root.resolve())
    except ValueError:
        shown = path
    print(f"created {shown}: a draft, which builds show with --drafts "
          "(`distillgen serve --drafts`); delete its `draft: true` line to publish it")
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(args.root.resolve(), host=args.host, port=args.port,
                 include_drafts=args.drafts)


def run_explain(args: argparse.Namespace) -> int:
    from .codes import CODES, explain

    if args.code is None:
        width = max(len(name) for name in CODES)
        for code in sorted(CODES.values(), key=lambda code: code.name):
            print(f"{code.name:<{width}}  {code.summary}")
        return EXIT_OK
    text = explain(args.code)
    if text is None:
        near = suggest_name(args.code, CODES)
        hint = f"; did you mean `{near}`?" if near else "; `distillgen explain` lists them all"
        print(f"error: no diagnostic code `{args.code}`{hint}", file=sys.stderr)
        return EXIT_USAGE
    print(text, end="")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """The command line. ``distillgen.__main__.run``, the installed entry point, calls it and
    turns Ctrl-C into exit code 130."""
    handlers = {"build": run_build, "check": run_check, "new": run_new, "serve": run_serve,
                "explain": run_explain, "init": run_init}
    try:
        args = _parser().parse_args(argv)
        return handlers[args.command](args)
    except BrokenPipeError:  # `distillgen explain | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
