"""What a reader sees with JavaScript off: notes, cards, math, contents, layout, dark mode."""

from __future__ import annotations

import re

import pytest
from browser_support import (
    CHECK,
    EXAMPLE,
    MEDIUM,
    NARROW,
    WIDE,
    box,
    boxes,
    each_post,
    horizontal_overflow,
    luminance,
    page_kinds,
    sticking_out,
    style,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) without Playwright
    expect = None

SHAPLEY = f"{EXAMPLE}/blog/shapley-values-and-shap/"
CHECK_POST = f"{CHECK}/blog/layout-check/"
WIDE_CLASSES = ".l-page, .l-page-outset, .l-screen-inset, .l-screen"
FOLDED = "td, th, .l-page, .l-page-outset, .l-screen-inset, .l-screen, .l-gutter"
"""Where a note cannot reach the gutter and opens in place instead, even on wide screens."""


# ------------------------------------------------------------------------ sidenotes


@pytest.mark.parametrize("viewport", [WIDE, MEDIUM], ids=["1400px", "1024px"])
def test_wide_screens_put_each_note_in_the_gutter_beside_its_marker(open_page, served_root,
                                                                     viewport):
    checked = 0
    for path, page in each_post(open_page, served_root, viewport=viewport):
        body = box(page, ".d-body")
        notes = boxes(page, ".sidenote")
        markers = [box(page, f"#fnref-{n}") for n in range(1, len(notes) + 1)]
        previous_bottom = 0.0
        for number, (note, marker) in enumerate(zip(notes, markers, strict=True), start=1):
            if page.locator(f"#sn-{number}").evaluate(f"n => !!n.closest('{FOLDED}')"):
                continue  # a note in a table cell or a page-wide figure opens in place
            checked += 1
            assert note.left >= body.right + 16, (path, number, "note is not in the gutter")
            assert note.right <= viewport["width"], (path, number)
            line = 19 * 1.6
            starts_at_marker = abs(note.top - marker.top) <= 24
            # Clearing the previous note may defer a note to the line after its marker.
            pushed_by_previous = note.top > marker.top and note.top - previous_bottom <= 2 * line
            assert starts_at_marker or pushed_by_previous, (path, number, note, marker)
            previous_bottom = note.bottom
    assert checked, "no note in the gutter to check"


@pytest.mark.parametrize("viewport", [WIDE, MEDIUM], ids=["1400px", "1024px"])
def test_notes_never_overlap_each_other_or_wide_figures(open_page, served_root, viewport):
    for path, page in each_post(open_page, served_root, viewport=viewport):
        notes = boxes(page, ".sidenote, .d-body .l-gutter")
        wide = boxes(page, f".d-body :is({WIDE_CLASSES})")
        for i, note in enumerate(notes):
            for other in notes[i + 1:] + wide:
                assert not note.overlaps(other), (path, note, other)


def test_example_notes_stay_within_a_few_lines_of_their_paragraph(open_page, served_root):
    """In the example posts no note is pushed far from the paragraph that refers to it."""
    checked = 0
    for path, page in each_post(open_page, served_root):
        if not path.startswith(f"{EXAMPLE}/"):
            continue
        for note in boxes(page, ".sidenote"):
            checked += 1
            paragraph = page.evaluate(
                "id => { const p = document.getElementById(id).closest('p, li');"
                " const b = p.getBoundingClientRect();"
                " return [b.top + scrollY, b.bottom + scrollY]; }", note.id)
            line = 19 * 1.6
            assert paragraph[0] - line <= note.top <= paragraph[1] + 3 * line, (path, note.id)
    assert checked, "no example note to check"


def test_marker_and_note_carry_the_same_number(open_page, served_root):
    for path, page in each_post(open_page, served_root):
        pairs = page.evaluate("""() => [...document.querySelectorAll('.sidenote-wrap')].map(w => [
            w.querySelector('.footnote-ref a').textContent.trim(),
            w.querySelector('.sidenote-number').textContent.trim(),
            w.querySelector('.footnote-ref a').getAttribute('aria-describedby'),
            w.querySelector('.sidenote').id])""")
        assert pairs, path
        for marker, number, described_by, note_id in pairs:
            assert marker == number and described_by == note_id, (path, marker, number)


