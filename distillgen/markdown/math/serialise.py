"""MathML written by hand: one line, escaped, explicit end tags, attributes in the order they
were set, so the same formula always gives the same bytes."""

from __future__ import annotations

from xml.etree import ElementTree


def serialise(element: ElementTree.Element, out: list[str]) -> None:
    out.append("<" + element.tag)
    for key, value in element.attrib.items():
        out.append(f' {key}="{escape(value, quote=True)}"')
    out.append(">")
    if element.text:
        out.append(escape(element.text))
    for child in element:
        serialise(child, out)
    out.append(f"</{element.tag}>")


def escape(text: str, quote: bool = False) -> str:
    """Text for HTML and XML alike; newlines as ``&#10;`` so the output stays one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;").replace("\n", "&#10;")
    return text.replace('"', "&quot;") if quote else text
