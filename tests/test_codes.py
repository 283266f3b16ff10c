"""The diagnostic code registry: every code the code can emit is listed and explained."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from distillgen.codes import CODES, explain, reference_page
from distillgen.errors import Diagnostic, Severity, error

PACKAGE = Path(__file__).resolve().parents[1] / "distillgen"

EMITTERS = {"error", "warning", "report", "refuse", "Diagnostic", "_problem", "problem"}
"""Functions whose first string argument (or the second, for ``Diagnostic``) is a code."""


def _codes_in_source() -> dict[str, str]:
    """Every string literal passed as a code to a diagnostic-making call, with where it is."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in EMITTERS:
                continue
            candidates = [*node.args[:2], *(k.value for k in node.keywords if k.arg == "code")]
            for arg in candidates:
                # A code may be chosen by a condition: "a" if x else "b".
                values = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str) \
                            and _looks_like_code(value.value):
                        found.setdefault(value.value, f"{path.name}:{value.lineno}")
    return found


def _looks_like_code(text: str) -> bool:
    return text.replace("-", "").isalpha() and text.islower() and " " not in text


def test_the_source_emits_codes_and_the_walk_finds_them():
    found = _codes_in_source()
    # The walk itself must see the codes it is meant to check.
    assert {"bad-math", "unknown-citation", "bad-config", "bad-bibtex"} <= found.keys()
    assert len(found) >= 25


def test_every_code_in_the_source_is_registered():
    missing = {code: where for code, where in _codes_in_source().items() if code not in CODES}
    assert not missing, f"codes used but not in distillgen/codes.py: {missing}"


@pytest.mark.parametrize("name", sorted(CODES))
def test_every_registered_code_is_explained(name):
    code = CODES[name]
    assert code.name == name
    assert code.severity in ("error", "warning", "error or warning")
    assert code.summary and not code.summary.endswith(".")
    assert len(code.explanation) > 30
    text = explain(name)
    assert text is not None and text.startswith(f"{name} (") and code.explanation in text


def test_an_unregistered_code_is_refused():
    with pytest.raises(ValueError, match="not in distillgen/codes.py"):
        error("no-such-code", "message")
    with pytest.raises(ValueError):
        Diagnostic(Severity.WARNING, "bad math", "message")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "distillgen", *args], capture_output=True,
                          text=True, cwd=PACKAGE.parent)


def test_explain_prints_the_explanation():
    result = _cli("explain", "bad-math")
    assert result.returncode == 0
    assert result.stdout.startswith("bad-math (error): a formula cannot be converted")


def test_explain_without_a_code_lists_every_code():
    result = _cli("explain")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == sorted(CODES)


def test_explain_an_unknown_code_suggests_the_nearest():
    result = _cli("explain", "bad-maths")
    assert result.returncode == 2
    assert "did you mean `bad-math`?" in result.stderr


def test_the_committed_list_of_codes_is_the_registry(update_golden: bool) -> None:
    """docs/diagnostics.md, which the README links, is generated from the registry."""
    page = PACKAGE.parent / "docs" / "diagnostics.md"
    if update_golden:
        page.write_text(reference_page(), "utf-8")
    assert page.read_text("utf-8") == reference_page(), \
        "docs/diagnostics.md is out of date: run pytest --update-golden and review the diff"
    assert all(f"\n## {name}\n" in reference_page() for name in CODES)
