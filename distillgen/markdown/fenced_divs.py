"""Pandoc's fenced divs ``::: {#id .class key=value}`` … ``:::``, and what Quarto's classes mean.

A fence of three or more colons with attributes (or a bare class name) opens a div; a fence of
colons alone closes the innermost open one, so divs nest with or without longer fences, and
a code block inside a div may show ``:::`` lines. An opening fence that is never closed is a
located ``unclosed-div`` error rather than a div that silently runs to the end of the post.

Classes with a meaning (see :func:`classify_divs`):

- ``.callout-note|tip|warning|important|caution``: a callout, its title from ``title="…"`` or
  from a heading on its first line; ``collapse="true"`` folds it into ``<details>``;
- theorem-like blocks by id prefix (``#thm-``, ``#lem-``, …) or class (``.theorem``, …),
  numbered per kind; ``.proof``, ``.remark`` and ``.solution`` get their word and ``.proof``
  a closing ∎;
- ``.aside`` and ``.column-margin``: a margin note (an ``<aside>``); ``.appendix``: moved to
  the appendix; Quarto's ``.column-page`` family gets the matching Distill layout class;
- ``#fig-…``: a figure whose last paragraph is the caption;
- ``.content-visible`` / ``.content-hidden`` with ``when-format``: kept only for HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .attributes import Attributes, parse_attributes
from .locations import closing_index
from .state import state_of

_FENCE = re.compile(r":{3,}")
_CODE_FENCE = re.compile(r"(`{3,}|~{3,})")
_BARE_CLASS = re.compile(r"[^\s{}:]+")

CALLOUT_TITLES = {
    "note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important",
    "caution": "Caution",
}
THEOREM_KINDS = {
    "thm": "Theorem", "lem": "Lemma", "cor": "Corollary", "prp": "Proposition",
    "def": "Definition", "exm": "Example", "exr": "Exercise",
}
"""Quarto's theorem-like id prefixes and the word each shows."""
THEOREM_CLASSES = {
    "theorem": "thm", "lemma": "lem", "corollary": "cor", "proposition": "prp",
    "definition": "def", "example": "exm", "exercise": "exr",
}
UNNUMBERED = {"proof": "Proof", "remark": "Remark", "solution": "Solution"}
COLUMN_CLASSES = {
    "column-body-outset": "l-body-outset", "column-page": "l-page",
    "column-page-inset": "l-page", "column-page-outset": "l-page-outset",
    "column-screen": "l-screen", "column-screen-inset": "l-screen-inset",
    "column-body-outset-right": "l-body-outset", "column-page-right": "l-page",
    "column-page-inset-right": "l-page", "column-screen-inset-shaded": "l-screen-inset",
}
"""Quarto's article layout classes and the Distill class that places the block the same way."""


