"""Small helpers that read boxes and styles out of a page (evaluated in the page itself)."""

from __future__ import annotations

from dataclasses import dataclass

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
