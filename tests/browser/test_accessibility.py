"""An automated accessibility audit: axe-core injected into each kind of page.

JavaScript is on only here, and only to run axe; the pages themselves carry no script.
"""

from __future__ import annotations

import pytest
from browser_support import NARROW, WIDE, page_kinds

BLOCKING = ("serious", "critical")


def _violations(page, axe_script) -> list[str]:
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"] if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize(("viewport", "scheme"),
                         [(WIDE, "light"), (WIDE, "dark"), (NARROW, "light")],
                         ids=["1400px-light", "1400px-dark", "400px-light"])
def test_axe_finds_nothing_serious(open_page, served_root, axe_script, viewport, scheme):
    paths = page_kinds(served_root)
    reader = open_page(paths[0], viewport=viewport, scheme=scheme, javascript=True)
    found = {}
    for path in paths:
        problems = _violations(reader.visit(path), axe_script)
        if problems:
            found[path] = problems
    report = [f"{path}: {problem}" for path, problems in found.items() for problem in problems]
    assert not report, "\n".join(report)


def test_skip_link_is_the_first_stop_and_leads_to_the_content(open_page):
    page = open_page("attribution-notes/blog/shapley-values-and-shap/").page
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.hash]")
    assert focused == ["skip-link", "#main"]
    link = page.locator(".skip-link")
    box = link.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0, "the focused skip link is on screen"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"
    assert page.evaluate("document.documentElement.lang") == "en"
    for landmark in ("main", "nav", "article", "header", "footer"):
        assert page.locator(landmark).count() >= 1, landmark
