"""Fenced code blocks with pandoc's attributes and Quarto's / knitr's cell headers.

````{.python .numberLines startFrom=10}````, ```` ``` python {#lst-a} ````,
````{python}```` and ````{r, echo=FALSE}```` all name the language. Cells (a bare engine name
in braces) are shown as code, not run: an ``executable-code`` warning says so, once per post
with the count. ````{=html}```` is raw HTML passed through; another raw format
(````{=latex}````) has no HTML form and is left out with a ``raw-block`` warning.
``.numberLines`` numbers the lines (with CSS counters, from ``startFrom``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .attributes import Attributes, parse_attributes
from .highlight import highlight_code
from .media import rewrite_html
from .state import state_of

_CELL = re.compile(r"^\{\s*([A-Za-z][\w+-]*)\s*(?:[,\s][^}]*)?\}\s*$")
_ENGINES = {"r": "r", "python": "python", "julia": "julia", "ojs": "javascript",
            "bash": "bash", "sql": "sql", "rcpp": "cpp", "stan": "stan", "mermaid": "",
            "dot": "", "observable": "javascript"}


def code_blocks_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "dg_code_info", read_fence_info)
    md.add_render_rule("fence", render_fence)


def fence_info(info: str) -> tuple[str, Attributes, bool]:
    """(language, attributes, is an executable cell) from a fence's info string."""
    text = info.strip()
    if not text:
        return "", Attributes(), False
    cell = _CELL.match(text)
    if cell and not text.startswith(("{.", "{#", "{=")):
        engine = cell.group(1).lower()
        return _ENGINES.get(engine, engine), Attributes(), True
    if text.startswith("{"):
        parsed = parse_attributes(text)
        if parsed is not None and not text[parsed[1]:].strip():
            attributes = parsed[0]
            language = attributes.classes.pop(0) if attributes.classes else ""
            return language, attributes, False
        return "", Attributes(), False
    language, _, rest = text.partition(" ")
    rest = rest.strip()
    if rest.startswith("{"):
        parsed = parse_attributes(rest)
        if parsed is not None:
            return language, parsed[0], False
    return language, Attributes(), False


def read_fence_info(state: StateCore) -> None:
    render_state = state_of(state.env)
    cells: list[Token] = []
    for token in state.tokens:
        if token.type != "fence":
            continue
        language, attributes, executable = fence_info(token.info)
        token.meta = {**(token.meta or {}), "language": language, "attributes": attributes}
        if executable:
            cells.append(token)
        if attributes.raw_format and attributes.raw_format != "html":
            render_state.report("raw-block", f"a raw `{attributes.raw_format}` block has no "
                                "HTML form and is left out", token,
                                hint="write the content in Markdown, or as raw HTML with "
                                "```{=html}", warning=True)
    if cells:
        more = f" (and {len(cells) - 1} more in this post)" if len(cells) > 1 else ""
        render_state.report("executable-code", "this code cell is shown as code, not run"
                            + more, cells[0], hint="paste the output you want readers to see "
                            "below the cell (as a figure, a table or a ``` block)",
                            warning=True)


def render_fence(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    meta = token.meta or {}
    attributes: Attributes = meta.get("attributes") or Attributes()
    if "language" not in meta:
        language, attributes, _ = fence_info(token.info)
    else:
        language = meta["language"]
    if attributes.raw_format == "html":
        return rewrite_html(env, token)
    if attributes.raw_format:
        return ""
    classes = [c for c in attributes.classes if c != "numberLines"]
    number_lines = "numberLines" in attributes.classes or "number-lines" in attributes.classes
    out = highlight_code(token.content, language)
    extra: dict[str, str] = {}
    if attributes.id:
        extra["id"] = attributes.id
    own_classes = list(classes)
    if number_lines:
        own_classes.append("number-lines")
        start = attributes.get("startFrom") or attributes.get("start-from") or ""
        if start.isdigit() and start != "1":
            extra["style"] = f"counter-reset: line {int(start) - 1}"
        out = _numbered(out)
    for name, value in (token.attrs or {}).items():
        if name == "class":
            own_classes.extend(str(value).split())
        else:
            extra[name] = str(value)
    if own_classes:
        out = out.replace('<pre class="highlight"',
                          f'<pre class="highlight {html.escape(" ".join(own_classes))}"', 1)
    if extra:
        rendered = "".join(f' {k}="{html.escape(v)}"' for k, v in extra.items())
        out = out.replace("<pre ", f"<pre{rendered} ", 1)
    return out + "\n"  # as markdown-it's own fence renderer writes it


def _numbered(pre: str) -> str:
    """Each line of the code in a ``<span class="line">`` (CSS numbers them)."""
    head, _, rest = pre.partition("<code")
    code_tag_end = rest.index(">") + 1
    opening, body = "<code" + rest[:code_tag_end], rest[code_tag_end:]
    body, _, tail = body.rpartition("</code>")
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    numbered = "\n".join(f'<span class="line">{line}</span>' for line in lines)
    return f"{head}{opening}{numbered}\n</code>{tail}"