def test_narrow_screens_fold_notes_until_the_marker_opens_them(open_page):
    page = open_page(SHAPLEY, viewport=NARROW).page
    note = page.locator("#sn-2")
    marker = page.locator("#fnref-2")
    assert not note.is_visible()
    marker.focus()
    assert note.is_visible()
    note_box, paragraph_box = note.bounding_box(), marker.bounding_box()
    assert note_box["x"] >= 0 and note_box["x"] + note_box["width"] <= NARROW["width"]
    assert note_box["y"] >= paragraph_box["y"]
    page.locator(".site-title").focus()
    assert not note.is_visible()
    marker.click()  # follows the link: the note stays open as the :target
    page.locator(".site-title").focus()
    assert note.is_visible()
    assert horizontal_overflow(page) == 0


def test_a_note_in_a_table_cell_opens_in_place_on_wide_screens(open_page):
    page = open_page(CHECK_POST).page
    marker = page.locator("td .footnote-ref a")
    note = page.locator("td .sidenote")
    assert not note.is_visible()
    marker.focus()
    assert note.is_visible()
    cell, opened = page.locator("td:has(.sidenote)").bounding_box(), note.bounding_box()
    assert cell["x"] <= opened["x"] and opened["x"] + opened["width"] <= cell["x"] + cell["width"]


def test_every_note_can_be_reached_with_the_keyboard_on_a_phone(open_page, served_root):
    for path, page in each_post(open_page, served_root, viewport=NARROW):
        count = page.locator(".sidenote").count()
        opened = set()
        for _ in range(400):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "() => { const a = document.activeElement;"
                " const w = a && a.closest('.footnote-ref') && a.closest('.sidenote-wrap');"
                " if (!w) return null; const n = w.querySelector('.sidenote');"
                " const b = n.getBoundingClientRect();"
                " return [n.id, b.width > 0 && b.left >= 0 && b.right <= innerWidth]; }")
            if focused:
                assert focused[1], (path, focused)
                opened.add(focused[0])
            if len(opened) == count:
                break
        assert len(opened) == count, (path, opened)


# ------------------------------------------------------------------------ citations


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1400px", "400px"])
def test_citation_card_shows_on_hover_and_on_focus(open_page, viewport):
    page = open_page(SHAPLEY, viewport=viewport).page
    citation = page.locator(".d-body .citation").first
    link = citation.locator("a.citation-link")
    card = citation.locator(".citation-card")
    assert card.get_attribute("id") == link.get_attribute("aria-describedby")
    assert link.locator(".citation-card").count() == 0, "the card must not sit inside the link"
    assert link.get_attribute("href").startswith("#ref-")
    assert page.locator(link.get_attribute("href")).count() == 1
    expect(card).to_be_hidden()

    link.hover()
    assert card.is_visible()
    text = card.inner_text()
    assert "Lundberg" in text and "2017" in text and "Unified Approach" in text
    assert card.locator("a[href^='http']").count() >= 1
    card_box = card.bounding_box()
    assert card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= viewport["width"]
    link_box = link.bounding_box()
    assert card_box["y"] >= link_box["y"] + link_box["height"] - 2, "card must not cover it"

    page.mouse.move(0, 0)
    expect(card).to_be_hidden()
    link.focus()
    assert card.is_visible()
    assert horizontal_overflow(page) == 0


def test_pointer_can_travel_from_citation_into_its_card(open_page):
    page = open_page(SHAPLEY).page
    citation = page.locator(".d-body .citation").first
    link, card = citation.locator("a.citation-link"), citation.locator(".citation-card")
    link.hover()
    card_link = card.locator("a").first
    card_link.hover()
    assert card.is_visible()


def test_citation_links_are_distinguishable_without_colour(open_page):
    page = open_page(SHAPLEY).page
    decoration = style(page, ".d-body .citation-link", "text-decoration-line")
    assert "underline" in decoration


# ------------------------------------------------------------------------ math


