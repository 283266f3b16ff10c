"""Positions in ``distillgen.toml``: tomllib keeps none, so the lines of keys, syntax errors
and over-deep nesting are found again in the text.
"""

from __future__ import annotations

import re

from .errors import Diagnostic, SourceLocation, error
from .layout import CONFIG_FILE
from .text import location_in


def deep_nesting(text: str, limit: int = 100) -> SourceLocation:
    """Where brackets and braces (outside strings and comments) first nest ``limit`` deep."""
    depth, index, quote = 0, 0, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote or char == "\n":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            index = text.find("\n", index)
            if index < 0:
                break
        elif char in "[{":
            depth += 1
            if depth >= limit:
                return location_in(text, index, CONFIG_FILE)
        elif char in "]}":
            depth -= 1
        index += 1
    return SourceLocation(CONFIG_FILE)


_TOML_POSITION = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")


def syntax_error(text: str, message: str) -> Diagnostic:
    """tomllib reports positions only inside its message: pull them out into a location."""
    match = _TOML_POSITION.search(message)
    problem = message[:match.start()] if match else message
    if match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    else:
        line, column = max(1, text.count("\n") + (not text.endswith("\n"))), 1
    repeated = _repeated_key(text)
    if problem.startswith("Cannot overwrite") and repeated:
        problem, (line, column) = f"`{repeated[0]}` is set twice", repeated[1]
    location = SourceLocation(CONFIG_FILE, line, column)
    return error("bad-config", f"invalid TOML: {problem}", location,
                 "see https://toml.io for the syntax; strings need double quotes")


_TABLE_HEADER = re.compile(
    r"\s*\[\[?\s*(?:\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+))[^\],]*\]\]?\s*(?:#.*)?")
_KEY_VALUE = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+))\s*([.=])\s*")


def _key_lines(text: str) -> list[tuple[str, int, int, int, bool]]:
    """(key, line, key column, value column, plain) for each top-level key and table
    header, in order.

    tomllib keeps no positions, so the lines are found again in the text: keys before the
    first table header, and the first name of every ``[table]`` header.
    """
    found: list[tuple[str, int, int, int, bool]] = []
    top_level = True
    in_multiline = False
    for number, line in enumerate(text.split("\n"), start=1):
        was_multiline = in_multiline
        in_multiline ^= (line.count('"""') + line.count("'''")) % 2 == 1
        if was_multiline:
            continue
        header = _TABLE_HEADER.fullmatch(line)
        if header:
            top_level = False
            found.append((_first_group(header), number, 1, 1, False))
            continue
        pair = _KEY_VALUE.match(line)
        if top_level and pair:
            key_column = len(line) - len(line.lstrip()) + 1
            found.append((_first_group(pair), number, key_column, pair.end(0) + 1,
                          pair.group(4) == "="))
    return found


def _first_group(match: re.Match[str]) -> str:
    return next(group for group in match.groups()[:3] if group is not None)


def key_positions(text: str, *, at_value: bool = True) -> dict[str, tuple[int, int]]:
    """Where each top-level key is first written: (line, column) of its value, or of the key
    itself."""
    positions: dict[str, tuple[int, int]] = {}
    for key, line, key_column, value_column, _plain in _key_lines(text):
        positions.setdefault(key, (line, value_column if at_value else key_column))
    return positions


def _repeated_key(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first top-level ``key = value`` written twice, with the line of the second one."""
    seen: set[str] = set()
    for key, line, _key_column, _value_column, plain in _key_lines(text):
        if not plain:
            continue
        if key in seen:
            return key, (line, 1)
        seen.add(key)
    return None
