"""Distill's and al-folio's tags, so their posts build unchanged.

Each becomes what our own syntax makes, with a ``distill-tag`` warning whose hint gives that
syntax (``distillgen check`` doubles as a migration guide):

=====================================  =====================================================
``<d-cite key="a,b"></d-cite>``        a citation ``[@a; @b]``
``<d-footnote>…</d-footnote>``         a sidenote ``^[…]``
``<d-math>…</d-math>``, ``block``      MathML ``$…$`` / ``$$…$$``
``<d-code language="…">``              highlighted code (a fenced block with ``block``)
``<d-figure>``                         ``<figure>``
``<d-appendix>``                       moved to the appendix
``<d-article>``                        dropped, its content kept
``<d-title>``, ``<d-byline>``,         dropped with their content: front matter says it
``<d-front-matter>``,
``<d-bibliography src>``
``{% include figure.html path=… %}``   a figure (al-folio; ``path`` from the site root)
``{% cite a b %}``                     a citation (jekyll-scholar)
=====================================  =====================================================
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote.index import _data_from_env

from .html_blocks import html_pairs, open_container
from .locations import recording_offsets
from .records import CiteItem
from .state import state_of

_INLINE = re.compile(r"<(d-cite|d-footnote|d-math|d-code)\b([^>]*?)(?:/>|>(.*?)</\1\s*>)",
                     re.DOTALL)
_ATTR = re.compile(r"""([A-Za-z_:][\w:.-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_DROPPED = ("d-front-matter", "d-title", "d-byline", "d-bibliography")
_BLOCK_START = re.compile(r"<(d-[a-z-]+)\b([^>]*)>")
_LIQUID_FIGURE = re.compile(
    r"\{%-?\s*include\s+(figure|video)\.(?:html|liquid)\s+(.*?)-?%\}\s*$")
_LIQUID_CITE = re.compile(r"\{%\s*(cite|citet|citep)\s+([^%]+?)\s*%\}")
_LIQUID_INLINE = re.compile(r"\{%-?\s*(raw|endraw|twitter)\b\s*([^%]*?)\s*-?%\}")
_HIGHLIGHT = re.compile(r"\{%-?\s*highlight\s+([\w+#.-]+)((?:\s+\w+)*)\s*-?%\}\s*$")
_END_HIGHLIGHT = re.compile(r"^\s*\{%-?\s*endhighlight\s*-?%\}\s*$")

HINTS = {
    "d-cite": "write a citation as [@key] (several: [@a; @b])",
    "d-footnote": "write a note as ^[text] or [^label]",
    "d-math": "write math as $…$, and display math as $$…$$",
    "d-code": "write code as a fenced code block with its language after the backticks",
    "d-figure": "write a figure as ![caption](image.png), or use <figure>",
    "d-appendix": "put appendix content in a ::: {.appendix} div",
    "d-article": "leave it out: the post is the article",
    "d-title": "give the title and description in the front matter",
    "d-byline": "give the authors in the front matter",
    "d-front-matter": "give title, authors and dates in the YAML front matter",
    "d-bibliography": "name the .bib in the front matter: bibliography: refs.bib",
    "figure": "write ![caption](/assets/img/x.png) (a path from the site root starts with /)",
    "video": "write ![caption](/assets/video/x.mp4)",
    "cite": "write [@key] (several: [@a; @b])",
    "highlight": "write a fenced code block: ```python … ```",
    "raw": "leave it out: Markdown needs no escape for {{ or {%",
    "endraw": "leave it out: Markdown needs no escape for {{ or {%",
    "twitter": "write a link to the post: [the tweet](https://twitter.com/…)",
}


def distill_tags_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("html_inline", "dg_distill_inline", recording_offsets(distill_inline))
    md.inline.ruler.before("html_inline", "dg_liquid_cite", recording_offsets(liquid_cite))
    md.block.ruler.before("dg_html_container", "dg_distill_block", distill_block,
                          {"alt": ["paragraph", "reference", "blockquote"]})
    md.block.ruler.before("dg_html_container", "dg_liquid_figure", liquid_figure,
                          {"alt": ["paragraph", "reference", "blockquote"]})
    md.inline.ruler.before("html_inline", "dg_liquid_inline", recording_offsets(liquid_inline))
    md.block.ruler.before("fence", "dg_liquid_highlight", liquid_highlight,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.core.ruler.push("dg_distill_warnings", warn_inline_tags)


def warn_inline_tags(state: StateCore) -> None:
    """One ``distill-tag`` warning per converted inline tag, where it was written."""
    notes = state.env.get("footnotes", {}).get("list", {})
    inner = [t for note in notes.values() for t in note.get("tokens") or []]
    blocks = list(state.tokens) + state_of(state.env).appendix_tokens
    children = [child for token in blocks for child in token.children or []]
    for child in [*children, *inner]:
        tag = (child.meta or {}).get("distill_tag")
        if tag:
            _warn(state.env, tag, child)


def attributes_of(text: str) -> dict[str, str]:
    found = {}
    for match in _ATTR.finditer(text):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found[match.group(1).lower()] = html.unescape(value)
    return found


def _warn(env, tag: str, token: Token | None, line: int | None = None) -> None:
    state = state_of(env)
    where = None
    if line is not None:
        stand_in = Token("html_block", "", 0)
        stand_in.map = [line, line + 1]
        where = state.location(stand_in)
    done = "left out" if tag in (*_DROPPED, "d-article", "raw", "endraw") else "converted"
    message = (f"`<{tag}>` is Distill's syntax; it is {done}" if tag.startswith("d-") else
               f"`{{% {tag} %}}` is al-folio's syntax; it is {done}")
    state.report("distill-tag", message, token, hint=HINTS[tag], warning=True, location=where)


def distill_inline(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("<d-", state.pos):
        return False
    match = _INLINE.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    tag, attrs, inner = match.group(1), attributes_of(match.group(2)), match.group(3) or ""
    if not silent:
        if tag == "d-cite":
            keys = [k.strip() for k in (attrs.get("key") or attrs.get("bibtex-key", "")).split(",")
                    if k.strip()]
            if not keys:
                return False
            token = state.push("citation", "", 0)
            token.meta = {"items": tuple(CiteItem(key=k) for k in keys), "mode": "paren"}
        elif tag == "d-footnote":
            refs = _data_from_env(state.env)["list"]
            note_id = len(refs)
            children: list[Token] = []
            refs[note_id] = {"content": inner, "tokens": children}
            state.md.inline.parse(inner.strip(), state.md, state.env, children)
            token = state.push("footnote_ref", "", 0)
            token.meta = {"id": note_id}
        elif tag == "d-math":
            token = state.push("math_inline_double" if "block" in attrs else "math_inline",
                               "math", 0)
            token.content = html.unescape(inner)
            token.markup = "$$" if "block" in attrs else "$"
        else:
            token = state.push("code_inline", "code", 0)
            token.content = html.unescape(inner)
        token.markup = token.markup or match.group(0)[:len(tag) + 1]
        token.meta = {**(token.meta or {}), "distill_tag": tag}
    state.pos = match.end()
    return True


def liquid_cite(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("{%", state.pos):
        return False
    match = _LIQUID_CITE.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        keys = [k for k in match.group(2).split() if not k.startswith("--")]
        token = state.push("citation", "", 0)
        mode = "intext" if match.group(1) == "citet" and len(keys) == 1 else "paren"
        token.meta = {"items": tuple(CiteItem(key=k) for k in keys), "mode": mode,
                      "distill_tag": "cite"}
        token.markup = match.group(0)
        token.content = match.group(0)
    state.pos = match.end()
    return True


def liquid_inline(state: StateInline, silent: bool) -> bool:
    """``{% raw %}``/``{% endraw %}`` vanish as in Jekyll; ``{% twitter url %}`` is a link."""
    if not state.src.startswith("{%", state.pos):
        return False
    match = _LIQUID_INLINE.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    tag, rest = match.group(1), match.group(2)
    if tag == "twitter" and not re.match(r"https?://\S+", rest):
        return False
    if not silent:
        if tag == "twitter":
            url = rest.split()[0]
            token = state.push("html_inline", "", 0)
            token.content = (f'<a class="embed-link" href="{html.escape(url)}">'
                             f"{html.escape(url)}</a>")
        else:
            token = state.push("text", "", 0)
            token.content = ""
        token.meta = {"distill_tag": tag}
        token.markup = match.group(0)
    state.pos = match.end()
    return True


def liquid_highlight(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Jekyll's ``{% highlight python linenos %}`` … ``{% endhighlight %}``: a code block."""
    if state.sCount[start_line] - state.blkIndent >= 4 or not state.src.startswith(
            "{%", state.bMarks[start_line] + state.tShift[start_line]):
        return False
    begin, text = _line_text(state, start_line)
    match = _HIGHLIGHT.match(text)
    if match is None:
        return False
    line = start_line + 1
    while line < end_line:
        if _END_HIGHLIGHT.match(state.src[state.bMarks[line]:state.eMarks[line]]):
            break
        line += 1
    else:
        return False
    if silent:
        return True
    token = state.push("fence", "code", 0)
    options = match.group(2).split()
    token.info = match.group(1) + (" {.numberLines}" if "linenos" in options else "")
    token.content = state.getLines(start_line + 1, line, state.sCount[start_line], True)
    token.markup = "```"
    token.map = [start_line, line + 1]
    _warn(state.env, "highlight", token)
    state.line = line + 1
    return True


def _line_text(state: StateBlock, line: int) -> tuple[int, str]:
    begin = state.bMarks[line] + state.tShift[line]
    return begin, state.src[begin:state.eMarks[line]]


def _find_close(state: StateBlock, tag: str, start: int, end_line: int) -> int | None:
    closing = f"</{tag}>"
    position = state.src.find(closing, start)
    if position < 0:
        return None
    for line in range(0, min(end_line, state.lineMax)):
        if state.bMarks[line] <= position <= state.eMarks[line]:
            return line
    return None


def distill_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    first = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith(("<d-", "</d-"), first):
        return False
    begin, text = _line_text(state, start_line)
    if not text.startswith("<d-") and not text.startswith("</d-"):
        return False
    if text.startswith("</d-"):
        match = re.match(r"</(d-article|d-appendix|d-figure)\s*>\s*$", text)
        if match is None:
            return False
        if not silent:  # a stray closing tag: nothing to show
            state.line = start_line + 1
        return True
    match = _BLOCK_START.match(text)
    if match is None:
        return False
    tag, attrs = match.group(1), attributes_of(match.group(2))
    if tag in ("d-cite", "d-footnote") or (tag in ("d-math", "d-code") and "block" not in attrs):
        return False  # inline: the paragraph's rule takes it
    if tag not in HINTS:
        return False
    close_line = _find_close(state, tag, begin, end_line)
    if silent:
        return True
    if tag in _DROPPED or tag == "d-article" and close_line is None:
        last = close_line if close_line is not None else start_line
        if tag == "d-article":
            last = start_line
        _warn(state.env, tag, None, start_line)
        state.line = last + 1
        return True
    if close_line is None:
        return False
    if tag in ("d-math", "d-code"):
        closing = state.src.find(f"</{tag}>", begin)
        body = html.unescape(state.src[begin + match.end():closing])
        token = state.push("math_block" if tag == "d-math" else "fence",
                           "math" if tag == "d-math" else "code", 0)
        token.content = _dedent(body) + ("\n" if tag == "d-code" else "")
        token.info = attrs.get("language", "") if tag == "d-code" else ""
        token.markup = "$$" if tag == "d-math" else "```"
        token.map = [start_line, close_line + 1]
        _warn(state.env, tag, token)
        state.line = close_line + 1
        return True
    pair = html_pairs(state).get(begin)
    if pair is None:
        return False
    _warn(state.env, tag, None, start_line)
    if tag == "d-article":
        first = len(state.tokens)
        open_container(state, start_line, close_line, begin + match.end(), pair, "div")
        del state.tokens[first]  # the tags themselves go
        state.tokens.pop()
        return True
    if tag == "d-appendix":
        opening = state.push("dg_div_open", "div", 1)
        opening.meta = {"appendix": True, "role": "div", "attributes": None}
        opening.map = [start_line, close_line + 1]
        first = len(state.tokens)
        open_container(state, start_line, close_line, begin + match.end(), pair, "div")
        del state.tokens[first]
        state.tokens.pop()
        state.push("dg_div_close", "div", -1)
        return True
    first = len(state.tokens)
    open_container(state, start_line, close_line, begin + match.end(), pair, "figure")
    figure_open, figure_close = state.tokens[first], state.tokens[-1]
    figure_open.content = "<figure" + figure_open.content[len("<d-figure"):]
    figure_close.content = "</figure>\n"
    return True


def _dedent(text: str) -> str:
    lines = text.strip("\n").split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines).strip()


def liquid_figure(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """al-folio's ``{% include figure.html path="…" caption="…" %}``: a Markdown figure."""
    if not state.src.startswith("{%", state.bMarks[start_line] + state.tShift[start_line]):
        return False
    begin, text = _line_text(state, start_line)
    match = _LIQUID_FIGURE.match(text)
    if match is None:
        return False
    attrs = attributes_of(match.group(2))
    path = attrs.get("path") or attrs.get("url") or attrs.get("src")
    if not path:
        return False
    if silent:
        return True
    kind = match.group(1)
    if not re.match(r"^[a-z][a-z0-9+.-]*:|^/", path):
        path = "/" + path
    caption = attrs.get("caption", "") or attrs.get("alt", "") or attrs.get("title", "")
    state.push("paragraph_open", "p", 1).map = [start_line, start_line + 1]
    inline = state.push("inline", "", 0)
    escaped_path = path.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    inline.content = f"![{caption}](<{escaped_path}>)" if " " in path else \
        f"![{caption}]({escaped_path})"
    inline.map = [start_line, start_line + 1]
    inline.children = []
    inline.meta = {"liquid": kind}
    state.push("paragraph_close", "p", -1)
    _warn(state.env, kind, None, start_line)
    state.line = start_line + 1
    return True
