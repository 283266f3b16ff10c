"""Ctrl-C at any moment, even while the modules still load, ends with exit code 130 and one
line; settings that break the TOML parser are located errors.

A terminal's Ctrl-C can land before the interpreter has run one line of distillgen (Python's
own start-up, ``site``, and runpy looking for ``__main__``), which no program can catch; so
the interrupt here comes from a timer, at delays that cover the import of every module,
reading the settings and the start of the build, and is held back until the entry point
runs (it imports ``distillgen.cli`` first thing).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.sitekit import cli_env, run_build, snapshot, unlocated_lines, write_files

INTERRUPTED_AFTER = """
import os, runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
def interrupt(*_):
    if "distillgen.cli" in sys.modules:  # the entry point runs: it imports this first
        os.kill(os.getpid(), signal.SIGINT)
    else:
        signal.setitimer(signal.ITIMER_REAL, 0.0002)
signal.signal(signal.SIGALRM, interrupt)
sys.argv = ["distillgen", "build"]
signal.setitimer(signal.ITIMER_REAL, {delay})
runpy.run_module("distillgen", run_name="__main__", alter_sys=True)
"""

DELAYS_MS = list(range(0, 100, 5))


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    root = write_files(tmp_path_factory.mktemp("interrupted"), {
        f"content/blog/p{i}.md": f"---\ntitle: Post {i}\npubDate: 2024-01-01\ntags: [t{i}]\n"
                                 f"---\nSome $x^{i}$ text [^n].\n\n[^n]: A note.\n"
        for i in range(30)})
    run = run_build(root)
    assert run.returncode == 0, run.stderr
    return root


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
def test_ctrl_c_in_the_first_100_ms_exits_130_without_a_traceback(built_site: Path,
                                                                  delay_ms: int):
    before = snapshot(built_site / "site")
    (built_site / "content" / "blog" / "p0.md").write_text(
        f"---\ntitle: Edited {delay_ms}\npubDate: 2024-01-01\n---\nEdited.\n")
    delay = max(delay_ms / 1000, 1e-6)  # 0 would switch the timer off
    run = subprocess.run([sys.executable, "-c", INTERRUPTED_AFTER.format(delay=delay)],
                         cwd=built_site, env=cli_env(), capture_output=True, text=True,
                         timeout=120)
    if run.returncode == 0:
        return  # the build finished first: nothing to interrupt
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr == "interrupted\n"
    assert snapshot(built_site / "site") == before


def test_deep_toml_nesting_is_a_located_error(tmp_path: Path):
    root = write_files(tmp_path, {"distillgen.toml": 'title = "x"\nauthor = ' + "[" * 100_000
                                  + "\n"})
    run = run_build(root)
    assert run.returncode == 1
    assert run.stderr.startswith("distillgen.toml:2:109: error[bad-config]: invalid TOML: "
                                 "arrays or tables nested too deeply")
    assert unlocated_lines(run.stderr) == []


def test_deep_nesting_inside_strings_and_comments_does_not_count(tmp_path: Path):
    text = ('title = "' + "[" * 200 + '"\n# ' + "{" * 200 + "\n"
            + "description = " + "[" * 100_000 + "\n")
    root = write_files(tmp_path, {"distillgen.toml": text})
    run = run_build(root)
    assert run.returncode == 1
    assert run.stderr.startswith("distillgen.toml:3:114: error[bad-config]")


def test_a_ctrl_c_python_wraps_in_another_error_is_still_an_interrupt(monkeypatch, capsys):
    """Python 3.11 wraps a KeyboardInterrupt raised inside ``__set_name__`` (while a
    dataclass is created during an import) in a RuntimeError."""
    import distillgen.cli
    from distillgen.__main__ import run

    def wrapped_interrupt() -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise RuntimeError("Error calling __set_name__") from interrupt

    monkeypatch.setattr(distillgen.cli, "main", wrapped_interrupt)
    assert run() == 130
    assert capsys.readouterr().err == "interrupted\n"

    def other_error() -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(distillgen.cli, "main", other_error)
    with pytest.raises(RuntimeError, match="a bug"):
        run()
