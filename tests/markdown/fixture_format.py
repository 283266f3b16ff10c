"""The fixture file format: markdown-it's (read with its ``read_fixture_file``), with long
lines wrapped.

A case is a title line, then three lines holding only ``.`` around the Markdown input and the
expected HTML::

    title of the case
    .
    markdown input
    .
    expected html
    .

A line longer than :data:`WIDTH` is written as several, each but the last ending in
:data:`MARK` (U+23CE RETURN SYMBOL); reading removes each mark together with the line break
after it, so the text compared is exactly the text rendered: wrapping never adds, drops or
moves a character, and a difference in whitespace still fails. The mark is a character no HTML,
TeX or Markdown construct uses; a line that itself ends with it, or that would read as a ``.``
separator, is written with one more mark and an empty line after it, so every text has one
spelling. Files with no mark at all (the unwrapped format) read as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markdown_it.utils import read_fixture_file

MARK = "\u23ce"
WIDTH = 100
"""Longest line written, the mark included (the line length of the code)."""
SHORTEST_PIECE = 40
"""A wrapped line breaks after a space or a tag when one is this far in, else exactly at
:data:`WIDTH`."""


@dataclass(frozen=True)
class Case:
    title: str
    source: str
    """The Markdown input, ending with a newline."""
    expected: str
    """The expected output, without the newline before the closing ``.``."""
    line: int
    """1-based line of the title in the file."""


def unwrap(block: str) -> str:
    """A block as written in the file -> its text: every mark and the line break after it go."""
    lines = block.split("\n")
    out: list[str] = []
    pending = ""
    for line in lines:
        if line.endswith(MARK):
            pending += line[: -len(MARK)]
        else:
            out.append(pending + line)
            pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


def read_cases(path: Path) -> list[Case]:
    """Every case of a fixture file, in file order."""
    cases = []
    for separator, title, source, expected in read_fixture_file(path):
        source = unwrap(source) or "\n"
        expected = unwrap(expected)
        cases.append(Case(title, source, expected.removesuffix("\n"), separator))
    return cases


def _is_separator(line: str) -> bool:
    return line.rstrip() == "."


def _cut(text: str) -> int:
    """Where to end the next wrapped line of ``text``: after a space or a tag, before a tag."""
    limit = WIDTH - len(MARK)
    for end in range(limit, SHORTEST_PIECE, -1):
        if text[end - 1] in " >" or text[end] == "<":
            return end
    return limit


def wrap_line(line: str) -> list[str]:
    """The lines that spell one logical line (no newline inside) in the file."""
    lines = []
    rest = line
    while len(rest) > WIDTH:
        end = _cut(rest)
        lines.append(rest[:end] + MARK)
        rest = rest[end:]
    if rest.endswith(MARK) or _is_separator(rest):
        lines += [rest + MARK, ""]  # one more mark: the line continues into the empty one
    else:
        lines.append(rest)
    return lines


def format_block(text: str) -> str:
    """A block's text as written in the file, ending with a newline unless empty."""
    if not text:
        return ""
    return "".join(piece + "\n" for line in text.split("\n") for piece in wrap_line(line))


def format_case(title: str, source: str, expected: str) -> str:
    """A whole case in the file's format; ``source`` ends with a newline."""
    return (f"{title}\n.\n{format_block(source.removesuffix(chr(10)))}.\n"
            f"{format_block(expected)}.\n")


def _case_spans(lines: list[str]) -> list[tuple[int, int]]:
    """(first line, end) of every case in the file's lines, title to closing ``.``, the way
    ``read_fixture_file`` finds them."""
    spans = []
    separators = [index for index, line in enumerate(lines) if _is_separator(line)]
    for first in range(0, len(separators) - 2, 3):
        spans.append((separators[first] - 1, separators[first + 2] + 1))
    return spans


def rewrite_case(path: Path, index: int, source: str, expected: str) -> bool:
    """Write case number ``index`` (0-based, in file order) with this input and expected
    output, wrapped; the rest of the file stays as it is. Returns whether the file changed.

    Refuses (AssertionError) a case the format cannot hold, such as text with a carriage
    return, rather than write a fixture that would read back differently."""
    text = path.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    spans = _case_spans(lines)
    assert len(spans) == len(read_cases(path)), f"{path}: cases not where expected"
    start, end = spans[index]
    title = lines[start].strip()
    new_text = "".join(lines[:start]) + format_case(title, source, expected) + "".join(lines[end:])
    if new_text == text:
        return False
    path.write_text(new_text, "utf-8")
    again = read_cases(path)[index]
    if (again.title, again.source, again.expected) != (title, source, expected):
        path.write_text(text, "utf-8")
        raise AssertionError(f"{path}: case {title!r} cannot be written so that it reads back "
                             "the same (a carriage return or a Unicode line separator in it?)")
    return True
