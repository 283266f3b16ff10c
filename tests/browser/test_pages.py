"""Standalone pages as a reader sees them (JavaScript off): the menu, a page, the
publications list with its folded BibTeX, a page bundle's files and an alias."""

from __future__ import annotations

from browser_support import EXAMPLE, NARROW, WIDE, horizontal_overflow, sticking_out

ABOUT = f"{EXAMPLE}/about/"
PAPERS = f"{EXAMPLE}/papers/"
BUNDLE = f"{EXAMPLE}/blog/exact-shapley-values/"


def _menu(page) -> list[str]:
    return page.locator(".site-links a").all_inner_texts()


def test_every_page_has_the_menu_in_order_and_marks_the_current_one(open_page):
    reader = open_page(f"{EXAMPLE}/")
    for path in (f"{EXAMPLE}/", BUNDLE, ABOUT, PAPERS, f"{EXAMPLE}/tags/"):
        page = reader.visit(path)
        assert _menu(page) == ["About", "Papers", "Tags", "Feed"], path
    page = reader.visit(ABOUT)
    assert page.locator('.site-links a[aria-current="page"]').all_inner_texts() == ["About"]
    page.locator(".site-links a", has_text="Papers").click()
    assert page.url.endswith("/papers/")
    assert page.locator("h1").inner_text() == "Papers"


def test_a_page_has_no_date_tags_or_citation_block(open_page):
    page = open_page(ABOUT).page
    assert page.locator("article.d-page h1").inner_text() == "About"
    for absent in (".byline-dates", ".byline-tags", ".appendix-citation", "time"):
        assert page.locator(absent).count() == 0, absent
    assert page.locator(".appendix-references li").count() == 1  # it cites a paper


def test_publications_fold_their_bibtex_until_opened(open_page):
    page = open_page(PAPERS).page
    years = page.locator(".publications-year").all_inner_texts()
    assert years == sorted(years, reverse=True) and len(years) > 5
    entry = page.locator("#pub-lundberg2017unified")
    assert entry.locator(".publication-links a").all_inner_texts() == ["arXiv", "Code"]
    bibtex = entry.locator(".publication-bibtex pre")
    assert not bibtex.is_visible()
    entry.locator(".publication-bibtex summary").click()
    assert bibtex.is_visible()
    assert bibtex.inner_text().startswith("@inproceedings{lundberg2017unified,")


def test_publications_fit_a_phone(open_page):
    page = open_page(PAPERS, viewport=NARROW).page
    for summary in page.locator(".publication-bibtex summary").all()[:5]:
        summary.click()
    assert horizontal_overflow(page) == 0
    assert sticking_out(page) == []


def test_a_bundled_post_links_to_its_files_beside_it(open_page):
    page = open_page(BUNDLE, viewport=WIDE).page
    for name in ("coalitions.csv", "shapley.py"):
        link = page.locator(f'.d-body a[href="{name}"]').first
        assert link.is_visible()
        response = page.request.get(page.url + name)
        assert response.ok, name
    assert "A+B+C,30" in page.request.get(page.url + "coalitions.csv").text()


def test_an_alias_sends_the_reader_on_without_javascript(open_page):
    reader = open_page(f"{EXAMPLE}/")
    page = reader.page
    with page.expect_navigation(url=f"**/{BUNDLE}"):
        page.goto(reader.base_url + f"{EXAMPLE}/posts/exact-shapley/")
    assert page.locator("h1").inner_text() == "Exact Shapley Values, by Hand"