def test_shapley_fraction_is_real_mathml_layout(open_page):
    page = open_page(SHAPLEY).page
    sizes = page.evaluate("""() => {
        const math = [...document.querySelectorAll('.d-body math[display=block]')]
            .find(m => m.querySelector('mfrac') && m.textContent.includes('∑'));
        const frac = math.querySelector('mfrac');
        const [num, den] = [...frac.children].map(c => c.getBoundingClientRect());
        const sum = [...math.querySelectorAll('mo')].find(o => o.textContent === '∑');
        const bracket = [...math.querySelectorAll('mo')].find(o => o.textContent === '[');
        const fontSize = parseFloat(getComputedStyle(math).fontSize);
        return {fontSize, fracHeight: frac.getBoundingClientRect().height,
                numBottom: num.bottom, denTop: den.top, numLeft: num.left, denLeft: den.left,
                sumHeight: sum.getBoundingClientRect().height,
                bracketHeight: bracket.getBoundingClientRect().height,
                mathFont: getComputedStyle(math).fontFamily,
                stixLoaded: [...document.fonts].some(
                    f => f.family.includes('STIX Two Math') && f.status === 'loaded')};
    }""")
    assert sizes["stixLoaded"], "the shipped math font did not load"
    assert "STIX Two Math" in sizes["mathFont"]
    assert sizes["numBottom"] <= sizes["denTop"] + 1, "numerator must sit above denominator"
    assert sizes["fracHeight"] >= 1.8 * sizes["fontSize"]
    assert sizes["sumHeight"] >= 1.3 * sizes["fontSize"], "display ∑ must be the large variant"
    assert sizes["bracketHeight"] >= 1.2 * sizes["fontSize"], "\\bigl[ must stretch"


def test_display_math_is_centred_and_scrolls_inside_its_box(open_page):
    page = open_page(CHECK_POST).page
    body = box(page, ".d-body")
    displays = page.evaluate("""() => [...document.querySelectorAll('.math-display')].map(d => {
        const m = d.querySelector('math').getBoundingClientRect();
        const b = d.getBoundingClientRect();
        const tag = d.querySelector('.math-tag');
        return {left: b.left, right: b.right, mathLeft: m.left, mathRight: m.right,
                scrolls: d.scrollWidth > d.clientWidth, overflowX: getComputedStyle(d).overflowX,
                tag: tag ? [tag.textContent, tag.getBoundingClientRect().right] : null};
    })""")
    tagged, wide = displays[0], displays[1]
    assert tagged["tag"][0] == "(1)"
    assert abs(tagged["tag"][1] - body.right) <= 2, "the number sits at the column's edge"
    centre = (tagged["mathLeft"] + tagged["mathRight"]) / 2
    assert abs(centre - (body.left + body.right) / 2) <= 12
    assert wide["scrolls"] and wide["overflowX"] == "auto"
    assert wide["mathLeft"] >= wide["left"] - 0.5, "overflow must go right, where it scrolls"
    assert horizontal_overflow(page) == 0


# ------------------------------------------------------------------------ layout


@pytest.mark.parametrize("viewport", [WIDE, MEDIUM, NARROW], ids=["1400px", "1024px", "400px"])
def test_nothing_scrolls_sideways(open_page, served_root, viewport):
    paths = page_kinds(served_root)
    reader = open_page(paths[0], viewport=viewport)
    for path in paths:
        page = reader.visit(path)
        assert horizontal_overflow(page) == 0, path
        assert not sticking_out(page), (path, sticking_out(page))


def test_layout_classes_widen_figures_from_the_text_column(open_page):
    page = open_page(CHECK_POST).page
    body = box(page, ".d-body")
    gutter_right = box(page, ".sidenote").right
    figure = {name: box(page, f"figure.{name}") for name in (
        "l-body-outset", "l-page", "l-page-outset", "l-screen-inset", "l-screen", "l-gutter")}
    assert figure["l-body-outset"].left < body.left and figure["l-body-outset"].right > body.right
    assert abs(figure["l-page"].right - gutter_right) <= 1
    assert figure["l-page-outset"].left < figure["l-page"].left
    assert figure["l-page-outset"].right > figure["l-page"].right
    assert 0 < figure["l-screen-inset"].left < figure["l-page-outset"].left
    assert figure["l-screen"].left == 0 and figure["l-screen"].right == WIDE["width"]
    assert figure["l-gutter"].left >= body.right
    raw = box(page, "#raw-page")
    assert abs(raw.right - gutter_right) <= 1, "raw HTML class=l-page is as wide as a figure"
    images = boxes(page, "figure.l-page img, figure.l-screen img")
    assert images
    for image in images:
        assert image.width > body.width


def test_layout_classes_fall_back_to_the_column_on_a_phone(open_page):
    page = open_page(CHECK_POST, viewport=NARROW).page
    body = box(page, ".d-body")
    for name in ("l-body-outset", "l-page", "l-page-outset", "l-gutter"):
        figure = box(page, f"figure.{name}")
        assert figure.left >= body.left - 0.5 and figure.right <= body.right + 0.5, name
    assert box(page, "figure.l-screen").width == NARROW["width"]


