"""Screenshots of the example site for people to look at, saved under tests/artifacts/.

Each test also checks that the picture is what it should be a picture of (a full page, a
visible card, an open note), so a blank or broken capture fails instead of being saved.
"""

from __future__ import annotations

import pytest
from browser_support import CHECK, EXAMPLE, MEDIUM, NARROW, WIDE

ARTICLE = f"{EXAMPLE}/blog/shapley-values-and-shap/"
CHECK_POST = f"{CHECK}/blog/layout-check/"
PHONE = {"width": 390, "height": 844}


SHOTS = [
    ("article-1400-light", ARTICLE, WIDE, "light", "screen"),
    ("article-1400-dark", ARTICLE, WIDE, "dark", "screen"),
    ("article-1024-light", ARTICLE, MEDIUM, "light", "screen"),
    ("article-400-light", ARTICLE, NARROW, "light", "screen"),
    ("article-print", ARTICLE, {"width": 800, "height": 1100}, "light", "print"),
    ("index-1400-light", f"{EXAMPLE}/", WIDE, "light", "screen"),
    ("about-1400-dark", f"{EXAMPLE}/about/", WIDE, "dark", "screen"),
    ("about-390-light", f"{EXAMPLE}/about/", PHONE, "light", "screen"),
    ("papers-1400-light", f"{EXAMPLE}/papers/", WIDE, "light", "screen"),
    ("papers-390-dark", f"{EXAMPLE}/papers/", PHONE, "dark", "screen"),
    ("bundle-390-light", f"{EXAMPLE}/blog/exact-shapley-values/", PHONE, "light", "screen"),
    ("layout-check-1400-light", CHECK_POST, WIDE, "light", "screen"),
    ("layout-check-400-dark", CHECK_POST, NARROW, "dark", "screen"),
]


@pytest.mark.parametrize(("name", "path", "viewport", "scheme", "media"),
                         [pytest.param(*shot, id=shot[0]) for shot in SHOTS])
def test_full_page_screenshot(open_page, artifacts, name, path, viewport, scheme, media):
    page = open_page(path, viewport=viewport, scheme=scheme, media=media).page
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # load lazy images
    page.evaluate("window.scrollTo(0, 0)")
    target = artifacts / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 20_000
    assert page.evaluate("document.body.scrollHeight") > viewport["height"]


def test_hover_card_screenshot(open_page, artifacts):
    page = open_page(ARTICLE).page
    link = page.locator(".d-body .citation-link").nth(2)
    link.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 200)")
    link.hover()
    card = page.locator(".d-body .citation-card").nth(2)
    assert card.is_visible()
    page.screenshot(path=str(artifacts / "card-hover-1400.png"))


def test_open_note_screenshot(open_page, artifacts):
    page = open_page(ARTICLE, viewport=NARROW).page
    page.locator("#fnref-2").click()
    assert page.locator("#sn-2").is_visible()
    page.evaluate("window.scrollBy(0, -250)")
    page.screenshot(path=str(artifacts / "note-open-400.png"))


STYLES_POST = f"{CHECK}/blog/styles-check/"
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(("viewport", "scheme"), [(WIDE, "light"), (WIDE, "dark"),
                                                  (PHONE, "light"), (PHONE, "dark")],
                         ids=["1400-light", "1400-dark", "390-light", "390-dark"])
def test_byline_and_abstract_screenshot(open_page, artifacts, viewport, scheme):
    """Authors with ORCID marks and several affiliations, then the abstract."""
    page = open_page(CHECK_POST, viewport=viewport, scheme=scheme).page
    top = page.locator(".d-title").bounding_box()
    abstract = page.locator(".d-abstract").bounding_box()
    assert page.locator(".d-byline .orcid-mark").first.is_visible()
    assert abstract["height"] > 60
    name = f"byline-abstract-{viewport['width']}-{scheme}.png"
    page.screenshot(path=str(artifacts / name), clip={
        "x": 0, "y": top["y"], "width": viewport["width"],
        "height": abstract["y"] + abstract["height"] - top["y"] + 20})


@pytest.mark.parametrize(("viewport", "scheme"), [(WIDE, "light"), (WIDE, "dark"),
                                                  (PHONE, "light")],
                         ids=["1400-light", "1400-dark", "390-light"])
def test_csl_references_and_downloads_screenshot(open_page, artifacts, viewport, scheme):
    page = open_page(STYLES_POST, viewport=viewport, scheme=scheme).page
    appendix = page.locator(".d-appendix")
    appendix.scroll_into_view_if_needed()
    assert page.locator(".appendix-references .download-links a").is_visible()
    box = appendix.bounding_box()
    top = box["y"] + page.evaluate("window.scrollY")  # the clip is in page coordinates
    name = f"csl-appendix-{viewport['width']}-{scheme}.png"
    page.screenshot(path=str(artifacts / name), full_page=True,
                    clip={"x": 0, "y": top, "width": viewport["width"],
                          "height": box["height"]})


def test_csl_hover_card_screenshot(open_page, artifacts):
    """The card of an APA citation shows APA's entry."""
    page = open_page(STYLES_POST).page
    link = page.locator(".d-body .citation-link").first
    link.hover()
    card = page.locator(".d-body .citation-card").first
    assert card.is_visible() and "Doe, J., & Roe, R. (2020)" in card.inner_text()
    page.screenshot(path=str(artifacts / "csl-card-hover-1400.png"))
