r"""TeX macros as MathJax users write them: defined in any formula, in force from there to the
end of the post, expanded before conversion.

``\newcommand``, ``\renewcommand`` and ``\providecommand`` (starred or not; with ``[n]``
arguments and an optional ``[default]`` for the first), ``\DeclareMathOperator`` (``*``: limits
under it), and ``\def`` with undelimited ``#1#2…`` parameters. A site may keep its macros in
one ``macros.tex``; a post's own definitions follow those. ``\require{…}`` (MathJax's
extension loader) is accepted and does nothing: everything it loads is built in.

Mistakes are located errors: a wrong number of arguments or a macro that never stops
expanding points at the use and names the definition's place; defining a command that
already exists with ``\newcommand`` points at the definition (LaTeX's rule; a definition that
means exactly what the built-in command already does is accepted, as is one of the few
commands LaTeX itself lacks but the converter knows, such as ``\argmax``).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass

from . import tex_to_mathml
from .errors import MathError
from .vocabulary import KNOWN, TOKEN_RE

MAX_DEPTH = 64
"""Nested expansions before a macro counts as recursive."""
MAX_EXPANSIONS = 20_000
"""Expansions in one formula before it counts as runaway."""
MAX_TOKENS = 200_000
"""Tokens one formula may expand to."""

EXTENSIONS = frozenset({
    r"\argmax", r"\argmin", r"\plim", r"\bm", r"\bold", r"\Bbb", r"\bra", r"\ket",
    r"\braket", r"\dd", r"\coloneqq", r"\cancel", r"\bcancel", r"\xcancel", r"\sout",
})
"""Commands the converter knows that LaTeX does not: a post may define them freely."""

_DEFINERS = frozenset({r"\newcommand", r"\renewcommand", r"\providecommand",
                       r"\DeclareMathOperator", r"\def", r"\gdef", r"\require"})
_CONTROL_WORD = re.compile(r"\\[A-Za-z]+")


@dataclass(frozen=True)
class Macro:
    """One definition."""

    name: str
    """``\\R``"""
    parameters: int
    default: tuple[str, ...] | None
    """Tokens of the optional first argument's default, or None when it has none."""
    body: tuple[str, ...]
    """Tokens, with ``#`` and a digit as two tokens."""
    where: str
    """``path:line`` of the definition, for messages."""


@dataclass(frozen=True)
class Expansion:
    """A formula with its macros expanded and its definitions taken out."""

    tex: str
    starts: tuple[int, ...]
    """Where each token of ``tex`` starts."""
    origins: tuple[int, ...]
    """For each token, the offset in the original formula it came from (a macro's body
    points at the macro's use)."""
    defines: bool
    """The formula held definitions."""

    @property
    def only_definitions(self) -> bool:
        """Nothing but definitions: the formula shows nothing."""
        return self.defines and not self.tex.strip()

    def original_offset(self, offset: int | None) -> int | None:
        """The offset in the original formula of an offset in the expanded one."""
        if offset is None or not self.starts:
            return offset
        index = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        return self.origins[index]


Token = tuple[str, int, int]
"""(text, offset in the original formula, expansion depth)."""


def tokenize(tex: str) -> list[tuple[str, int]]:
    """TeX tokens with their offsets, comments dropped."""
    return [(match.group(), match.start()) for match in TOKEN_RE.finditer(tex)
            if match.group()[0] != "%"]


def expand(tex: str, macros: MutableMapping[str, Macro],
           locate: Callable[[int], str]) -> Expansion:
    """Expand ``tex`` with ``macros``, adding the definitions it makes to them.

    ``locate`` turns an offset in ``tex`` into ``path:line`` for the macros defined here.
    Raises MathError (offset in ``tex``) for a definition or use that cannot work.
    """
    if "\\" not in tex:
        return Expansion(tex, (), (), False)
    work: deque[Token] = deque((text, offset, 0) for text, offset in tokenize(tex))
    out: list[tuple[str, int]] = []
    defines = False
    expansions = 0
    while work:
        text, offset, depth = work.popleft()
        if text in _DEFINERS:
            defines = True
            _define(text, offset, work, macros, locate)
            continue
        macro = macros.get(text)
        if macro is None:
            out.append((text, offset))
            continue
        expansions += 1
        if depth >= MAX_DEPTH or expansions > MAX_EXPANSIONS:
            raise MathError(f"{text} never stops expanding",
                            f"its definition at {macro.where} uses itself, directly or "
                            "through another macro", offset)
        if len(out) + len(work) > MAX_TOKENS:
            raise MathError(f"{text} expands to more than {MAX_TOKENS} tokens",
                            f"see its definition at {macro.where}", offset)
        arguments = _arguments(macro, offset, work)
        work.extendleft(reversed(_substitute(macro, arguments, offset, depth + 1)))
    return _joined(out, defines)


