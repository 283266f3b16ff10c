"""The package's modules import one another without a cycle.

Every ``import`` counts, wherever it stands: at the top, inside a function, or under
``TYPE_CHECKING``. An import moved into a function still ties the two modules together, so
hiding one cannot make a cycle pass this test.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "distillgen"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(name: str, source: str, modules: set[str], *,
                     is_package: bool = False) -> set[str]:
    """The modules of ``modules`` that module ``name`` imports, resolved as Python resolves
    them: relative imports from ``name``, and ``from x import y`` naming a submodule ``y``."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target in modules:
                found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names
                         if f"{target}.{alias.name}" in modules)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in files}
    return {module_name(path): imported_modules(module_name(path), path.read_text("utf-8"),
                                                modules, is_package=path.name == "__init__.py")
            for path in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50  # the walk found the package
    assert "distillgen.text" in graph["distillgen.config"]
    assert cycles(graph) == []


def test_a_cycle_is_found_wherever_its_imports_stand() -> None:
    """The walk sees imports inside functions and under TYPE_CHECKING."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    modules = {"pkg.text", "pkg.errors", "pkg.markdown", "pkg.markdown.state"}
    source = ("from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n    from ..text import x\n"
              "def f():\n    from ..errors import y\n    from . import state\n")
    assert imported_modules("pkg.markdown.plugin", source, modules) == {
        "pkg.text", "pkg.errors", "pkg.markdown", "pkg.markdown.state"}


@pytest.mark.slow  # a fresh interpreter per module
def test_every_module_imports_first() -> None:
    """Each module can be the first of the package to be imported: with every import at the
    top, an order that only works from one entry point would show here."""
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'distillgen']:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as problem:\n"
        "        failed.append(f'{name}: {problem!r}')\n"
        "print('\\n'.join(failed))\n")
    names = sorted(import_graph())
    run = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                         text=True, cwd=PACKAGE.parent, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""
