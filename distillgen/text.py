"""Text the build can trust: decoding sources, the characters no page or feed may hold, line
ends, and positions in text.

One home for these rules, used for every input (posts, settings, templates, BibTeX): a
character refused in one place is refused everywhere.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata

from .errors import Diagnostic, SourceLocation, error

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_RESAVE_HINT = "re-save the file with the UTF-8 encoding (most editors offer it under 'Save as')"


def decode_source(data: bytes, path: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text with no BOM, ``\\n`` line ends and no control character; or None and a
    located error."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [_undecodable(data, exc.start, path)]
    text = normalise_newlines(text)
    nul = text.find("\0")
    if nul >= 0:
        return None, [error("bad-encoding", "the file contains a NUL byte: it is not UTF-8 text",
                            location_in(text, nul, path),
                            "if it is UTF-16 or a binary file, " + _RESAVE_HINT)]
    problem = forbidden_character_error(text, path)
    return (None, [problem]) if problem else (text, [])


def forbidden_character_error(text: str, path: str) -> Diagnostic | None:
    """The located ``bad-encoding`` error for the first character of ``text`` that no page
    or feed may hold, or None."""
    bad = forbidden_character(text)
    if bad is None:
        return None
    return error("bad-encoding", f"the file contains {describe_character(text[bad])}, "
                 "which a web page or feed cannot hold", location_in(text, bad, path),
                 _CONTROL_HINT)


def decode_leniently(data: bytes, path: str) -> tuple[str, list[Diagnostic]]:
    """Like :func:`decode_source`, for inputs read on after an error (a .bib file, so that
    its other problems show too): bytes that are not UTF-8 and forbidden characters become
    U+FFFD, and the first of each is a located error. The build still fails on the errors.
    Line ends are left as they are (the BibTeX reader takes any)."""
    problems = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(_undecodable(data, exc.start, path))
        text = data.decode("utf-8", errors="replace")
    forbidden = forbidden_character_error(text, path)
    if forbidden is not None:
        problems.append(forbidden)
        text = _FORBIDDEN_CHARACTERS.sub("\ufffd", text)
    return text, problems


_FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
"""Control characters (tab and line ends aside), surrogates and non-characters: HTML calls them
parse errors and XML refuses most of them, so one in a title would break the site's feed."""
_CONTROL_HINT = "delete it (editors often show it as nothing at all)"


def forbidden_character(text: str) -> int | None:
    """Where the first character no page or feed may hold is, or None."""
    found = _FORBIDDEN_CHARACTERS.search(text)
    return found.start() if found else None


def describe_character(char: str) -> str:
    """``the control character U+0007``, as a message names a character it cannot show."""
    kind = "control character" if unicodedata.category(char) == "Cc" else "character"
    return f"the {kind} U+{ord(char):04X}"


def shown_file_name(name: str) -> str:
    """A file name fit to print in a message: bytes that are not UTF-8 spelled ``\\xe9``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so line numbers agree with every editor."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def location_in(text: str, index: int, path: str, first_line: int = 1) -> SourceLocation:
    """The 1-based line and column of character ``index`` of ``text``.

    Only ``\\n`` ends a line (as in decoded sources); ``first_line`` is the file line that
    ``text`` starts on.
    """
    line_start = text.rfind("\n", 0, index) + 1
    return SourceLocation(path, first_line + text.count("\n", 0, index), index - line_start + 1)


class LineIndex:
    """The same rule as :func:`location_in`, for a text looked up many times (a .bib file
    with hundreds of entries): line starts found once, each lookup a bisection."""

    def __init__(self, text: str, path: str):
        self.path = path
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def location(self, index: int) -> SourceLocation:
        """The 1-based line and column of character ``index``."""
        line = self.line(index)
        return SourceLocation(self.path, line, index - self.starts[line - 1] + 1)

    def line(self, index: int) -> int:
        """The 1-based line of character ``index``."""
        return bisect.bisect_right(self.starts, index)

    def line_start(self, line: int) -> int:
        """Where 1-based ``line`` starts (the first or last line when out of range)."""
        return self.starts[min(max(line, 1), len(self.starts)) - 1]


def _undecodable(data: bytes, start: int, path: str) -> Diagnostic:
    """Locate the first byte that is not UTF-8 (everything before it decodes fine)."""
    before = normalise_newlines(data[:start].decode("utf-8"))
    hint = _RESAVE_HINT
    if data.startswith(_UTF16_BOMS):
        hint = "the file is UTF-16; " + hint
    return error("bad-encoding", f"the file is not UTF-8: byte 0x{data[start]:02x} cannot be read",
                 location_in(before, len(before), path), hint)