def _joined(tokens: list[tuple[str, int]], defines: bool) -> Expansion:
    """The expanded text; a space keeps a control word from running into a letter."""
    pieces: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    length = 0
    previous = ""
    for text, offset in tokens:
        if _CONTROL_WORD.fullmatch(previous) and text[:1].isalpha():
            pieces.append(" ")
            length += 1
        starts.append(length)
        origins.append(offset)
        pieces.append(text)
        length += len(text)
        previous = text
    return Expansion("".join(pieces), tuple(starts), tuple(origins), defines)


# -------------------------------------------------------------------------- using a macro


def _arguments(macro: Macro, offset: int, work: deque[Token]) -> list[list[Token]]:
    """The arguments a use of ``macro`` takes from the tokens after it."""
    arguments: list[list[Token]] = []
    count = macro.parameters
    if macro.default is not None:
        _skip_spaces(work)
        if work and work[0][0] == "[":
            arguments.append(_bracketed(work, macro.name, offset))
        else:
            arguments.append([(text, offset, 0) for text in macro.default])
        count -= 1
    for _ in range(count):
        argument = _argument(work)
        if argument is None:
            given = len(arguments)
            raise MathError(
                f"{macro.name} takes {macro.parameters} argument"
                f"{'s' if macro.parameters != 1 else ''}, but only {given} "
                f"{'is' if given == 1 else 'are'} given",
                f"{macro.name} is defined at {macro.where}; give each argument in braces: "
                + macro.name + "{…}" * macro.parameters, offset)
        arguments.append(argument)
    return arguments


def _skip_spaces(work: deque[Token]) -> None:
    while work and work[0][0].isspace():
        work.popleft()


def _argument(work: deque[Token]) -> list[Token] | None:
    """One undelimited argument: a ``{…}`` group's contents or a single token."""
    _skip_spaces(work)
    if not work or work[0][0] == "}":
        return None
    first = work.popleft()
    if first[0] != "{":
        return [first]
    group: list[Token] = []
    depth = 1
    while work:
        token = work.popleft()
        depth += token[0] == "{"
        depth -= token[0] == "}"
        if depth == 0:
            return group
        group.append(token)
    raise MathError("unclosed {", "add the missing }", first[1])


def _bracketed(work: deque[Token], name: str, offset: int) -> list[Token]:
    """An optional ``[…]`` argument's contents (brackets inside braces do not count)."""
    opening = work.popleft()
    group: list[Token] = []
    depth = 0
    while work:
        token = work.popleft()
        if token[0] == "]" and depth == 0:
            return group
        depth += token[0] == "{"
        depth -= token[0] == "}"
        group.append(token)
    raise MathError(f"the optional argument of {name} is not closed", "add the missing ]",
                    opening[1])


def _substitute(macro: Macro, arguments: list[list[Token]], offset: int,
                depth: int) -> list[Token]:
    """The body with ``#n`` replaced by the arguments (``##`` is a ``#``)."""
    result: list[Token] = []
    body = macro.body
    index = 0
    while index < len(body):
        text = body[index]
        if text == "#" and index + 1 < len(body):
            following = body[index + 1]
            if following == "#":
                result.append(("#", offset, depth))
                index += 2
                continue
            if following.isdigit() and 1 <= int(following) <= len(arguments):
                result.extend((t, o, depth) for t, o, _ in arguments[int(following) - 1])
                index += 2
                continue
        result.append((text, offset, depth))
        index += 1
    return result


# -------------------------------------------------------------------------- defining one


def _define(command: str, offset: int, work: deque[Token], macros: MutableMapping[str, Macro],
            locate: Callable[[int], str]) -> None:
    """Read one definition from the tokens after ``command`` and record it."""
    starred = bool(work) and work[0][0] == "*"
    if starred:
        work.popleft()
    if command == r"\require":
        if _argument(work) is None:
            raise MathError(r"\require needs an extension name in braces", None, offset)
        return
    name = _name(command, offset, work)
    if command in (r"\def", r"\gdef"):
        parameters, default = _def_parameters(command, offset, work), None
    elif command == r"\DeclareMathOperator":
        parameters, default = 0, None
    else:
        parameters, default = _parameters(command, offset, work)
    body = _argument(work)
    if body is None:
        raise MathError(f"{command}{{{name}}} has no definition",
                        f"write its meaning in braces: {command}{{{name}}}{{…}}", offset)
    tokens = tuple(text for text, _, _ in body)
    if command == r"\DeclareMathOperator":
        tokens = (r"\operatorname*" if starred else r"\operatorname", "{", *tokens, "}")
    macro = Macro(name, parameters, default, tokens, locate(offset))
    existing = macros.get(name)
    if command == r"\providecommand" and (existing is not None or name in KNOWN):
        return
    if command in (r"\newcommand", r"\DeclareMathOperator"):
        _check_new(command, name, macro, existing, offset)
    macros[name] = macro


