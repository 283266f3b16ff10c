"""Pandoc attributes ``{#id .class key=value}`` on images, links, code, spans and blocks.

One parser serves every place pandoc allows attributes: after an image, a link or inline
code, on a bracketed span ``[text]{.smallcaps}``, on the line above a block, at the end of a
heading (see :mod:`headings`), after a fenced code block's backticks and on a fenced div.
It follows pandoc's rules rather than Djot's (which mdit-py-plugins' ``attrs`` parses): values
may be unquoted anything-but-space (``{width=100%}``), single- or double-quoted, ``-`` means
``.unnumbered``, and ``{=html}`` names a raw format. Text that is not a valid attribute list
is left as text, and the unrendered-syntax check points at it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .locations import recording_offsets

_NAME = re.compile(r"[^\s{}\"'=#.]+(?:[.#:][^\s{}\"'=#.]+)*")
"""An identifier or class: pandoc allows nearly anything but spaces and braces."""
_KEY = re.compile(r"[A-Za-z_][\w.:-]*")
_BARE_VALUE = re.compile(r"[^\s\"'{}]+")
_SPACE = re.compile(r"\s*")
_UNSAFE_KEY = re.compile(r"on", re.IGNORECASE)
_URL_KEYS = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "data"})
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data):", re.IGNORECASE)

AFTER = frozenset({"image", "code_inline", "link_close", "span_close"})
"""Inline elements an attribute list may directly follow."""


@dataclass
class Attributes:
    """A parsed ``{…}``: pandoc's (identifier, classes, key-value pairs)."""

    id: str = ""
    classes: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    raw_format: str = ""
    """``html`` for ``{=html}``: the element is raw output in that format."""

    def get(self, key: str, default: str | None = None) -> str | None:
        for name, value in reversed(self.pairs):
            if name == key:
                return value
        return default

    def as_html_attrs(self) -> dict[str, str]:
        """The attributes an HTML element gets: event handlers and script URLs left out."""
        attrs: dict[str, str] = {}
        if self.id:
            attrs["id"] = self.id
        if self.classes:
            attrs["class"] = " ".join(dict.fromkeys(self.classes))
        for key, value in self.pairs:
            if _UNSAFE_KEY.match(key) or (key.lower() in _URL_KEYS and _UNSAFE_URL.match(value)):
                continue
            if key == "class":
                attrs["class"] = " ".join(filter(None, (attrs.get("class"), value)))
            elif key in ("width", "height") and re.fullmatch(r"[\d.]+%", value):
                style = attrs.get("style", "")
                attrs["style"] = f"{style}{key}: {value};" if not style else \
                    f"{style.rstrip(';')}; {key}: {value};"
            else:
                attrs[key] = value
        return attrs


def parse_attributes(text: str, pos: int = 0) -> tuple[Attributes, int] | None:
    """Parse ``{…}`` starting at ``text[pos]``; (attributes, position after ``}``) or None."""
    if pos >= len(text) or text[pos] != "{":
        return None
    result = Attributes()
    pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text.startswith("=", pos):
        match = re.compile(r"=([A-Za-z][\w-]*)\s*\}").match(text, pos)
        if match is None:
            return None
        result.raw_format = match.group(1).lower()
        return result, match.end()
    while pos < len(text):
        char = text[pos]
        if char == "}":
            return result, pos + 1
        if char in "#.":
            name = _NAME.match(text, pos + 1)
            if name is None:
                return None
            if char == "#":
                result.id = name.group(0)
            else:
                result.classes.append(name.group(0))
            pos = name.end()
        elif char == "-" and text[pos + 1:pos + 2] in ("}", " ", "\t", "\n"):
            result.classes.append("unnumbered")
            pos += 1
        else:
            key = _KEY.match(text, pos)
            if key is None or not text.startswith("=", key.end()):
                return None
            value_start = key.end() + 1
            value = _value(text, value_start)
            if value is None:
                return None
            result.pairs.append((key.group(0), value[0]))
            pos = value[1]
        if pos < len(text) and text[pos] not in " \t\n}":
            return None
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
    return None


def _value(text: str, pos: int) -> tuple[str, int] | None:
    if pos >= len(text):
        return None
    quote = text[pos]
    if quote in "\"'":
        out = []
        pos += 1
        while pos < len(text):
            char = text[pos]
            if char == "\\" and pos + 1 < len(text) and text[pos + 1] in (quote, "\\"):
                out.append(text[pos + 1])
                pos += 2
                continue
            if char == quote:
                return "".join(out), pos + 1
            out.append(char)
            pos += 1
        return None
    bare = _BARE_VALUE.match(text, pos)
    if bare is None:
        return None
    return bare.group(0), bare.end()


