"""Never silent: text a reader would see that still looks like unprocessed syntax.

Once a post is parsed, every piece of text that reaches the page as text (not code, math,
``<pre>``, ``<script>``, ``<style>``) is searched for constructs that some other tool would
have turned into something: TeX between dollars or ``\\(…\\)``, ``\\ref{``/``\\begin{`` and
other LaTeX commands, ``:::`` fences, ``{#id}``/``{.class}``/``{width=…}`` attributes,
``^[``, ``[@``, Quarto shortcodes, Liquid tags, Distill ``<d-…>`` tags, d2l's ``:eqref:``
roles, knitr's inline `` `r …` ``. Each is an ``unrendered-syntax`` warning at its source
line, saying what it looks like and what to write instead. Escapes are seen as written
(``\\(`` is a backslash and a parenthesis to CommonMark), so the check runs before
markdown-it joins them into the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .locations import line_and_column, newline_offsets, source_lines
from .math_syntax import MATH_SIGNS
from .state import state_of

MAX_PER_POST = 100
"""Warnings of this kind per post: past that, one more line says how many were left out."""

_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    # Only what the parser would have taken for math: ``\[1\]`` is escaped brackets there.
    (re.compile(r"\\\[(?:(?!\\\])[\s\S])*?(?!\\\])" f"[{MATH_SIGNS}]"
                r"(?:(?!\\\])[\s\S])*?\\\]"),
     "display math in \\[…\\] that was not converted",
     "write display math as $$…$$ on lines of its own"),
    (re.compile(r"\\\(.+?\\\)", re.DOTALL), "inline math in \\(…\\) that was not converted",
     "write inline math as $…$"),
    (re.compile(r"\$\$[^$]+?\$\$"), "TeX between $$ that was not converted",
     "put display math on lines of its own: $$, the formula, $$"),
    (re.compile(r"(?<![\\$\w])\$(?![\d$])[^$\n]*?[\\^_{][^$\n]*?\$(?![\w$])"),
     "TeX between dollars that was not converted",
     "inline math needs no space just inside the dollars and no digit right after the "
     "closing one: $x$"),
    (re.compile(r"(?<!\\)\$[^$\n]*?\\[A-Za-z]+[^$\n]*?(?<!\\)\$"),
     "TeX between dollars that was not converted",
     "math needs a non-space right inside each dollar and no digit right after the closing one: "
     "write 101 $\\times$ 11, or 101$\\times 11$"),
    (re.compile(r"(?m)^\|[^\n]*\|[ \t]*$"), "a pipe table that was not recognised",
     "a table starts with its header row, then a delimiter row such as |---|---|"),
    (re.compile(r"\\(?:eqref|ref|autoref|cref|Cref|label|cite[pt]?|index)\{[^}\n]*\}?"),
     "a LaTeX reference or index command outside math",
     "label a target with {#fig-x}/{#eq-x} and refer to it with @fig-x; citations are [@key]"),
    (re.compile(r"\\@ref\([^)\n]*\)|\(\\#(?:eq|fig|tab):[^)\n]*\)"),
     "a bookdown cross-reference, which is not supported",
     "label with {#eq-x} / {#fig-x} and refer with @eq-x / @fig-x"),
    (re.compile(r"\\(?:begin|end)\{[A-Za-z*]+\}"), "a LaTeX environment outside math",
     "put the environment between $$ lines, or write it in Markdown"),
    (re.compile(r"\\(?:newcommand|renewcommand|DeclareMathOperator|def)\b\S*"),
     "a LaTeX macro definition outside math",
     "define macros inside the math that uses them, or write the expanded TeX"),
    (re.compile(r"\\(?:textbf|textit|emph|texttt|section|subsection|footnote|url|href|"
                r"includegraphics|vspace|hspace|newpage|noindent|clearpage|centering)\b"
                r"(?:\{[^}\n]*\}?)?"),
     "a LaTeX command outside math, shown as text",
     "write it in Markdown: *emphasis*, **bold**, `code`, [text](url), ![caption](image)"),
    (re.compile(r"\{\{<.*?>\}\}|\{\{%.*?%\}\}"), "a Quarto/Hugo shortcode, which is not run",
     "replace it with Markdown or HTML: shortcodes are not supported"),
    (re.compile(r"\{%-?.*?-?%\}"), "a Liquid (Jekyll) tag, which is not run",
     "replace it with Markdown: ![caption](/assets/img/x.png) for a figure, [@key] to cite"),
    (re.compile(r"\{\{(?![<%])[^{}\n]*\}\}"), "a Liquid (Jekyll) variable, which is not filled in",
     "write the value itself"),
    (re.compile(r":{3,}[^\n]*"), "a fenced div fence that did not open or close a div",
     "an opening fence needs attributes (::: {.note}) and a closing one only colons (:::); "
     "check the fences are on lines of their own"),
    (re.compile(r"\{[#.][^{}\n]*\}"), "pandoc attributes that were not applied",
     "attributes go right after an image, link, `code` or [span], at the end of a heading, or "
     "on a line of their own above a block"),
    (re.compile(r"\{[^{}\n]*\b(?:width|height)\s*=[^{}\n]*\}"),
     "image size attributes that were not applied",
     "write them right after the image, with nothing in between: ![caption](x.png){width=50%}"),
    (re.compile(r"\^\[[^\]\n]*"), "an inline note ^[…] that was not recognised",
     "close the note's bracket on the same paragraph: ^[the note]"),
    (re.compile(r"\[-?@[^\]\n]*\]?"), "a bracketed citation that was not recognised",
     "write [@a; @b] with `;` between works, and a locator after a comma: [@a, p. 3]"),
    (re.compile(r"<d-[a-z-]+[^>]*>?"), "a Distill tag that was not converted",
     "write our syntax instead: [@key], ^[note], $…$; see `distillgen explain distill-tag`"),
    (re.compile(r":(?:eqref|numref|cite|citet|citep|label|ref|width|height|begin_tab|end_tab|"
                r"math|numref):(?=`|$|\s)"),
     "a d2l / Sphinx role, which is not supported",
     "refer with @eq-x / @fig-x to a {#eq-x} / {#fig-x} target; cite with [@key]"),
    (re.compile(r"(?m)^\+[-=:+]{3,}\+\s*$"), "a grid table line that does not form a table",
     "every row of a grid table must have the same width, with | under each + of the border"),
)

_TRIGGERS = ("\\[", "\\(", "$$", "$", "$", "|", "\\", "\\", "\\", "\\", "\\", "{{", "{%",
             "{{", ":::", "{", "=", "^[", "@", "<d-", ":", "+")
"""A piece of text each pattern needs, so most text is searched by ``in`` only."""
assert len(_TRIGGERS) == len(_PATTERNS)
_ANY_TRIGGER = re.compile(r"[\\${:^@<|+=]")

_VERBATIM = re.compile(r"<(script|style|pre|code|math|textarea|svg)\b.*?</\1\s*>",
                       re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def unrendered_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("text_join", "dg_unrendered", check_unrendered)


def check_unrendered(state: StateCore) -> None:
    """Report text that still looks like source."""
    render_state = state_of(state.env)
    body_lines = source_lines(state)
    reported: set[tuple[int, int]] = set()
    findings: list[tuple[int, int, str, str, str]] = []
    tokens = list(state.tokens) + state_of(state.env).appendix_tokens
    for token in tokens:
        if token.type == "inline":
            _scan_inline(token, body_lines, findings)
        elif token.type == "html_block":
            _scan_html(token.content, token.map[0] if token.map else None, None, body_lines,
                       findings)
    findings.sort()
    shown = 0
    for line, column, snippet, what, hint in findings:
        if (line, column) in reported:
            continue
        reported.add((line, column))
        shown += 1
        if shown > MAX_PER_POST:
            continue
        stand_in = Token("text", "", 0)
        stand_in.meta = {"dg_line": line, "dg_column": column}
        render_state.report("unrendered-syntax", f"`{_short(snippet)}` looks like {what}",
                            stand_in, hint=hint, warning=True)
    if shown > MAX_PER_POST:
        render_state.report("unrendered-syntax", f"{shown - MAX_PER_POST} more places look "
                            "like unprocessed syntax", None, warning=True,
                            location=render_state.location(None))


def _short(snippet: str) -> str:
    snippet = " ".join(snippet.split())
    return snippet if len(snippet) <= 60 else snippet[:57] + "…"


def _runs(children: Iterable[Token]) -> Iterable[str]:
    """Consecutive text as written: escapes with their backslash, breaks as newlines."""
    run: list[str] = []
    for child in children:
        if child.type == "text":
            run.append(child.content)
        elif child.type == "text_special":
            run.append(child.markup if child.info == "escape" else child.content)
        elif child.type in ("softbreak", "hardbreak"):
            run.append("\n")
        elif child.type in ("em_open", "em_close", "strong_open", "strong_close", "s_open",
                            "s_close"):
            continue
        else:
            if run:
                yield "".join(run)
            run = []
            if child.type == "image" and child.children:
                yield from _runs(child.children)
    if run:
        yield "".join(run)


def _scan_inline(block: Token, body_lines: list[str], findings: list) -> None:
    children = block.children or []
    cursor = 0
    newlines = newline_offsets(block.content) if block.map else []
    for child in children:
        if child.type == "code_inline" and re.match(r"r\s", child.content):
            _add(block, "`" + child.content + "`", block.content.find(child.content), newlines,
                 body_lines, findings, "knitr inline R code, which is not run",
                 "write the value itself: inline `r …` code is not evaluated")
        elif child.type == "html_inline":
            _scan_html(child.content, None, block, body_lines, findings)
    for run in _runs(children):
        if not _ANY_TRIGGER.search(run):
            continue
        for (pattern, what, hint), trigger in zip(_PATTERNS, _TRIGGERS, strict=True):
            if trigger not in run:
                continue
            for match in pattern.finditer(run):
                snippet = match.group(0)
                first_line = snippet.split("\n")[0]
                offset = block.content.find(first_line, cursor) if block.content else -1
                if offset < 0:
                    offset = block.content.find(first_line) if block.content else -1
                _add(block, snippet, offset, newlines, body_lines, findings, what, hint)
        found = block.content.find(run.split("\n")[0], cursor) if block.content else -1
        if found >= 0:
            cursor = found


def _add(block: Token | None, snippet: str, offset: int, newlines: list[int],
         body_lines: list[str], findings: list, what: str, hint: str,
         line: int | None = None) -> None:
    needle = snippet.split("\n")[0]
    if block is not None and block.map and offset >= 0:
        line, column = line_and_column(block, offset, body_lines, needle, newlines)
    elif line is not None:
        source = body_lines[line] if line < len(body_lines) else ""
        column = max(source.find(needle), 0)
    else:
        line, column = _search(body_lines, needle)
    findings.append((line, column, snippet, what, hint))


def _search(body_lines: list[str], needle: str) -> tuple[int, int]:
    for number, text in enumerate(body_lines):
        found = text.find(needle)
        if found >= 0:
            return number, found
    return 0, 0


def _scan_html(content: str, line: int | None, block: Token | None, body_lines: list[str],
               findings: list) -> None:
    """Raw HTML: its tags may be Distill's, and the text between tags is visible."""
    visible = _COMMENT.sub(lambda m: " " * len(m.group(0)), content)
    visible = _VERBATIM.sub(lambda m: " " * len(m.group(0)), visible)
    for match in re.finditer(r"<d-[a-z-]+[^>]*>?", visible):
        _locate_html(match.group(0), match.start(), content, line, block, body_lines, findings,
                     "a Distill tag that was not converted",
                     "write our syntax instead; see `distillgen explain distill-tag`")
    text = _TAG.sub(lambda m: " " * len(m.group(0)), visible)
    for pattern, what, hint in _PATTERNS:
        if pattern.pattern.startswith("<d-"):
            continue
        for match in pattern.finditer(text):
            _locate_html(match.group(0), match.start(), content, line, block, body_lines,
                         findings, what, hint)


def _locate_html(snippet: str, offset: int, content: str, line: int | None,
                 block: Token | None, body_lines: list[str], findings: list, what: str,
                 hint: str) -> None:
    if line is not None:
        _add(None, snippet, -1, [], body_lines, findings, what, hint,
             line=line + content[:offset].count("\n"))
    elif block is not None and block.map:
        start = block.content.find(snippet.split("\n")[0])
        _add(block, snippet, start, newline_offsets(block.content), body_lines, findings,
             what, hint)
    else:
        _add(None, snippet, -1, [], body_lines, findings, what, hint)
