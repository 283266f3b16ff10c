"""Helpers the robustness tests share: make a site on disk, run the command line on it, take
whole-tree snapshots, and check that diagnostics are located.

The tests here build sites as a new user would, so they go through the real command line
(``python -m distillgen build``) in a subprocess wherever a traceback or an exit code matters.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository root, which is also the example site."""

EXAMPLE_PARTS = ("content", "assets", "templates", "references.bib", "distillgen.toml")
"""What makes up the example site at the repository root (the rest is the package)."""

DIAGNOSTIC = re.compile(r"^.+:\d+:\d+: (error|warning)\[[a-z-]+\]")
"""The first line of every located diagnostic: ``path:line:col: error[code]: message``."""
SUMMARY = re.compile(r"^(built|checked) \d+ posts?|^build failed: ")
"""The command's own closing lines."""


def write_files(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create ``files`` (site-relative path -> text or bytes) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    return root


def copy_example_site(dest: Path) -> Path:
    """A fresh copy of the example site (its inputs only, no output, no cache)."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in EXAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        elif source.is_file():
            shutil.copy2(source, dest / part)
    return dest


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes; links as ``-> target``."""
    files: dict[str, bytes] = {}
    if not folder.exists():
        return files
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            files[relative] = b"-> " + os.fsencode(os.readlink(path))
        elif path.is_file():
            files[relative] = path.read_bytes()
    return files


def tree_difference(actual: Mapping[str, bytes], expected: Mapping[str, bytes]) -> str:
    """A short account of how two snapshots differ, for assertion messages."""
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(k for k in actual.keys() & expected.keys() if actual[k] != expected[k])
    return f"missing {missing[:5]}, extra {extra[:5]}, changed {changed[:5]}"


def cli_env(**extra: str) -> dict[str, str]:
    """A clean environment that imports this checkout of distillgen."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO),
           "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp")}
    env.update(extra)
    return env


def run_build(root: Path, *args: str, timeout: float = 120,
              env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m distillgen build`` in ``root``, as a user would type it."""
    return subprocess.run([sys.executable, "-m", "distillgen", "build", *args], cwd=root,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(env) if env is not None else cli_env())


def unlocated_lines(stderr: str) -> list[str]:
    """Lines of the command's error output that are neither a located diagnostic, its hint,
    nor the closing line: each is a problem reported without a place (or a traceback)."""
    return [line for line in stderr.splitlines()
            if line.strip() and not DIAGNOSTIC.match(line)
            and not line.startswith("  hint: ") and not SUMMARY.match(line)]


def example_bib_keys() -> list[str]:
    """The citation keys of the example site's bibliography, in file order."""
    text = (REPO / "references.bib").read_text("utf-8")
    return re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.MULTILINE)


def synthetic_posts(count: int, seed: int = 1, *, words: int = 60) -> dict[str, str]:
    """``count`` small posts in the example site's dialect (citations of its .bib, notes,
    math, code, a figure, tags), the same for the same arguments; for sites that need many
    posts but must build in seconds."""
    import random

    rng = random.Random(seed)
    keys = example_bib_keys()
    vocabulary = ["model", "gradient", "baseline", "feature", "attribution", "value", "game",
                  "player", "network", "input", "output", "estimate", "sample", "noise", "layer",
                  "path", "integral", "relevance"]
    tags = ["shap", "gradients", "theory", "practice", "images", "Ünïcödé & co"]
    images = ["ig-path.svg", "lrp-flow.svg", "saturation-heatmap.png"]
    posts = {}
    for number in range(count):
        text = " ".join(rng.choice(vocabulary) for _ in range(words))
        first, second = rng.sample(keys, 2)
        day = 1 + number % 28
        posts[f"content/blog/post-{number:04d}.md"] = (
            f"---\ntitle: \"Post {number}: {rng.choice(vocabulary)}\"\n"
            f"pubDate: 20{10 + number % 14}-{1 + number % 12:02d}-{day:02d}\n"
            f"tags: [{rng.choice(tags)}, {rng.choice(tags)}]\n"
            f"authors:\n  - name: Author {number % 7}\n    url: https://example.org/{number % 7}\n"
            f"featured: {'true' if number % 11 == 0 else 'false'}\n---\n\n"
            f"{text} [@{first}] and @{second}.[^a]\n\n"
            f"## Section {number}\n\n$$\\sum_{{i=1}}^{{{number + 2}}} \\phi_i = f(x) - f(x')$$\n\n"
            f"![Figure {number}](../../assets/images/{rng.choice(images)})\n\n"
            f"```python\nprint({number})\n```\n\n[^a]: A note with $x_{{{number}}}$.\n")
    return posts