def _name(command: str, offset: int, work: deque[Token]) -> str:
    """The command being defined: ``{\\name}`` or ``\\name``."""
    argument = _argument(work)
    texts = [text for text, _, _ in argument or () if not text.isspace()]
    if len(texts) != 1 or not texts[0].startswith("\\") or len(texts[0]) < 2:
        raise MathError(f"{command} needs the name of a command",
                        f"e.g. {command}{{\\R}}{{\\mathbb{{R}}}}", offset)
    return texts[0]


def _parameters(command: str, offset: int,
                work: deque[Token]) -> tuple[int, tuple[str, ...] | None]:
    """``[n]`` and ``[default]`` after a ``\\newcommand``-style name."""
    _skip_spaces(work)
    if not work or work[0][0] != "[":
        return 0, None
    number = "".join(text for text, _, _ in _bracketed(work, command, offset)).strip()
    if not number.isdigit() or not 0 <= int(number) <= 9:
        raise MathError(f"{command} takes a number of arguments from 0 to 9, not [{number}]",
                        None, offset)
    _skip_spaces(work)
    if work and work[0][0] == "[":
        default = tuple(text for text, _, _ in _bracketed(work, command, offset))
        if int(number) == 0:
            raise MathError(f"{command} gives a default for an argument it does not take",
                            "write the number of arguments first: [1][default]", offset)
        return int(number), default
    return int(number), None


def _def_parameters(command: str, offset: int, work: deque[Token]) -> int:
    """``#1#2…`` before the body of a ``\\def``; anything else between is refused."""
    count = 0
    while work and work[0][0] != "{":
        text = work.popleft()[0]
        following = work[0][0] if work else ""
        if text == "#" and following == str(count + 1):
            work.popleft()
            count += 1
            continue
        if text.isspace():
            continue
        raise MathError(f"{command} with delimited parameters is not supported",
                        r"use \newcommand{\name}[n]{…} with arguments in braces", offset)
    return count


def _check_new(command: str, name: str, macro: Macro, existing: Macro | None,
               offset: int) -> None:
    """``\\newcommand`` may not change what a command already means (LaTeX's rule)."""
    if existing is not None:
        if (existing.parameters, existing.default, existing.body) == (
                macro.parameters, macro.default, macro.body):
            return  # the same definition again: harmless
        raise MathError(f"{name} is already defined at {existing.where}",
                        rf"to change its meaning write \renewcommand{{{name}}}…", offset)
    if name in KNOWN and name not in EXTENSIONS and not _means_the_same(macro):
        raise MathError(f"{command} redefines the built-in command {name}",
                        rf"to change its meaning write \renewcommand{{{name}}}…, or choose "
                        "another name", offset)


def _means_the_same(macro: Macro) -> bool:
    """Whether the macro shows exactly what the built-in command of its name shows."""
    arguments = "".join("{" + chr(ord("a") + n) + "}" for n in range(macro.parameters))
    body = _expanded_body(macro)
    return _presentation(macro.name + arguments) == _presentation(body) is not None


def _expanded_body(macro: Macro) -> str:
    letters = [[(chr(ord("a") + n), 0, 0)] for n in range(macro.parameters)]
    if macro.default is not None and letters:
        letters[0] = [(text, 0, 0) for text in macro.default]
    return _joined([(text, 0) for text, _, _ in _substitute(macro, letters, 0, 0)],
                   False).tex


@functools.lru_cache(maxsize=512)
def _presentation(tex: str) -> str | None:
    """The MathML of ``tex`` without its annotation, or None when it does not convert."""
    try:
        mathml = tex_to_mathml(tex, display=False)
    except MathError:
        return None
    return mathml.split("<annotation", 1)[0]


def parse_definitions(text: str, path: str,
                      known: Mapping[str, Macro] | None = None) -> dict[str, Macro]:
    """The macros a file of definitions (a site's ``macros.tex``) defines, in order.

    Raises MathError (offset in ``text``) for a definition that cannot work, or for anything
    in the file besides definitions and comments.
    """
    macros: dict[str, Macro] = dict(known or {})

    def locate(offset: int) -> str:
        return f"{path}:{text.count(chr(10), 0, offset) + 1}"

    expansion = expand(text, macros, locate)
    leftover = next((index for index, token in enumerate(expansion.tex) if not token.isspace()),
                    None)
    if leftover is not None:
        raise MathError("a macros file holds only definitions",
                        r"keep \newcommand, \renewcommand, \DeclareMathOperator and \def "
                        "lines here, and formulas in the posts",
                        expansion.original_offset(leftover))
    return macros


def names(macros: Iterable[Macro]) -> list[str]:
    """Their command names, for did-you-mean hints."""
    return [macro.name for macro in macros]
