"""BibTeX syntax: ``.bib`` text in, located raw entries and diagnostics out.

The text is read by pybtex's BibTeX tokenizer, but not through its whole-file entry point,
whose traps are well known: strict mode raises on a duplicate key, lenient mode lets an
unclosed entry swallow every entry after it, and errors carry no usable location. So the
text is first cut at every line that starts an entry (``@type{`` or ``@type(``), and each
piece is read on its own by the same tokenizer (``@string`` macros carry over from piece to
piece). An unclosed entry then costs only itself, and every problem is located at its line.

Lenient where BibTeX is, and saying so:

- Text between entries is ignored, as BibTeX ignores it (``# a note``, ``// Author``, a
  stray ``}`` after an entry, ``@Comment Len Schubert`` without braces), with one
  ``ignored-bib-text`` warning per stretch of it; a line starting with ``%`` is a comment.
- An entry with an empty key (``@article{,`` as Mendeley writes them) cannot be cited: it is
  skipped with a ``keyless-bib-entry`` warning.
- An undefined ``@string`` contributes nothing to its field, as in BibTeX: ``author =
  MCDERMOTT # " and Gerald J. Sussman"`` leaves "Gerald J. Sussman" (the dangling "and" is
  dropped too) and an ``undefined-bib-string`` warning.

Real syntax errors inside an entry (an unclosed brace, a missing comma) stay located
``bad-bibtex`` errors; the entry keeps the fields read before the error, so the build
reports the one real mistake instead of a cascade of unknown citations.

Other decisions: keys are case-sensitive for lookups (as in pandoc: ``@Smith2020`` is not
``@smith2020``), but two keys differing only in case are duplicates (as in BibTeX), and the
first of two duplicates is kept. ``@comment{...}`` hides everything inside its braces,
entries included (as biber does). Jekyll front matter before the first entry is skipped.

The parts of pybtex used here are its tokenizer class and its entry builder, which are not
documented API: ``tests/test_bibliography.py`` checks the version range in pyproject and the
attributes relied on, so an upgrade that changes them fails a test instead of a build.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import pybtex.errors
from pybtex.database import BibliographyDataError
from pybtex.database.input.bibtex import LowLevelParser, Parser, SkipEntry, UndefinedMacro
from pybtex.exceptions import PybtexError
from pybtex.scanner import PrematureEOF, PybtexSyntaxError, TokenRequired

from ..errors import Diagnostic, SourceLocation, error, sort_diagnostics, warning
from ..text import LineIndex, normalise_newlines
from .fields import build_entries
from .model import Bibliography
from .raw import ESCAPED_CLOSE, ESCAPED_OPEN, RawEntry, shown

__all__ = ["parse_bibliography", "RawEntry"]


_ENTRY_START = re.compile(r"^[ \t]*(@)[ \t]*[A-Za-z][\w-]*[ \t]*[{(]", re.MULTILINE)
_COMMENT_START = re.compile(r"@[ \t]*comment[ \t]*\{", re.IGNORECASE)
_ENTRY_HEAD = re.compile(r"@\s*([^\s{(]+)\s*[{(]\s*([^\s,})=]*)\s*(.?)", re.DOTALL)
_OPENS_ENTRY = re.compile(r"@[ \t]*[A-Za-z][\w-]*\s*[{(]")
_AT = re.compile(r"(?:^|(?<=[\s}),]))@", re.MULTILINE)
"""An ``@`` that may start a command: not inside a word (``me@example.org``)."""
_BARE_COMMENT = re.compile(r"@[ \t]*comment\b(?![ \t]*[{(])", re.IGNORECASE)
_MACRO_USE = re.compile(r"(?:=|#)\s*([A-Za-z][\w:.+/-]*)\s*(?=[,#})]|$)")
_COMMANDS = ("string", "preamble", "comment")
# pybtex's own errors are module-global state: one parse at a time in this process.
_PYBTEX_LOCK = threading.Lock()


@dataclass
class _FileParse:
    """Mutable state of one parse; :func:`parse_bibliography` returns its frozen result."""

    path: str
    text: str
    lines: LineIndex
    parser: Parser = field(default_factory=lambda: Parser(person_fields=()))
    raw: dict[str, RawEntry] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pybtex_reports: list = field(default_factory=list)

    def at(self, offset: int) -> SourceLocation:
        return self.lines.location(offset)


def parse_bibliography(text: str, path: str) -> Bibliography:
    """Parse ``.bib`` text; ``path`` only names the file in locations. Never raises on input."""
    text = normalise_newlines(text.lstrip("\ufeff"))
    state = _FileParse(path, text, LineIndex(text, path))
    body_start = _front_matter_end(text)
    scanned = _hide_comments(text, body_start)
    starts = [match.start(1) for match in _ENTRY_START.finditer(scanned)]
    with _PYBTEX_LOCK, pybtex.errors.capture() as reports:
        state.pybtex_reports = reports
        _check_stray_text(state, scanned, body_start, starts[0] if starts else len(text))
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(scanned)
            _parse_piece(state, scanned, start, end)
        entries = build_entries(state.raw, state.diagnostics.append, reports)
    return Bibliography(path, entries, tuple(sort_diagnostics(state.diagnostics)),
                        dict(state.strings))


def _front_matter_end(text: str) -> int:
    """Offset just past Jekyll front matter (``---`` lines), when it comes before any entry."""
    lines = text.split("\n")
    opening = next((index for index, line in enumerate(lines)
                    if line.strip() and not line.strip().startswith("%")), None)
    if opening is None or lines[opening].strip() != "---":
        return 0
    for closing in range(opening + 1, len(lines)):
        if lines[closing].strip() in ("---", "..."):
            return min(len(text), sum(len(line) + 1 for line in lines[:closing + 1]))
    return 0


def _hide_comments(text: str, start: int) -> str:
    """Blank out front matter and ``@comment{...}`` bodies, keeping every offset and line."""
    chars = list(text)

    def blank(begin: int, end: int) -> None:
        chars[begin:end] = [char if char == "\n" else " " for char in text[begin:end]]

    blank(0, start)
    for match in _COMMENT_START.finditer(text, start):
        end = _closing(text, match.end() - 1)
        if end is not None:
            blank(match.start(), end + 1)
    return "".join(chars)


def _closing(text: str, open_index: int) -> int | None:
    """Index of the brace (or parenthesis) closing the one at ``open_index``."""
    opening = text[open_index]
    closing = ")" if opening == "(" else "}"
    level = 0
    for index in range(open_index, len(text)):
        char = text[index]
        if char == opening or (char == "{" and opening == "("):
            level += 1
        elif char == closing or (char == "}" and opening == "("):
            level -= 1
            if level == 0:
                return index
    return None


def _check_stray_text(state: _FileParse, text: str, start: int, end: int,
                      base: int = 0) -> None:
    """Warn once about the text in ``text[start:end]``, which lies outside entries and which
    BibTeX ignores (lines starting with ``%`` are comments and pass silently).

    ``base`` is the file offset of ``text`` (a piece of the file, or the file itself).
    """
    offset = start
    for line in text[start:end].split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("%"):
            column = offset + len(line) - len(line.lstrip())
            looks_like_fields = re.match(r"[,\s]*[A-Za-z][\w-]*\s*=", stripped)
            hint = ("it looks like fields of the entry above: a '}' closed that entry too "
                    "early" if looks_like_fields else
                    "start the line with % to mark it as a comment, or delete it")
            state.diagnostics.append(warning(
                "ignored-bib-text",
                f"text outside any entry is ignored: `{shown(stripped, 40)}`",
                state.at(base + column), hint,
            ))
            return
        offset += len(line) + 1


def _parse_piece(state: _FileParse, text: str, start: int, end: int) -> None:
    """Parse one entry (and whatever follows it up to the next line starting an entry)."""
    piece = text[start:end]
    head = _ENTRY_HEAD.match(piece)
    no_key = head and head.group(1).lower() not in _COMMANDS and (
        (not head.group(2) and head.group(3) != ",") or head.group(3) == "=")
    if no_key:  # `@misc{ title = ...`: the key was forgotten (an empty one is only skipped)
        assert head is not None
        state.diagnostics.append(error(
            "bad-bibtex", f"`@{shown(head.group(1), 30)}` entry has no key", state.at(start),
            "write the key right after the brace: @article{smith2020, ...",
        ))
        return
    piece = _escaped_braces(state, piece, start)
    _PieceParser(state, piece, start, end).run()


_MISPLACED_ACCENT = re.compile(re.escape(ESCAPED_OPEN) + r"(['`^\"~=.])([A-Za-z])")


def _restore_escaped_braces(value: str) -> str:
    """The stand-ins back: ``\\{'e`` (an accent typed after the brace instead of before it)
    as the ``{\\'e}`` it means, any other as a literal brace."""
    if "\x0e" not in value:
        return value
    value = _MISPLACED_ACCENT.sub(lambda m: "{\\" + m.group(1) + m.group(2) + "}", value)
    return value.replace(ESCAPED_OPEN, "\\{").replace(ESCAPED_CLOSE, "\\}")


def _escaped_braces(state: _FileParse, piece: str, start: int) -> str:
    """BibTeX counts the brace in ``\\{`` like any other, so ``Thi\\{'ebaux`` leaves its
    entry open and the rest of the file goes into it. When the escaped braces are what
    unbalances an entry, read them as the literal braces LaTeX would print, and say so."""
    if "\\{" not in piece and "\\}" not in piece:
        return piece
    escaped = piece.replace("\\{", ESCAPED_OPEN).replace("\\}", ESCAPED_CLOSE)
    if piece.count("{") == piece.count("}") or escaped.count("{") != escaped.count("}"):
        return piece
    at = min(index for index in (piece.find("\\{"), piece.find("\\}")) if index >= 0)
    state.diagnostics.append(warning(
        "bad-bibtex", "a backslashed brace leaves this entry unclosed for BibTeX: it is read "
        "as a literal brace (\\{'e as the accented letter {\\'e})", state.at(start + at),
        "for an accent write {\\'e}, for a literal brace \\textbraceleft{} or \\textbraceright{}",
    ))
    return escaped


class _Scanner(LowLevelParser):
    """pybtex's tokenizer, finding commands the way a lenient reader should: an ``@``
    inside a word (an e-mail address) or on a ``%`` line is text, and ``@comment``
    without braces is a comment, not a broken entry."""

    def parse_bibliography(self):
        text = self.text
        while True:
            found = _AT.search(text, self.pos)
            if found is None:
                return
            at = found.start()
            self.pos = at + 1
            line_start = text.rfind("\n", 0, at) + 1
            if text[line_start:at].lstrip().startswith("%") or _BARE_COMMENT.match(text, at):
                continue
            self.command_start = at
            try:
                yield tuple(self.parse_command())
            except PybtexSyntaxError as problem:
                self.handle_error(problem)
            except SkipEntry:
                pass


class _PieceParser:
    """Drives pybtex's tokenizer over one piece and turns its errors into diagnostics."""

    def __init__(self, state: _FileParse, piece: str, start: int, end: int):
        self.state = state
        self.piece = piece
        self.start = start
        self.next_entry_line = state.lines.line(end) if end < len(state.text) else None
        self.scanner = _Scanner(
            piece, handle_error=self._on_error, macros=state.parser.macros,
            want_entry=state.parser.data.want_entry,
        )
        self.failed_command: int | None = None
        """Start of the command that had a syntax error: the rest of the piece is not read."""
        self.skipped_command: int | None = None
        """Start of a command skipped on purpose (no key): not a syntax error."""

    def run(self) -> None:
        previous_end = 0
        for command, arguments in self.scanner:
            command_start = self.scanner.command_start
            if self.failed_command is not None and self.failed_command != command_start:
                return  # a later command only exists because of the error: a cascade
            if self.failed_command is None:
                _check_stray_text(self.state, self.piece, previous_end, command_start,
                                  self.start)
            previous_end = self.scanner.pos
            if self.skipped_command == command_start:
                continue
            self._take(command, arguments, command_start)
            if self.failed_command is not None:
                return
        if self.failed_command is None:
            _check_stray_text(self.state, self.piece, previous_end, len(self.piece),
                              self.start)

    def _take(self, command: str, arguments: tuple, command_start: int) -> None:
        kind = command.lower()
        offset = self.start + command_start
        if kind == "preamble":
            return  # LaTeX definitions for BibTeX's own output: nothing to show
        if kind == "string":
            name = arguments[0]
            if name:  # the value is already in the shared macro table
                self.state.strings[name.lower()] = self.piece[command_start:self.scanner.pos]
            return
        key, fields = arguments
        if key is None:
            return
        self._add_entry(command, key, fields, offset, command_start)

    def _add_entry(self, command: str, key: str, fields: list, offset: int,
                   command_start: int) -> None:
        state = self.state
        entries = state.parser.data.entries
        if key in entries:
            first = state.raw.get(entries[key].key)
            where = f" (first defined at line {first.location.line})" if first else ""
            state.diagnostics.append(warning(
                "duplicate-bib-key",
                f"duplicate key `{shown(key)}`{where}: this entry is ignored",
                state.at(offset),
                "BibTeX keeps the first entry with a key (keys differing only in case are "
                "the same key); rename or delete one of them",
            ))
            return
        state.parser.process_entry(command, key, fields)
        self._drain_pybtex_reports(key, offset)
        parsed = entries.get(key)
        if parsed is None:
            return
        source = self.state.text[offset:self.start + self.scanner.pos].rstrip()
        raw_fields = {name.lower(): _restore_escaped_braces(value)
                      for name, value in parsed.fields.items()}
        used = tuple(dict.fromkeys(
            state.strings[name.lower()] for name in _MACRO_USE.findall(source)
            if name.lower() in state.strings))
        state.raw[key] = RawEntry(
            key=key, entry_type=command.lower(), fields=raw_fields,
            location=state.at(offset),
            field_location=lambda name: self._field_location(name, offset),
            source=source, strings_used=used,
        )

    def _field_location(self, name: str, offset: int) -> SourceLocation:
        match = _field_pattern(name).search(self.piece, offset - self.start)
        return self.state.at(self.start + match.start()) if match else self.state.at(offset)

    def _drain_pybtex_reports(self, key: str, offset: int) -> None:
        """Errors pybtex reported while building the entry: duplicate fields."""
        reports = self.state.pybtex_reports
        for report in reports:
            self.state.diagnostics.append(_report_diagnostic(report, key, self, offset))
        reports.clear()

    # -- syntax errors ----------------------------------------------------------------

    def _on_error(self, exception: PybtexSyntaxError) -> None:
        scanner = self.scanner
        if isinstance(exception, UndefinedMacro):
            self.state.diagnostics.append(self._undefined_macro(exception))
            return
        if self.failed_command is not None:
            return
        if self._skip_keyless(exception):
            return
        self.failed_command = scanner.command_start
        self.state.diagnostics.append(self._syntax_error(exception))

    def _skip_keyless(self, exception: PybtexSyntaxError) -> bool:
        """``@article{,`` (Mendeley writes these): skip the entry, which nobody can cite."""
        scanner = self.scanner
        expected = str(exception.args[0]) if exception.args else ""
        if not (isinstance(exception, TokenRequired) and expected.startswith("entry key")):
            return False
        if not self.piece[scanner.pos:].lstrip().startswith(","):
            return False
        start = scanner.command_start or 0
        opening = _OPENS_ENTRY.match(self.piece, start)
        closing = _closing(self.piece, opening.end() - 1) if opening else None
        scanner.pos = len(self.piece) if closing is None else closing + 1
        self.skipped_command = start
        kind = _ENTRY_HEAD.match(self.piece, start)
        name = f"`@{shown(kind.group(1), 30)}` entry" if kind else "entry"
        self.state.diagnostics.append(warning(
            "keyless-bib-entry", f"{name} has an empty key and cannot be cited: it is skipped",
            self.state.at(self.start + start),
            "give it a key after the brace, such as @article{smith2020, ... (reference "
            "managers write an empty key when the citation key field is blank)",
        ))
        return True

    def _unclosed_error(self, what: str, field_name: str | None,
                        entry_offset: int) -> Diagnostic:
        until = (f"the next entry, line {self.next_entry_line}" if self.next_entry_line
                 else "the end of the file")
        command_start = self.scanner.command_start or 0
        value = _raw_value(self.piece, command_start, field_name) if field_name else ""
        if value is None:
            escaped = re.search(r"\\[{}]", self.piece[command_start:])
            hint = (f"BibTeX counts the brace in `{escaped.group()}` like any other: for an "
                    "accent write {\\'e}, for a brace \\textbraceleft{}" if escaped else
                    f"a closing '}}' or '\"' is missing in `{field_name}`; it runs to {until}")
            return error(
                "bad-bibtex",
                f"{what} is not closed: the value of field `{field_name}` never ends",
                self.state.at(entry_offset), hint,
            )
        if _SWALLOWED_LINE.search(value):
            hint = (f"field `{field_name}` runs over the lines after it: a '}}' or '\"' is "
                    "probably missing in it")
        else:
            hint = f"add the '}}' that ends it, before {until}"
        return error("bad-bibtex", f"{what} is not closed", self.state.at(entry_offset), hint)

    def _undefined_macro(self, exception: UndefinedMacro) -> Diagnostic:
        name = exception.args[0] if exception.args else "?"
        field_name = self.scanner.current_field_name or "?"
        where = self.state.at(self.start + self.scanner.pos - len(str(name)))
        return warning(
            "undefined-bib-string",
            f"`{shown(str(name))}` in field `{field_name}` is not a defined @string: it is "
            "left out, as BibTeX does",
            where,
            "define it with @string{name = {...}} above this entry, or write the value "
            "in braces",
        )

    def _syntax_error(self, exception: PybtexSyntaxError) -> Diagnostic:
        scanner = self.scanner
        entry_offset = self.start + (scanner.command_start or 0)
        key = scanner.current_entry_key
        what = f"entry `{shown(key)}`" if key else "this entry"
        field_name = scanner.current_field_name
        if not _OPENS_ENTRY.match(self.piece, scanner.command_start or 0):
            return error(
                "bad-bibtex", "'@' is not followed by an entry type and '{'",
                self.state.at(entry_offset),
                "outside entries, '@' starts an entry; remove it or start the line with %",
            )
        if isinstance(exception, PrematureEOF):
            return self._unclosed_error(what, field_name, entry_offset)
        position = self.start + scanner.pos
        if "unbalanced braces" in str(exception):
            return error(
                "bad-bibtex",
                f"{what}: a '}}' without its '{{' in the value of field `{field_name}`",
                self.state.at(position - 1),
                "if the value is in quotes, check that its closing '\"' is there",
            )
        found = self.piece[scanner.pos:].split(maxsplit=1)
        if found and found[0].startswith("%"):
            return error(
                "bad-bibtex", f"{what}: a % comment inside an entry", self.state.at(position),
                "BibTeX has no comments inside entries; delete the line",
            )
        found_text = f"`{shown(found[0], 30)}`" if found else "the end of the entry"
        if not field_name and scanner.current_fields:
            field_name = scanner.current_fields[-1][0]
        message, hint = _explain_syntax_error(exception, field_name, found_text)
        return error("bad-bibtex", f"{what}: {message}", self.state.at(position), hint)


def _raw_value(piece: str, start: int, field_name: str) -> str | None:
    """The text of the last ``{...}`` or ``"..."`` value of ``field_name`` after ``start``:
    ``""`` when it has no such value, None when its brace or quote never closes."""
    matches = list(_field_pattern(field_name).finditer(piece, start))
    if not matches:
        return ""
    opening = matches[-1].end()
    if piece.startswith("{", opening):
        closing = _closing(piece, opening)
        return None if closing is None else piece[opening + 1:closing]
    if piece.startswith('"', opening):
        level = 0
        for index in range(opening + 1, len(piece)):
            char = piece[index]
            level += (char == "{") - (char == "}")
            if char == '"' and level == 0:
                return piece[opening + 1:index]
        return None
    return ""


def _field_pattern(name: str) -> re.Pattern[str]:
    """``name =`` as it starts a field (not as the end of a longer name)."""
    return re.compile(rf"(?<![\w-]){re.escape(name)}\s*=\s*", re.IGNORECASE)


_SWALLOWED_LINE = re.compile(r"\n\s*(?:@\s*\w+\s*[{(]|[A-Za-z][\w-]*\s*=)")


def _explain_syntax_error(exception: PybtexSyntaxError, field_name: str | None,
                          found: str) -> tuple[str, str | None]:
    """pybtex's "X expected" in the words of someone fixing a .bib by hand."""
    if not isinstance(exception, TokenRequired):
        return str(exception.args[0] if exception.args else exception), None
    expected = str(exception.args[0]).removesuffix(" expected")
    if expected in ("'}'", "')'"):
        after = f"after field `{field_name}`" if field_name else "after the key"
        return (f"expected ',' or {expected} {after}, found {found}",
                "is a comma missing at the end of the previous field?")
    if expected == "'='":
        return f"expected '=' after field name `{field_name}`, found {found}", None
    if expected == "field value":
        return (f"field `{field_name}` has no value, found {found}",
                "write the value in braces: title = {...}")
    if expected == "entry key":
        return "the entry has no key", "write the key after the brace: @article{smith2020, ..."
    if expected == "a valid name":
        return (f"'@' is not followed by an entry type (found {found})",
                "outside entries, '@' starts an entry; remove it or start the line with %")
    if expected == "'(' or '{'":
        return f"expected '{{' after the entry type, found {found}", None
    return f"expected {expected}, found {found}", None


def _report_diagnostic(report: PybtexError, key: str, piece: _PieceParser,
                       offset: int) -> Diagnostic:
    """A problem pybtex reported through ``report_error`` while reading an entry."""
    message = str(report.args[0] if report.args else report)
    duplicate_field = re.match(r"entry with key .* has a duplicate (\S+) field", message)
    if duplicate_field:
        name = duplicate_field.group(1)
        return warning(
            "duplicate-bib-field",
            f"entry `{shown(key)}` has the field `{name}` twice; the first one is used",
            _second_field_location(piece, name, offset),
        )
    if isinstance(report, BibliographyDataError):
        return warning("bad-bibtex", f"entry `{shown(key)}`: {shown(message, 120)}",
                       piece.state.at(offset))
    return warning("bad-bibtex", f"entry `{shown(key)}`: {shown(message, 120)}",
                   piece.state.at(offset))


def _second_field_location(piece: _PieceParser, name: str, offset: int) -> SourceLocation:
    matches = list(_field_pattern(name).finditer(piece.piece, offset - piece.start))
    target = matches[1].start() if len(matches) > 1 else offset - piece.start
    return piece.state.at(piece.start + target)
