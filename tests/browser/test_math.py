"""Math as a reader sees it in Chromium, JavaScript off: columns that line up, equation
numbers at the column's edge, cross-references whose previews open on hover and focus,
punctuation that stays with its formula, legible math in the margin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import CHECK, EXAMPLE, NARROW, WIDE, box

from distillgen.markdown.math import tex_to_mathml

MATH_POST = f"{CHECK}/blog/math-check/"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "math" / "formulas.txt"
TABLES = re.compile(r"\\begin\{(aligned|align\*?|array|cases)\}")

COLUMN_EDGES_JS = """() => {
  // Per table and column: the edge each cell's content is aligned on (left, right or centre),
  // and how far apart those edges are across the rows.
  const tables = [];
  for (const table of document.querySelectorAll('mtable')) {
    const rows = [...table.children].filter(row => row.localName === 'mtr');
    const width = Math.max(0, ...rows.map(row => row.children.length));
    const columns = [];
    for (let column = 0; column < width; column++) {
      const edges = [];
      for (const row of rows) {
        const cell = row.children[column];
        if (!cell || !cell.children.length) continue;
        const align = cell.getAttribute('columnalign') || 'center';
        const boxes = [...cell.children].map(child => child.getBoundingClientRect());
        const left = Math.min(...boxes.map(b => b.left));
        const right = Math.max(...boxes.map(b => b.right));
        edges.push(align === 'left' ? left : align === 'right' ? right : (left + right) / 2);
      }
      if (edges.length > 1) columns.push(Math.max(...edges) - Math.min(...edges));
    }
    tables.push({formula: +table.closest('[data-formula]').dataset.formula, columns});
  }
  return tables;
}"""


def corpus_tables() -> list[str]:
    """The corpus formulas holding aligned, align, array or cases."""
    if not CORPUS.exists():
        pytest.skip("shared/corpus is not beside the repo")
    lines = CORPUS.read_text("utf-8").splitlines()
    formulas = [re.sub(r"\\n(?![A-Za-z])", "\n", line) for line in lines]
    return [tex for tex in formulas if TABLES.search(tex)]


def test_every_corpus_table_lines_up_its_columns_within_a_pixel(open_page, served_root):
    formulas = corpus_tables()
    blocks = "".join(f'<div class="math-display" data-formula="{number}">'
                     f"{tex_to_mathml(tex, display=True)}</div>"
                     for number, tex in enumerate(formulas))
    page_file = served_root / CHECK / "math-corpus.html"
    page_file.write_text('<!doctype html><html lang="en"><head><meta charset="utf-8">'
                         '<title>corpus</title><link rel="stylesheet" '
                         'href="assets/css/distillgen.css"></head><body><main>'
                         '<div class="d-article"><div class="d-body">' + blocks +
                         "</div></div></main></body></html>", "utf-8")
    page = open_page(f"{CHECK}/math-corpus.html", viewport=WIDE).page
    tables = page.evaluate(COLUMN_EDGES_JS)
    columns = [spread for table in tables for spread in table["columns"]]
    assert len(formulas) >= 25 and len(tables) >= 35 and len(columns) >= 55  # not vacuous
    misaligned = [(formulas[table["formula"]][:60], [round(s, 2) for s in table["columns"]])
                  for table in tables if any(spread > 1 for spread in table["columns"])]
    assert misaligned == []


def test_the_post_builds_its_aligned_tables_in_line_too(open_page):
    page = open_page(MATH_POST, viewport=WIDE).page
    tables = page.evaluate(COLUMN_EDGES_JS.replace(
        "+table.closest('[data-formula]').dataset.formula", "0"))
    assert len(tables) >= 4
    assert all(spread <= 1 for table in tables for spread in table["columns"]), tables


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1400px", "400px"])
def test_equation_numbers_stand_at_the_right_edge_of_the_text_column(open_page, viewport):
    page = open_page(MATH_POST, viewport=viewport).page
    body = box(page, ".d-body")
    numbers = page.evaluate("""() => [...document.querySelectorAll(
        '.d-body > .math-display > .math-tag, .d-body > .math-display mtd.math-number > mtext')]
        .map(n => [n.textContent, n.getBoundingClientRect().right])""")
    assert [text for text, _ in numbers] == ["(1)", "(2)", "(3)"]
    for text, right in numbers:
        assert abs(right - body.right) <= 2, (text, right, body.right)


def test_a_number_too_wide_for_its_line_moves_below_in_view(open_page):
    page = open_page(f"{EXAMPLE}/blog/gradients-relevance-and-deeplift/", viewport=NARROW).page
    display = box(page, "#eq-integrated-gradients")
    number = box(page, "#eq-integrated-gradients > .math-tag")
    formula = box(page, "#eq-integrated-gradients > math")
    assert number.right <= display.right + 1, "the number must not scroll out of view"
    assert number.top >= formula.bottom - 1, "it stands on the line below the formula"


def test_each_numbered_row_carries_its_number_on_its_own_line(open_page):
    page = open_page(MATH_POST).page
    rows = page.evaluate("""() => [...document.querySelectorAll('.d-body > .math-display mtr')]
        .filter(row => row.querySelector('mtd.math-number mtext'))
        .map(row => { const r = row.getBoundingClientRect();
                      const n = row.querySelector('mtd.math-number mtext').getBoundingClientRect();
                      return [r.top, r.bottom, n.top, n.bottom]; })""")
    assert len(rows) == 2
    for top, bottom, number_top, number_bottom in rows:
        assert top - 0.5 <= number_top and number_bottom <= bottom + 0.5


def test_references_link_to_their_equations(open_page):
    page = open_page(MATH_POST).page
    links = page.evaluate("""() => [...document.querySelectorAll('.d-body .xref > .xref-link')]
        .map(a => [a.textContent, a.getAttribute('href'),
                   !!document.getElementById(a.getAttribute('href').slice(1))])""")
    assert [text for text, _, _ in links] == [
        "Equation\u00a01", "(2)", "(3)", "2", "1",
        "Figure\u00a01", "1", "Table\u00a01", "1", "Theorem\u00a01", "1", "Section\u00a03", "3",
        "Equation\u00a01"]
    assert all(found for _, _, found in links), links
    # Inside a formula a reference is its number alone (a link there is out of reach).
    in_math = page.evaluate("[...document.querySelectorAll('.d-body > p mtext')]"
                            ".map(t => t.textContent)")
    assert "(3)" in in_math


@pytest.mark.parametrize("how", ["hover", "focus"])
def test_a_reference_card_previews_its_equation_on_hover_and_focus(open_page, how):
    page = open_page(MATH_POST).page
    count = page.locator(".d-body .xref").count()
    assert count == 14
    for index in range(count):
        reference = page.locator(".d-body .xref").nth(index)
        card = reference.locator("> .xref-card")
        link = reference.locator("> .xref-link")
        assert not card.is_visible()
        link.scroll_into_view_if_needed()
        link.hover() if how == "hover" else link.focus()
        assert card.is_visible(), index
        kind = link.get_attribute("href")[1:4]
        if kind == "eq-":
            assert card.locator("math").count() == 1
        elif kind == "fig":
            assert card.locator("img").count() == 1
        else:
            assert card.inner_text().strip()
        card_box, body = card.bounding_box(), box(page, ".d-body")
        assert body.left - 1 <= card_box["x"]
        assert card_box["x"] + card_box["width"] <= body.right + 1
        page.mouse.move(0, 0)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.wait_for_timeout(350)  # the card stays a moment after the pointer leaves


def test_display_math_in_a_sentence_stays_inside_its_paragraph(open_page):
    page = open_page(MATH_POST).page
    paragraph = page.locator("p", has_text="A display in the middle of a sentence")
    assert paragraph.locator(".math-display math[display=block]").count() == 1
    assert "where" in paragraph.inner_text()


NOWRAP_JS = """span => {
  // The formula and its punctuation in a paragraph exactly as wide as "Word " and the
  // formula: a line break may fall before the punctuation unless the two are bound.
  const paragraph = document.createElement('p');
  paragraph.style.width = '1000px';
  paragraph.append('Word ', span.cloneNode(true));
  document.querySelector('.d-body').append(paragraph);
  const math = paragraph.querySelector('math');
  const left = paragraph.getBoundingClientRect().left;
  paragraph.style.width = (math.getBoundingClientRect().right - left + 0.5) + 'px';
  const range = document.createRange();
  range.selectNodeContents(paragraph.querySelector('.math-nowrap').lastChild);
  const mark = range.getBoundingClientRect(), formula = math.getBoundingClientRect();
  paragraph.remove();
  return mark.top < formula.bottom && formula.top < mark.bottom;
}"""


def test_punctuation_after_inline_math_stays_on_its_line(open_page):
    page = open_page(MATH_POST, viewport=NARROW).page
    spans = page.locator(".d-body .math-nowrap")
    assert spans.count() >= 4
    assert [spans.nth(i).evaluate(NOWRAP_JS) for i in range(spans.count())] == \
        [True] * spans.count()


def test_math_in_a_sidenote_is_as_legible_as_its_text(open_page):
    page = open_page(MATH_POST).page
    sizes = page.evaluate("""() => {
        const note = document.querySelector('.sidenote');
        const math = note.querySelector('math');
        return [parseFloat(getComputedStyle(note).fontSize),
                parseFloat(getComputedStyle(math).fontSize),
                note.querySelectorAll('math[display=block]').length];
    }""")
    text, math, displays = sizes
    assert math >= 1.15 * text and math >= 15
    assert displays == 1


SHOTS = [("math-1400-light", WIDE, "light"), ("math-1400-dark", WIDE, "dark"),
         ("math-390-light", {"width": 390, "height": 844}, "light"),
         ("math-390-dark", {"width": 390, "height": 844}, "dark")]


@pytest.mark.parametrize(("name", "viewport", "scheme"), SHOTS, ids=[s[0] for s in SHOTS])
def test_math_screenshot(open_page, artifacts, name, viewport, scheme):
    page = open_page(MATH_POST, viewport=viewport, scheme=scheme).page
    target = artifacts / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 20_000


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reference_card_screenshot(open_page, artifacts, scheme):
    page = open_page(MATH_POST, scheme=scheme).page
    link = page.locator(".d-body .xref-link").nth(1)
    link.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 150)")
    link.hover()
    assert page.locator(".d-body .xref-card").nth(1).is_visible()
    page.screenshot(path=str(artifacts / f"xref-card-1400-{scheme}.png"))
