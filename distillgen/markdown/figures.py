"""Images: paths resolved against the Markdown file, copied into the site, and figures.

An image alone in its paragraph becomes ``<figure>`` with its alt text as ``<figcaption>``
(rendered as Markdown, so captions may hold math and citations). A Distill layout class
written after the image (``![…](x.png){.l-page}``) or above the paragraph moves to the figure.
Every local image must exist: a missing one is a located ``missing-asset`` error.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline.image import image as image_rule
from markdown_it.token import Token

from .crossref import reference_plain_text
from .locations import replace_inline_rule
from .paths import resolve_local_file
from .state import RenderState, state_of

LAYOUT_CLASSES = frozenset({
    "l-body", "l-body-outset", "l-page", "l-page-outset", "l-screen", "l-screen-inset",
    "l-gutter", "l-middle", "l-text",
})


def figures_plugin(md: MarkdownIt) -> None:
    """Located images, figure detection and the image renderer."""
    replace_inline_rule(md, "image", image_rule)
    md.core.ruler.push("figures", mark_figures)
    md.add_render_rule("image", render_image)
    md.add_render_rule("figure_open", render_figure_open)
    md.add_render_rule("figure_close", lambda self, tokens, idx, options, env: "</figure>\n")
    md.add_render_rule("dg_caption_open", render_caption_open)
    md.add_render_rule("dg_caption_close", lambda self, tokens, idx, options, env:
                       "</figcaption>\n")


def _lone_image(inline: Token) -> Token | None:
    children = [c for c in inline.children or []
                if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"]
    if len(children) == 1 and children[0].type == "image":
        return children[0]
    return None


def mark_figures(state: StateCore) -> None:
    """Turn paragraphs that hold only an image into figures."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i], tokens[i + 1], tokens[i + 2]
        if opening.type != "paragraph_open" or inline.type != "inline" \
                or closing.type != "paragraph_close" or opening.hidden:
            continue
        image = _lone_image(inline)
        if image is None:
            continue
        image.meta = {**(image.meta or {}), "figure": True}
        layout = [c for c in str(image.attrs.pop("class", "")).split() if c]
        classes = [c for c in str(opening.attrs.get("class", "")).split() if c] + layout
        opening.type, opening.tag = "figure_open", "figure"
        closing.type, closing.tag = "figure_close", "figure"
        opening.attrs = {k: v for k, v in opening.attrs.items() if k != "class"}
        if classes:
            opening.attrs["class"] = " ".join(dict.fromkeys(classes))
        if image.attrs.get("id"):
            opening.attrs.setdefault("id", image.attrs.pop("id"))


def render_figure_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    attrs = "".join(f' {name}="{html.escape(str(value))}"' for name, value in token.attrs.items())
    return f"<figure{attrs}>"


def caption_prefix(prefix: str | None) -> str:
    """"Figure 1: " before a numbered figure's caption."""
    if not prefix:
        return ""
    separator = " " if prefix.startswith("(") else ": "
    return f'<span class="figure-number">{html.escape(prefix)}</span>{separator}'


def render_caption_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    return "<figcaption>" + caption_prefix(tokens[idx].meta.get("prefix"))


def plain_text(tokens: Sequence[Token], state: RenderState | None = None) -> str:
    """Readable text of inline tokens, for alt attributes and summaries: math and citations
    as written, cross-references as they read (``Figure 2``) when the state is given."""
    parts = []
    for token in tokens:
        if token.children:
            parts.append(plain_text(token.children, state))
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "xref" and state is not None:
            parts.append(reference_plain_text(state, token))
        elif token.type in ("text", "code_inline", "math_inline", "citation", "html_inline"):
            parts.append(token.content)
    return "".join(parts)


def render_image(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    state = state_of(env)
    token = tokens[idx]
    alt = plain_text(token.children or [], state).strip()
    src = str(token.attrs.get("src", ""))
    attrs: dict[str, str] = {"src": src, "alt": alt}
    resolved = resolve_local_file(state, src, token)
    if resolved is not None:
        attrs["src"], info, _ = resolved
        if info is not None and info.width and info.height:
            attrs["width"], attrs["height"] = str(info.width), str(info.height)
    if not alt:
        state.report("missing-alt", "image has no alt text; screen readers will skip it",
                     token, hint="describe the image in the brackets: ![what it shows](path)",
                     warning=True)
    for name, value in token.attrs.items():
        if name not in ("src", "alt"):
            attrs[name] = str(value)
    attrs.setdefault("loading", "lazy")
    attrs.setdefault("decoding", "async")
    tag = "<img" + "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items()) + ">"
    if is_video(src):
        tag = video_element(attrs, alt)
    if token.meta and token.meta.get("figure") and token.children:
        caption = caption_prefix(token.meta.get("caption_prefix")) + \
            self.renderInline(token.children, options, env)
        return f"{tag}\n<figcaption>{caption}</figcaption>\n"
    return tag


VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogg": "video/ogg",
               ".ogv": "video/ogg", ".mov": "video/quicktime", ".m4v": "video/mp4"}


def is_video(src: str) -> bool:
    path = re.split(r"[?#]", src, maxsplit=1)[0].lower()
    return posixpath.splitext(path)[1] in VIDEO_TYPES


def video_element(attrs: dict[str, str], alt: str) -> str:
    """``![caption](clip.mp4)``: a video with controls; the alt text labels it."""
    src = attrs.pop("src")
    for name in ("alt", "loading", "decoding"):
        attrs.pop(name, None)
    kind = VIDEO_TYPES[posixpath.splitext(re.split(r"[?#]", src, maxsplit=1)[0].lower())[1]]
    if alt:
        attrs["aria-label"] = alt
    extra = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items())
    return (f'<video controls preload="metadata"{extra}>'
            f'<source src="{html.escape(src)}" type="{kind}">'
            f'<a href="{html.escape(src)}">{html.escape(alt or "Download the video")}</a>'
            "</video>")
