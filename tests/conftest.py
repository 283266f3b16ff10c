"""Shared test switches.

* ``--update-golden`` rewrites fixture expectations and golden sites from current output.
* ``-m "not slow"`` is the inner loop: it leaves out the tests marked ``slow`` (the browser,
  the fault and attack suites, builds killed at random moments, the HTML checker,
  pathological inputs); ``.ci/run`` runs them all.
* Under ``CI=true`` a skipped test is a failure: CI must run every test, so a missing browser,
  Java or data file is reported, not hidden. The skip's reason says what is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SLOW_FOLDERS = ("browser", "faults", "hostile")
"""Folders of tests/ whose every test is slow: a real browser starts for them, or each test
builds whole sites in fresh processes to break them (about 80 s together)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite fixture expectations and golden sites from current output")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes seconds; left out of the inner loop "
                                       '(pytest -m "not slow"), run by .ci/run')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = item.path.resolve().relative_to(HERE).parts[0]
        except ValueError:
            continue
        if folder in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


def in_ci() -> bool:
    """True when the suite runs in CI (``CI=true``, as GitHub Actions and .ci/run set it)."""
    return os.environ.get("CI", "").lower() in ("true", "1")


def _as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped under CI=true, where every test must run: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        _as_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    report = yield
    if in_ci() and report.skipped:  # a whole module skipped at import
        _as_failure(report)
    return report


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
