"""What the browser tests share: where the sites are served, viewports, pages, geometry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXAMPLE = "attribution-notes"
"""Where the example site is served: the path of its ``base_url``."""
CHECK = "layout-check"
"""Where the layout-check site (tests/browser/site) is served."""

STANDALONE = ("about", "papers")
"""The example site's standalone pages (content/about.md, content/papers.md)."""

WIDE = {"width": 1400, "height": 900}
MEDIUM = {"width": 1024, "height": 800}
NARROW = {"width": 400, "height": 800}


def post_paths(served_root: Path) -> list[str]:
    pages = sorted(served_root.glob("*/blog/*/index.html"))
    return [page.parent.relative_to(served_root).as_posix() + "/" for page in pages]


def each_post(open_page, served_root: Path, **options):
    """(path, page) for every post of both sites, browsed in one tab."""
    paths = post_paths(served_root)
    reader = open_page(paths[0], **options)
    for path in paths:
        yield path, reader.visit(path)


def page_kinds(served_root: Path) -> list[str]:
    """Every post, and one page of each other template (index, tags, a tag, 404, the
    standalone pages)."""
    others = []
    for site in sorted(p for p in served_root.iterdir() if p.is_dir()):
        tag_pages = sorted(site.glob("tags/*/index.html"))
        others += [f"{site.name}/", f"{site.name}/tags/", f"{site.name}/404.html"]
        others += [tag_pages[0].parent.relative_to(served_root).as_posix() + "/"]
        others += [f"{site.name}/{name}/" for name in STANDALONE
                   if (site / name / "index.html").is_file()]
    return post_paths(served_root) + others


RECTS_JS = """selector => [...document.querySelectorAll(selector)].map(element => {
  const box = element.getBoundingClientRect();
  return {left: box.left, top: box.top + window.scrollY, right: box.right,
          bottom: box.bottom + window.scrollY, width: box.width, height: box.height,
          id: element.id || ""};
})"""


@dataclass(frozen=True)
class Box:
    """A border box in page coordinates (top and bottom include the scroll offset)."""

    left: float
    top: float
    right: float
    bottom: float
    width: float
    height: float
    id: str = ""

    def overlaps(self, other: Box, tolerance: float = 0.5) -> bool:
        return (self.left < other.right - tolerance and other.left < self.right - tolerance
                and self.top < other.bottom - tolerance and other.top < self.bottom - tolerance)


def boxes(page, selector: str) -> list[Box]:
    return [Box(**rect) for rect in page.evaluate(RECTS_JS, selector)]


def box(page, selector: str) -> Box:
    found = boxes(page, selector)
    assert found, f"nothing matches {selector}"
    return found[0]


def horizontal_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it does not)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


STICKING_OUT_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = element => {
    for (let a = element.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')].filter(element => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5) && !scrolls(element);
  }).map(element => `${element.tagName.toLowerCase()}.${element.className}`).slice(0, 10);
}"""


def sticking_out(page) -> list[str]:
    """Elements reaching past either edge of the screen, other than inside a scrolling box.

    Stricter than the page's scroll width: it also catches what the theme's last-resort
    clipping would hide.
    """
    return page.evaluate(STICKING_OUT_JS)


def style(page, selector: str, prop: str) -> str:
    return page.evaluate(
        "([selector, prop]) => getComputedStyle(document.querySelector(selector))"
        ".getPropertyValue(prop)", [selector, prop])


def luminance(css_color: str) -> float:
    """Relative luminance of an ``rgb()``/``rgba()`` colour as computed by the browser."""
    inside = css_color[css_color.index("(") + 1:css_color.index(")")]
    parts = inside.replace("/", " ").replace(",", " ").split()
    channels = [float(value) / 255 for value in parts[:3]]

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