def fenced_divs_plugin(md: MarkdownIt) -> None:
    """The block rule, the core rule giving classes their meaning, and the renderers."""
    md.block.ruler.before("fence", "dg_fenced_div", fenced_div,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.core.ruler.after("block", "dg_classify_divs", classify_divs)
    md.add_render_rule("dg_div_open", render_div_open)
    md.add_render_rule("dg_div_close", render_div_close)
    md.add_render_rule("dg_title_open", render_title_open)
    md.add_render_rule("dg_title_close", render_title_close)
    md.add_render_rule("dg_callout_body_open",
                       lambda self, t, i, o, e: '<div class="callout-body">\n')
    md.add_render_rule("dg_callout_body_close", lambda self, t, i, o, e: "</div>\n")
    md.add_render_rule("dg_qed", lambda self, t, i, o, e:
                       ' <span class="qed" aria-label="end of proof">∎</span>')


# --------------------------------------------------------------------------- parsing


def _fence_at(state: StateBlock, line: int) -> tuple[int, str] | None:
    """(colon count, what follows) when ``line`` starts with a colon fence."""
    if state.sCount[line] - state.blkIndent >= 4:
        return None
    start = state.bMarks[line] + state.tShift[line]
    text = state.src[start:state.eMarks[line]]
    match = _FENCE.match(text)
    if match is None:
        return None
    return len(match.group(0)), text[match.end():].strip()


def opening_attributes(rest: str) -> Attributes | None:
    """The attributes of an opening fence's text (``{…}`` or a bare class), else None."""
    rest = rest.rstrip(":").strip()
    if not rest:
        return None
    if rest.startswith("{"):
        parsed = parse_attributes(rest)
        if parsed is None or rest[parsed[1]:].strip():
            return None
        return parsed[0]
    match = _BARE_CLASS.fullmatch(rest)
    if match is None:
        return None
    return Attributes(classes=[rest])


def fenced_div(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    fence = _fence_at(state, start_line)
    if fence is None:
        return False
    attributes = opening_attributes(fence[1])
    if attributes is None:
        return False
    if silent:
        return True
    closing = _closing_line(state, start_line, end_line)
    token = state.push("dg_div_open", "div", 1)
    token.map = [start_line, closing if closing is not None else end_line]
    token.meta = {"attributes": attributes}
    token.block = True
    if closing is None:
        state_of(state.env).report(
            "unclosed-div", "this fenced div is never closed", None,
            hint="end it with a line of three colons `:::`",
            location=state_of(state.env).location(token))
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "dg_div"
    state.lineMax = closing if closing is not None else end_line
    state.md.block.tokenize(state, start_line + 1, state.lineMax)
    state.parentType, state.lineMax = old_parent, old_max
    close = state.push("dg_div_close", "div", -1)
    close.block = True
    state.line = closing + 1 if closing is not None else end_line
    return True


def _closing_line(state: StateBlock, start_line: int, end_line: int) -> int | None:
    """The line of the fence that closes the div opened at ``start_line``: fences with
    attributes open nested divs, bare ones close, code blocks are skipped."""
    depth = 1
    code_fence: str | None = None
    line = start_line + 1
    while line < end_line:
        begin = state.bMarks[line] + state.tShift[line]
        if begin < state.eMarks[line] and state.sCount[line] < state.blkIndent:
            return None  # the parent block (a list item) ends here
        text = state.src[begin:state.eMarks[line]]
        indented = state.sCount[line] - state.blkIndent >= 4
        if code_fence is not None:
            if text.startswith(code_fence[0]) and text.strip() == code_fence[0] * len(
                    text.strip()) and len(text.strip()) >= len(code_fence):
                code_fence = None
        elif not indented:
            code = _CODE_FENCE.match(text)
            if code:
                code_fence = code.group(1)
            else:
                match = _FENCE.match(text)
                if match:
                    rest = text[match.end():].strip()
                    if not rest:
                        depth -= 1
                        if depth == 0:
                            return line
                    elif opening_attributes(rest) is not None:
                        depth += 1
        line += 1
    return None


# --------------------------------------------------------------------------- meaning


def _kind_of(attributes: Attributes) -> str | None:
    prefix = attributes.id.split("-", 1)[0] if "-" in attributes.id else ""
    if prefix in THEOREM_KINDS:
        return prefix
    for name in attributes.classes:
        if name in THEOREM_CLASSES:
            return THEOREM_CLASSES[name]
    return None


def _visible_in_html(attributes: Attributes) -> bool:
    formats = [value for key, value in attributes.pairs if key in ("when-format", "when-meta")]
    html_like = any(f in ("html", "html:js", "html5") for f in formats)
    if "content-visible" in attributes.classes and formats:
        return html_like
    if "content-hidden" in attributes.classes:
        return bool(formats) and not html_like
    return True


def classify_divs(state: StateCore) -> None:
    """Give each div its role, title and HTML attributes; drop divs hidden for HTML."""
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type != "dg_div_open":
            index += 1
            continue
        attributes: Attributes | None = token.meta.get("attributes")
        if attributes is None or token.meta.get("classified"):
            index += 1
            continue
        if not _visible_in_html(attributes):
            del tokens[index:closing_index(tokens, index) + 1]
            continue
        classify_div(state, tokens, index, attributes)
        index += 1


def classify_div(state: StateCore, tokens: list[Token], index: int,
              attributes: Attributes) -> None:
    token = tokens[index]
    token.meta["classified"] = True
    html_attrs: dict[str, str | int | float] = dict(attributes.as_html_attrs())
    classes = list(attributes.classes)
    callout = next((c[len("callout-"):] for c in classes
                    if c.startswith("callout-") and c[len("callout-"):] in CALLOUT_TITLES), None)
    kind = _kind_of(attributes)
    role = "div"
    if callout:
        role = "callout"
        _callout(state, tokens, index, callout, attributes)
        classes = ["callout", *classes]
        appearance = attributes.get("appearance")
        if appearance in ("simple", "minimal"):
            classes.append(f"callout-{appearance}")
    elif kind:
        role = "theorem"
        token.meta["kind"] = kind
        classes = ["theorem", f"theorem-{kind}", *[c for c in classes if c != "theorem"]]
        token.meta["name"] = attributes.get("name") or attributes.get("title") or ""
    elif any(c in UNNUMBERED for c in classes):
        role = "proof"
        word = next(UNNUMBERED[c] for c in classes if c in UNNUMBERED)
        token.meta["word"] = word
        token.meta["name"] = attributes.get("name") or attributes.get("title") or ""
        _proof(tokens, index, word == "Proof")
    elif "aside" in classes or "column-margin" in classes:
        role = "aside"
        token.tag = "aside"
        tokens[closing_index(tokens, index)].tag = "aside"
    elif attributes.id.startswith("fig-"):
        role = "figure"
        _figure_div(tokens, index)
    if "appendix" in classes:
        token.meta["appendix"] = True
    classes += [COLUMN_CLASSES[c] for c in classes if c in COLUMN_CLASSES]
    ncol = attributes.get("layout-ncol")
    if ncol and ncol.isdigit() and 1 < int(ncol) <= 6:
        classes.append(f"layout-ncol layout-ncol-{ncol}")
    for key in ("title", "collapse", "appearance", "icon", "name", "layout-ncol",
                "when-format", "when-meta", "label"):
        html_attrs.pop(key, None)
    if classes:
        html_attrs["class"] = " ".join(dict.fromkeys(classes))
    token.attrs = dict(html_attrs)
    token.meta["role"] = role
    if role == "theorem" and not token.attrs.get("id"):
        pass  # numbered, but nothing can refer to it


def _callout(state: StateCore, tokens: list[Token], index: int, kind: str,
             attributes: Attributes) -> None:
    """Insert the title and the body wrapper; a heading on the first line is the title."""
    opening = tokens[index]
    close = closing_index(tokens, index)
    title_tokens: list[Token]
    first = index + 1
    if first < close and tokens[first].type == "heading_open" and not attributes.get("title"):
        inline = tokens[first + 1]
        del tokens[first:first + 3]
        close -= 3
        title_tokens = [inline]
    else:
        text = attributes.get("title") or CALLOUT_TITLES[kind]
        inline = Token("inline", "", 0)
        inline.content = text
        inline.map = opening.map
        inline.children = []
        title_tokens = [inline]
    collapse = (attributes.get("collapse") or "").lower()
    if collapse in ("true", "false"):
        opening.tag = tokens[close].tag = "details"
        opening.meta["open"] = collapse == "false"
    title_open = Token("dg_title_open", "p", 1)
    title_open.meta = {"summary": opening.tag == "details", "kind": "callout"}
    title_close = Token("dg_title_close", "p", -1)
    title_close.meta = dict(title_open.meta)
    body_open = Token("dg_callout_body_open", "div", 1)
    body_close = Token("dg_callout_body_close", "div", -1)
    tokens[close:close] = [body_close]
    tokens[index + 1:index + 1] = [title_open, *title_tokens, title_close, body_open]


def _proof(tokens: list[Token], index: int, qed: bool) -> None:
    """A closing ∎ at the end of the proof's last paragraph (or on a line of its own)."""
    if not qed:
        return
    close = closing_index(tokens, index)
    mark = Token("dg_qed", "", 0)
    if tokens[close - 1].type == "paragraph_close":
        tokens.insert(close - 1, mark)
    else:
        tokens[close:close] = [Token("paragraph_open", "p", 1), mark,
                               Token("paragraph_close", "p", -1)]


def _figure_div(tokens: list[Token], index: int) -> None:
    """``::: {#fig-x}``: a figure; its last paragraph (when not only an image) is the caption."""
    opening = tokens[index]
    close = closing_index(tokens, index)
    opening.tag = tokens[close].tag = "figure"
    last_open = close - 3
    if last_open > index and tokens[last_open].type == "paragraph_open" \
            and tokens[last_open].level == opening.level + 1:
        inline = tokens[last_open + 1]
        if "![" not in inline.content.strip()[:2]:
            tokens[last_open].type = "dg_caption_open"
            tokens[last_open].tag = "figcaption"
            tokens[last_open + 2].type = "dg_caption_close"
            tokens[last_open + 2].tag = "figcaption"


# --------------------------------------------------------------------------- rendering


def _attrs_html(attrs: dict) -> str:
    return "".join(f' {name}="{html.escape(str(value))}"' for name, value in attrs.items())


def render_div_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    attrs = dict(token.attrs)
    if token.meta.get("role") == "callout" and token.tag == "div":
        attrs.setdefault("role", "note")
    opening = f"<{token.tag}{_attrs_html(attrs)}"
    if token.tag == "details" and token.meta.get("open"):
        opening += " open"
    return opening + ">\n" + _theorem_heading(self, token, options, env)


def _theorem_heading(renderer, token: Token, options, env) -> str:
    """Nothing: theorem titles are tokens inserted by the numbering rule."""
    return ""


def render_div_close(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    return f"</{tokens[idx].tag}>\n"


def render_title_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    if meta.get("kind") == "theorem":
        return meta.get("html", "")
    if meta.get("summary"):
        return '<summary class="callout-title">'
    return '<p class="callout-title">'


def render_title_close(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    if meta.get("kind") == "theorem":
        return meta.get("html", "")
    return "</summary>\n" if meta.get("summary") else "</p>\n"
