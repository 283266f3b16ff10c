r"""What the converter understands: the TeX commands latex2mathml knows, the ones we rewrite,
and the ones we refuse.

Everything read from latex2mathml's internals (its command tables, symbol table, operator
set) is read here and in :mod:`.convert`, nowhere else, so ``tests/markdown/
test_latex2mathml_pin.py`` can check exactly what we rely on when the library changes.
"""

from __future__ import annotations

import re
import unicodedata

from latex2mathml import commands as l2m_commands
from latex2mathml import converter as l2m_converter
from latex2mathml.symbols_parser import SYMBOLS

TOKEN_RE = re.compile(r"%[^\n]*|\\(?:[A-Za-z]+|.)|\s+|.", re.S)
"""A comment, a command (``\\name`` or ``\\`` + one character), a run of spaces, a character."""

PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
"""Private-use characters: the converter's own stand-ins (:data:`STAND_INS`), so refused in
a formula on top of what :mod:`distillgen.text` refuses everywhere."""
DIMENSION_RE = re.compile(
    r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*(?:em|ex|pt|pc|mm|cm|in|bp|dd|cc|sp|mu)\s*")
ARRAY_SPEC_RE = re.compile(r"[lcr|]+")

# Characters that latex2mathml's tokenizer would misread inside text or after \big travel
# through it as private-use stand-ins and are restored afterwards.
STAND_INS = {"{": "\ue001", "}": "\ue002", "\\": "\ue003", "%": "\ue004", "~": "\ue005"}
RESTORE = str.maketrans({v: k for k, v in STAND_INS.items()})
PROTECT = str.maketrans(STAND_INS)

TEXT_FONTS = {
    r"\text": r"\text", r"\textrm": r"\text", r"\textnormal": r"\text", r"\textup": r"\text",
    r"\textmd": r"\text", r"\mbox": r"\text", r"\hbox": r"\text", r"\textbf": r"\textbf",
    r"\textit": r"\textit", r"\emph": r"\textit", r"\textsl": r"\textit",
    r"\textsf": r"\textsf", r"\texttt": r"\texttt",
}
# Escapes produce final characters; "~" hides behind its stand-in from the ligature pass.
TEXT_ESCAPES = {
    r"\{": "{", r"\}": "}", r"\$": "$", r"\%": "%", r"\&": "&", r"\_": "_", r"\#": "#",
    r"\ ": " ", r"\,": "\u2009", r"\;": "\u2004", r"\:": "\u205f", r"\!": "",
    r"\textbackslash": "\\", r"\textendash": "\u2013", r"\textemdash": "\u2014",
    r"\ldots": "\u2026", r"\dots": "\u2026", r"\quad": "\u2003", r"\qquad": "\u2003\u2003",
    r"\\": " ", r"\textasciitilde": STAND_INS["~"], r"\textunderscore": "_", r"\textbar": "|",
    "\\\n": " ", "\\\t": " ",
}

OPERATOR_SPACES = {r"\,": "\u2009", r"\:": "\u205f", r"\>": "\u205f", r"\;": "\u2004",
                   r"\ ": "\u00a0", "~": "\u00a0", r"\!": ""}
OPERATOR_TEXT_WRAPPERS = frozenset({r"\text", r"\textrm", r"\mathrm", r"\textnormal",
                                    r"\operatorname", r"\textup", r"\mbox"})

LIMIT_OPERATORS = {
    r"\lim": "lim", r"\max": "max", r"\min": "min", r"\sup": "sup", r"\inf": "inf",
    r"\det": "det", r"\gcd": "gcd", r"\Pr": "Pr", r"\plim": "plim",
    r"\argmax": "arg\u2009max", r"\argmin": "arg\u2009min",
    r"\liminf": "lim\u2006inf", r"\limsup": "lim\u2006sup", r"\varliminf": "lim\u2006inf",
    r"\varlimsup": "lim\u2006sup", r"\injlim": "inj\u2006lim", r"\varinjlim": "inj\u2006lim",
    r"\projlim": "proj\u2006lim", r"\varprojlim": "proj\u2006lim",
}
"""Operators whose limits go under them in display math: rewritten when a script follows."""

SWITCHES = frozenset({*l2m_commands.STYLES, *l2m_commands.MSTYLE_SIZES,
                      *l2m_commands.GLOBAL_FONTS})
"""Commands that act on the rest of their group (``\\scriptstyle``, ``\\small``, ``\\rm``)."""
BIG = frozenset({*l2m_commands.BIG, *l2m_commands.BIG_OPEN_CLOSE})

DELIMITER_COMMANDS = frozenset({
    r"\{", r"\}", r"\|", r"\lbrace", r"\rbrace", r"\lbrack", r"\rbrack", r"\langle",
    r"\rangle", r"\lang", r"\rang", r"\vert", r"\Vert", r"\lvert", r"\rvert", r"\lVert",
    r"\rVert", r"\lfloor", r"\rfloor", r"\lceil", r"\rceil", r"\uparrow", r"\downarrow",
    r"\updownarrow", r"\Uparrow", r"\Downarrow", r"\Updownarrow", r"\backslash", r"\lgroup",
    r"\rgroup", r"\lmoustache", r"\rmoustache", r"\ulcorner", r"\urcorner", r"\llcorner",
    r"\lrcorner", r"\mid",
})
DELIMITER_CHARS = {"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", "/": "/",
                   "<": "\u27e8", ">": "\u27e9"}

SIMPLE_RENAMES = {
    r"\textbackslash": r"\backslash", r"\mathds": r"\mathbb", r"\arg": r"\operatorname{arg}",
    r"\lvertneqq": r"\lneqq", r"\sim": r"\thicksim",  # latex2mathml maps \sim to "~"
    r"\/": "", r"\-": "", r"\nonumber": "", r"\notag": "",
    "\\\n": r"\ ", "\\\t": r"\ ", "\\\r": r"\ ",
}
NOT_RENAMES = {"=": r"\neq", "<": r"\nless", ">": r"\ngtr"}

FORBIDDEN = {
    **dict.fromkeys((r"\newcommand", r"\renewcommand", r"\providecommand", r"\def",
                     r"\gdef", r"\DeclareMathOperator", r"\require"),
                    "macro definitions are read before conversion (see macros.py)"),
    r"\newenvironment": "environment definitions inside a formula are not supported",
    r"\href": "links inside math are not supported",
    r"\class": r"\class is not supported",
    r"\style": r"\style is not supported",
    r"\unicode": r"\unicode is not supported; type the character itself",
    r"\verb": r"\verb is not supported in math; use \texttt{…}",
    r"\colorbox": r"\colorbox is not supported (its text loses its spaces)",
    r"\fcolorbox": r"\fcolorbox is not supported (its text loses its spaces)",
    r"\genfrac": r"\genfrac is not supported",
    r"\above": r"\above is not supported",
    r"\abovewithdelims": r"\abovewithdelims is not supported",
    r"\atopwithdelims": r"\atopwithdelims is not supported",
    r"\raise": r"\raise is not supported",
    r"\lower": r"\lower is not supported",
    r"\moveleft": r"\moveleft is not supported",
    r"\moveright": r"\moveright is not supported",
    r"\[": r"\[ starts display math; it cannot appear inside a formula",
    r"\]": r"\] ends display math; it cannot appear inside a formula",
    r"\(": r"\( starts inline math; it cannot appear inside a formula",
    r"\)": r"\) ends inline math; it cannot appear inside a formula",
}
"""Commands refused outright, with the reason (latex2mathml mangles them or has no meaning)."""
FORBIDDEN_HINTS = {
    r"\colorbox": r"use \textcolor{colour}{…}",
    r"\genfrac": r"use \frac, \binom or \tfrac",
}

SCRIPT_END = frozenset({"}", "&", "^", "_", "'", "$", r"\\", r"\end", r"\right", r"\middle",
                        r"\over", r"\atop", r"\choose", r"\color", r"\tag", r"\label"})
"""Tokens that cannot be the argument of a command or script: finding one means it is missing."""

ARGUMENT_COUNTS: dict[str, int] = {
    **dict.fromkeys(l2m_commands.COMMANDS_WITH_ONE_PARAMETER, 1),
    **dict.fromkeys(l2m_commands.COMMANDS_WITH_TWO_PARAMETERS, 2),
    **dict.fromkeys(l2m_commands.EXTENSIBLE_ARROWS, 1),
    r"\sqrt": 1, r"\sideset": 3, r"\skew": 2, r"\mathchoice": 4, r"\smash": 1,
}
"""Arguments each command needs (after an optional [..] for \\sqrt and arrows)."""
OPTIONAL_ARGUMENT = frozenset({r"\sqrt", r"\smash", *l2m_commands.EXTENSIBLE_ARROWS})
DIMENSION_ARGUMENTS = {r"\hspace": 1, r"\hskip": 1, r"\kern": 1, r"\mkern": 1,
                       r"\mskip": 1, r"\mspace": 1, r"\rule": 2}
MATRIX_COMMANDS = frozenset({r"\substack", r"\matrix", r"\pmatrix", r"\bmatrix",
                             r"\Bmatrix", r"\vmatrix", r"\Vmatrix", r"\cases",
                             r"\smallmatrix", r"\displaylines", r"\eqalign", r"\eqalignno"})
"""Plain-TeX table commands; latex2mathml lets them swallow everything after their group."""

VARIANT_PREFIXES = {
    "bold": r"\mathbf", "italic": r"\mathit", "bold-italic": r"\mathbfit",
    "double-struck": r"\mathbb", "script": r"\mathcal", "fraktur": r"\mathfrak",
    "sans-serif": r"\mathsf", "sans-serif-italic": r"\mathsfit",
    "bold-sans-serif": r"\mathsfbf", "sans-serif-bold-italic": r"\mathsfbfit",
    "monospace": r"\mathtt",
}
"""latex2mathml's ``mathvariant`` values and the TeX font command that produces each."""

ACCENTS = frozenset(text for text, _ in l2m_commands.DIACRITICS.values())
"""latex2mathml's accent characters (as entity strings) under \\hat, \\tilde, \\vec, ...."""

HANDLED_HERE = frozenset({r"\mathop", r"\operatornamewithlimits", r"\tag", r"\label",
                          r"\color", r"\textcolor", r"\not", r"\\", r"\ ", r"\eqref",
                          r"\ref"})
"""Commands the rewriter handles itself (besides the tables above)."""


def symbol_character(command: str) -> str:
    """The character latex2mathml's symbol table gives a command (``\\vert`` -> ``|``)."""
    return chr(int(SYMBOLS[command], 16))


def is_symbol(command: str) -> bool:
    """Whether latex2mathml's symbol table knows ``command``."""
    return command in SYMBOLS


_LARGE_OPERATORS = frozenset("\u2210\u220f\u2211\u22c0\u22c1\u22c2\u22c3") | frozenset(
    chr(code) for code in range(0x2A00, 0x2A0D))
"""∐ ∏ ∑ ⋀ ⋁ ⋂ ⋃ ⨀ … : before these amsmath's ``\\dots`` stays low (integrals centre it)."""


def centres_dots(following: str) -> bool:
    """Whether amsmath's ``\\dots`` before the token ``following`` is ``\\cdots``: before a
    binary operator, a relation or an integral; not before a comma, a closing delimiter, a
    large operator or the end."""
    if following in ("+", "-", "=", "<", ">", "*"):
        return True
    if len(following) < 2 or not is_symbol(following):
        return False
    char = symbol_character(following)
    return unicodedata.category(char) == "Sm" and char not in _LARGE_OPERATORS


def _known_commands() -> frozenset[str]:
    """Every command name latex2mathml converts, plus the ones rewritten here."""
    names = {name for name in SYMBOLS if name.startswith("\\")}
    for value in vars(l2m_commands).values():
        if isinstance(value, str):
            values: tuple | dict | frozenset | set | list = (value,)
        elif isinstance(value, tuple | dict | frozenset | set | list):
            values = value
        else:
            continue
        names.update(v for v in values if isinstance(v, str) and v.startswith("\\"))
    names.update(l2m_converter.MOVABLE_LIMIT_TEXTS)
    names.update(v for v in l2m_converter.OPERATORS if v.startswith("\\"))
    names.update(SIMPLE_RENAMES, LIMIT_OPERATORS, TEXT_FONTS, SWITCHES, BIG, HANDLED_HERE)
    font_prefixes = (re.match(r"(\\math[a-z]+)\{", name) for name in SYMBOLS)
    names.update(match.group(1) for match in font_prefixes if match)
    # Environment-only names (reached through \begin) and what is refused outright.
    names.difference_update({r"\array", r"\split", r"\align", r"\begin", r"\end"})
    names.difference_update(FORBIDDEN)
    return frozenset(n for n in names if re.fullmatch(r"\\(?:[A-Za-z]+|.)", n))


def _styled_letters() -> dict[tuple[str, str], str]:
    """(mathvariant, character) -> the Unicode math letter, from latex2mathml's symbol table."""
    by_name = {name: chr(int(code, 16)) for name, code in SYMBOLS.items()}
    prefix_variant = {prefix: variant for variant, prefix in VARIANT_PREFIXES.items()}
    table: dict[tuple[str, str], str] = {}
    for name, code in SYMBOLS.items():
        match = re.fullmatch(r"(\\math[a-z]+)\{(\\?[A-Za-z0-9]+)\}", name)
        if not match or match.group(1) not in prefix_variant:
            continue
        inner = match.group(2)
        plain = inner if len(inner) == 1 else by_name.get(inner)
        if plain:
            table.setdefault((prefix_variant[match.group(1)], plain), chr(int(code, 16)))
    return table


KNOWN = _known_commands()
"""Every command a formula may use."""
ARGUMENT_COUNTS.update(dict.fromkeys(
    (name for name in KNOWN if re.fullmatch(r"\\math[a-z]+", name)
     and name not in l2m_commands.MATH_NON_FONT_COMMANDS), 1))
STYLED = _styled_letters()
"""(mathvariant, character) -> Unicode math letter: Chromium ignores ``mathvariant``."""