def parse_whole(text: str) -> Attributes | None:
    """Attributes when ``text`` (stripped) is exactly one ``{…}``, else None."""
    text = text.strip()
    parsed = parse_attributes(text)
    if parsed is None or parsed[1] != len(text):
        return None
    return parsed[0]


def apply(token: Token, attributes: Attributes) -> None:
    """Merge attributes into a token: classes add up, the rest replaces."""
    for key, value in attributes.as_html_attrs().items():
        if key == "class" and token.attrGet("class"):
            token.attrSet("class", f"{token.attrGet('class')} {value}")
        elif key == "style" and token.attrGet("style"):
            token.attrSet("style", f"{token.attrGet('style')} {value}")
        else:
            token.attrSet(key, value)


# --------------------------------------------------------------------------- markdown-it rules


def attributes_plugin(md: MarkdownIt) -> None:
    """Inline attributes, bracketed spans and block attributes (the line above a block)."""
    md.inline.ruler.push("dg_attributes", attributes_after_element)
    md.inline.ruler.before("link", "dg_span", recording_offsets(bracketed_span))
    md.block.ruler.before("fence", "dg_block_attributes", block_attributes)
    md.core.ruler.after("block", "dg_block_attributes", attach_block_attributes)


def _opening_of(tokens: Sequence[Token], index: int) -> int | None:
    if tokens[index].nesting != -1:
        return index
    level = 0
    while index >= 0:
        level += tokens[index].nesting
        if level == 0:
            return index
        index -= 1
    return None


def attributes_after_element(state: StateInline, silent: bool) -> bool:
    """``{…}`` right after an image, a link, inline code or a span."""
    if state.src[state.pos] != "{" or state.pending or not state.tokens:
        return False
    if state.tokens[-1].type not in AFTER:
        return False
    parsed = parse_attributes(state.src[:state.posMax], state.pos)
    if parsed is None:
        return False
    attributes, end = parsed
    index = _opening_of(state.tokens, len(state.tokens) - 1)
    if index is None:
        return False
    if not silent:
        target = state.tokens[index]
        if attributes.raw_format and target.type == "code_inline":
            target.meta = {**(target.meta or {}), "raw_format": attributes.raw_format}
        else:
            apply(target, attributes)
    state.pos = end
    return True


def bracketed_span(state: StateInline, silent: bool) -> bool:
    """``[text]{.class}``: pandoc's bracketed span (a link or citation takes precedence)."""
    if state.src[state.pos] != "[" or state.src.startswith("[^", state.pos):
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if label_end < 0 or label_end + 1 >= state.posMax or state.src[label_end + 1] != "{":
        return False
    parsed = parse_attributes(state.src[:state.posMax], label_end + 1)
    if parsed is None or parsed[0].raw_format:
        return False
    attributes, end = parsed
    if not silent:
        tag = "span"
        if "underline" in attributes.classes:
            tag = "u"
            attributes.classes.remove("underline")
        elif "mark" in attributes.classes:
            tag = "mark"
            attributes.classes.remove("mark")
        opening = state.push("span_open", tag, 1)
        apply(opening, attributes)
        maximum = state.posMax
        state.pos, state.posMax = state.pos + 1, label_end
        state.md.inline.tokenize(state)
        state.posMax = maximum
        state.push("span_close", tag, -1)
    state.pos = end
    return True


def block_attributes(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A line holding only ``{…}``: its attributes go to the block below."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[begin:state.eMarks[start_line]]
    if not line.startswith("{"):
        return False
    attributes = parse_whole(line)
    if attributes is None or attributes.raw_format:
        return False
    if silent:
        return True
    token = state.push("dg_attrs_block", "", 0)
    token.meta = {"attributes": attributes}
    token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


def attach_block_attributes(state: StateCore) -> None:
    """Move each attribute line's attributes onto the next opening block token."""
    tokens = state.tokens
    kept: list[Token] = []
    pending: list[Attributes] = []
    for token in tokens:
        if token.type == "dg_attrs_block":
            pending.append(token.meta["attributes"])
            continue
        if pending and token.nesting >= 0 and token.type != "inline":
            for attributes in pending:
                apply(token, attributes)
                if token.type == "fence" and attributes.classes and not token.info.strip():
                    token.info = attributes.classes[0]
            pending = []
        elif pending and token.nesting < 0:
            pending = []  # nothing follows inside this container: drop as the old plugin did
        kept.append(token)
    state.tokens = kept