def test_text_column_holds_a_readable_measure(open_page):
    page = open_page(SHAPLEY).page
    per_line = page.evaluate("""() => {
        const p = [...document.querySelectorAll('.d-body > p')]
            .find(p => !p.querySelector('math, .citation, .sidenote')
                  && p.textContent.length > 400);
        const range = document.createRange(); range.selectNodeContents(p);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        return p.textContent.replace(/\\s+/g, ' ').length / tops.size;
    }""")
    assert 55 <= per_line <= 80, per_line


def test_images_reserve_their_space(served_root):
    tags = [(page, tag) for page in served_root.glob("*/blog/*/index.html")
            for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8"))]
    assert len(tags) >= 5
    for page, tag in tags:
        assert " width=" in tag and " height=" in tag, (page, tag)


# ------------------------------------------------------------------------ chrome


def test_contents_link_every_section_and_stick_in_the_margin(open_page, served_root):
    for path, page in each_post(open_page, served_root):
        headings = page.evaluate(
            "[...document.querySelectorAll('.d-body :is(h2, h3)[id]')].map(h => h.id)")
        links = page.evaluate(
            "[...document.querySelectorAll('.d-toc a')].map(a => a.getAttribute('href'))")
        assert headings and links == [f"#{heading}" for heading in headings], path
        toc, body = box(page, ".d-toc"), box(page, ".d-body")
        assert toc.right <= body.left, "contents sit in the left margin"
        page.evaluate("window.scrollTo(0, document.querySelector('.d-body').offsetTop + 1500)")
        top = page.evaluate("document.querySelector('.d-toc').getBoundingClientRect().top")
        assert 0 <= top <= 100, "contents stay in view while reading"


def test_contents_come_first_on_narrow_screens(open_page):
    page = open_page(SHAPLEY, viewport=NARROW).page
    toc, body = box(page, ".d-toc"), box(page, ".d-body")
    assert toc.bottom <= body.top and toc.left >= 0 and toc.right <= NARROW["width"]


def test_appendix_offers_a_citation_and_bibtex_for_the_post(open_page):
    page = open_page(SHAPLEY).page
    section = page.locator(".appendix-citation")
    assert section.locator("h2").inner_text().lower() == "cite this post"
    bibtex = section.locator("pre.citation-bibtex")
    assert bibtex.is_visible()
    text = bibtex.inner_text()
    assert text.startswith("@article{") and "year = {2024}" in text
    assert "Shapley Values, SHAP, and What an Attribution Promises" in text
    assert "https://example.org/attribution-notes/blog/shapley-values-and-shap/" in text
    assert page.locator(".appendix-updates").is_visible()
    assert page.locator(".d-byline").get_by_text("10.5555/example.2024.001").is_visible()


def test_dark_mode_darkens_every_component(open_page):
    page = open_page(SHAPLEY, scheme="dark").page
    assert luminance(style(page, "body", "background-color")) < 0.05
    assert luminance(style(page, "body", "color")) > 0.6
    assert luminance(style(page, ".sidenote", "color")) > 0.3
    assert luminance(style(page, ".d-body math", "color")) > 0.6
    assert luminance(style(page, ".d-body pre", "background-color")) < 0.05
    assert luminance(style(page, ".d-body pre .k, .d-body pre .kn", "color")) > 0.2
    assert luminance(style(page, ".citation-card", "background-color")) < 0.05
    assert luminance(style(page, ".d-appendix", "background-color")) < 0.05


def test_print_turns_notes_and_cards_into_endnotes(open_page):
    page = open_page(SHAPLEY, viewport={"width": 800, "height": 1000}, media="print").page
    for hidden in (".sidenote", ".citation-card", ".d-toc", ".site-header"):
        assert style(page, hidden, "display") == "none", hidden
    assert page.locator("#fn-1").is_visible() and page.locator(".references li").first.is_visible()
    assert horizontal_overflow(page) == 0
    body = box(page, ".d-body")
    for figure in boxes(page, ".d-body figure"):
        assert figure.left >= body.left - 0.5 and figure.right <= body.right + 0.5


def test_pages_carry_no_executable_script(served_root):
    for page in served_root.glob("**/*.html"):
        for tag in re.findall(r"<script\b[^>]*>", page.read_text(encoding="utf-8")):
            assert 'type="application/ld+json"' in tag, (page, tag)


def test_math_font_and_its_licence_ship_with_the_theme(served_root):
    fonts = served_root / EXAMPLE / "assets" / "fonts"
    assert (fonts / "STIXTwoMath-Regular.woff2").read_bytes()[:4] == b"wOF2"
    assert "SIL Open Font License" in (fonts / "STIXTwoMath-OFL.txt").read_text()
