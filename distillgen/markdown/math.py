r"""TeX to MathML that is either right or a located error, never silently wrong.

latex2mathml (3.81) does the conversion; this module stands around it in three steps.

1. **Rewrite** (one pass over a regex tokenisation, which also validates). Each rewrite
   exists because latex2mathml, run on real posts, produced wrong or broken output:

   - ``aligned``, ``align(*)``, ``flalign(*)``, ``alignat(*)``, ``alignedat`` -> its ``align*``
     table (right/left column pairs, display style, no numbers): ``aligned`` leaked a raw ``&``.
     ``gathered``, ``gather(*)``, ``multline(*)`` -> ``\displaylines``; ``equation(*)`` -> a
     group; ``eqnarray(*)`` -> ``array{rcl}``; ``dcases`` -> ``cases``; a ``[t]`` placement
     option is dropped. Unknown environments were silently dropped: here they are errors.
   - ``\\[0.4em]`` -> ``\\``: the row-spacing option leaked into the next cell as text.
   - ``\substack{…}``, ``\matrix{…}``, ``\cases{…}`` ... are wrapped in a group: they
     swallowed everything after their argument.
   - ``\operatorname``, ``\operatorname*``, ``\operatornamewithlimits``, ``\mathop`` with a
     text body -> one ``<mo>`` with the exact text (``arg\,min`` keeps its thin space; any
     non-letter body goes through a placeholder name restored afterwards), with ``\limits``
     added before a sub/superscript for the starred forms so limits sit under it. The
     library garbled any body that was not plain letters and put ``<mrow>`` inside ``<mo>``.
   - ``\arg`` (missing: ``<mi>\arg</mi>``) -> ``\operatorname{arg}``; ``\lim``, ``\max``,
     ``\argmin``, ``\Pr``, ``\det`` ... before ``_``/``^`` -> an operator with movable limits
     (under it in display math, as in TeX; they came out as plain subscripts).
   - ``\big``-family + delimiter command (``\big\vert``, ``\Big\{``) -> the delimiter
     character (the command name leaked as text); ``\big.`` -> nothing; ``\left<`` ->
     ``\left\langle``.
   - ``\color{c}{x}`` -> ``\textcolor{c}{x}`` (colours x, as MathJax-written posts mean);
     ``\color{c}`` as a switch, ``\scriptstyle``/``\displaystyle``, sizes and ``\rm``-style
     fonts -> wrapped in a group that ends where TeX's scope ends (``}``, ``&``, ``\\``,
     ``\end``, ``\right``). The library let a switch swallow the rest of an environment,
     cell separators included, or applied it to nothing inside a table cell.
   - ``\text``-family bodies: escapes (``\%``, ``\{``, ``\textbackslash``), ``~``, dashes and
     quotes become characters, spaces collapse, nested ``\textbf{}`` and ``$…$`` become
     separate pieces. The library cut a body at its first ``}`` and printed ``$`` signs.
   - ``\tag{…}`` is lifted out (see below); ``\label{…}``, ``\nonumber``, ``\notag``, ``\/``,
     ``\-`` are dropped; ``\textbackslash`` -> ``\backslash``; ``\mathds`` -> ``\mathbb``;
     ``\sim`` -> ``\thicksim`` (the table maps ``\sim`` to "~"); ``\not=`` -> ``\neq``.
   - Checked on the way, each with the offset of the culprit: balanced braces,
     ``\begin``/``\end`` and ``\left``/``\right`` pairs, ``&`` only in tables, no ``\\``
     inside ``\left … \right``, a delimiter after ``\left``, every argument of ``\frac``,
     ``\hat``, ``^``, ``\sqrt`` ... present, lengths that are lengths, array column specs,
     colours, every command known (else a "did you mean"), no bare ``$`` (``\$`` is a
     dollar sign), no macro definitions, and no ``\colorbox``, ``\genfrac``, ``\raise``,
     ``\href``-like commands the library mangles.

2. **Convert** with ``latex2mathml.converter.convert_to_element``; every exception it raises
   becomes a :class:`MathError`.

3. **Check and polish** the element tree: decode the library's entity strings, reject any
   leaked ``\command`` or raw ``&`` and any script, fraction or root with a missing part,
   or token element holding markup. Fix what browsers would show wrongly: ``mathvariant``
   letters become Unicode math letters (Chromium ignores the attribute), ``\big``
   delimiters become stretchy, accents are marked as accents, a few symbols get TeX's
   class (``\infty`` ordinary, ``\pm``/``\implies`` operators, ``\langle`` a fence),
   and operator names get TeX's thin spaces (``<mi>log</mi><mi>p</mi>`` reads "logp").
   Then serialise by hand: one line, escaped, explicit end tags, deterministic.

Output: ``<math display="block|inline"><semantics>CONTENT<annotation
encoding="application/x-tex">TEX</annotation></semantics></math>``, the TeX escaped, its
newlines as ``&#10;``. A ``\tag{1}`` in display math comes back as
``<span class="math-tag">(1)</span>`` right AFTER ``</math>`` (``\tag*{x}`` without the
parentheses) for CSS to place as an equation number: MathML has no portable equation-number
mechanism and an ``mlabeledtr`` would force a table around every tagged formula.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree import ElementTree

from latex2mathml import commands as l2m_commands
from latex2mathml import converter as l2m_converter
from latex2mathml.symbols_parser import SYMBOLS

from ..errors import did_you_mean

__all__ = ["MathError", "tex_to_mathml"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"


class MathError(Exception):
    """Why a formula cannot be converted."""

    def __init__(self, message: str, hint: str | None = None, offset: int | None = None):
        super().__init__(message)
        self.message = message
        """Human message, e.g. ``unknown command \\foo``."""
        self.hint = hint
        """How to fix it, when we can tell."""
        self.offset = offset
        """0-based character offset of the problem inside the TeX source, when known."""


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"%[^\n]*|\\(?:[A-Za-z]+|.)|\s+|.", re.S)
"""A comment, a command (``\\name`` or ``\\`` + one character), a run of spaces, a character."""

_FORBIDDEN_CHARS_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ue000-\uf8ff\ufffe\uffff\ud800-\udfff]")
"""Control characters and XML non-characters, and the private-use stand-ins used below."""
_DIMENSION_RE = re.compile(
    r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*(?:em|ex|pt|pc|mm|cm|in|bp|dd|cc|sp|mu)\s*")
_COLOR_RE = re.compile(r"#[0-9A-Fa-f]{3}|#[0-9A-Fa-f]{6}")
_CSS_COLOUR_TABLE = """
aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff beige f5f5dc
bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff blueviolet 8a2be2 brown a52a2a
burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 chocolate d2691e coral ff7f50
cornflowerblue 6495ed cornsilk fff8dc crimson dc143c cyan 00ffff darkblue 00008b
darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9 darkgreen 006400 darkgrey a9a9a9
darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f darkorange ff8c00
darkorchid 9932cc darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f darkslateblue 483d8b
darkslategray 2f4f4f darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet 9400d3
deeppink ff1493 deepskyblue 00bfff dimgray 696969 dimgrey 696969 dodgerblue 1e90ff
firebrick b22222 floralwhite fffaf0 forestgreen 228b22 fuchsia ff00ff gainsboro dcdcdc
ghostwhite f8f8ff gold ffd700 goldenrod daa520 gray 808080 green 008000 greenyellow adff2f
grey 808080 honeydew f0fff0 hotpink ff69b4 indianred cd5c5c indigo 4b0082 ivory fffff0
khaki f0e68c lavender e6e6fa lavenderblush fff0f5 lawngreen 7cfc00 lemonchiffon fffacd
lightblue add8e6 lightcoral f08080 lightcyan e0ffff lightgoldenrodyellow fafad2
lightgray d3d3d3 lightgreen 90ee90 lightgrey d3d3d3 lightpink ffb6c1 lightsalmon ffa07a
lightseagreen 20b2aa lightskyblue 87cefa lightslategray 778899 lightslategrey 778899
lightsteelblue b0c4de lightyellow ffffe0 lime 00ff00 limegreen 32cd32 linen faf0e6
magenta ff00ff maroon 800000 mediumaquamarine 66cdaa mediumblue 0000cd mediumorchid ba55d3
mediumpurple 9370db mediumseagreen 3cb371 mediumslateblue 7b68ee mediumspringgreen 00fa9a
mediumturquoise 48d1cc mediumvioletred c71585 midnightblue 191970 mintcream f5fffa
mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead navy 000080 oldlace fdf5e6 olive 808000
olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6 palegoldenrod eee8aa
palegreen 98fb98 paleturquoise afeeee palevioletred db7093 papayawhip ffefd5
peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6 purple 800080
rebeccapurple 663399 red ff0000 rosybrown bc8f8f royalblue 4169e1 saddlebrown 8b4513
salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee sienna a0522d silver c0c0c0
skyblue 87ceeb slateblue 6a5acd slategray 708090 slategrey 708090 snow fffafa
springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 thistle d8bfd8 tomato ff6347
turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff whitesmoke f5f5f5 yellow ffff00
yellowgreen 9acd32
"""
_CSS_COLOURS: dict[str, str] = dict(zip(*[iter(_CSS_COLOUR_TABLE.split())] * 2, strict=True))
"""The CSS colour names and their rrggbb values, for ``\\color{name}``."""
_HTML_COLOURS = frozenset({"aqua", "black", "blue", "fuchsia", "gray", "green", "lime",
                           "maroon", "navy", "olive", "purple", "red", "silver", "teal",
                           "white", "yellow"})
"""The names MathML's ``mathcolor`` accepts as they are; other colours become #rrggbb."""
_ARRAY_SPEC_RE = re.compile(r"[lcr|]+")
_ENTITY_RE = re.compile(r"&#x([0-9A-Fa-f]+);")
_LEAK_RE = re.compile(r"\\[A-Za-z]+|\\.")

# Characters that latex2mathml's tokenizer would misread inside text or after \big travel
# through it as private-use stand-ins and are restored afterwards.
_STAND_INS = {"{": "\ue001", "}": "\ue002", "\\": "\ue003", "%": "\ue004", "~": "\ue005"}
_RESTORE = str.maketrans({v: k for k, v in _STAND_INS.items()})
_PROTECT = str.maketrans(_STAND_INS)

_OPERATOR_MARK = "Dgmathopmark"
"""Prefix of placeholder operator names; the real text is put back after conversion."""


@dataclass(frozen=True)
class _Env:
    """How a TeX environment is handed to latex2mathml."""

    begin: str
    end: str
    columns: bool = True
    """``&`` separates cells inside it."""
    argument: str = ""
    """``"spec"``: a column spec to validate and keep; ``"count"``: a number to drop."""
    position: bool = False
    """Takes an optional ``[t]``/``[c]``/``[b]`` that MathML has no use for (dropped)."""


def _passthrough(name: str, **extra) -> _Env:
    return _Env(rf"\begin{{{name}}}", rf"\end{{{name}}}", **extra)


_ALIGN = _Env(r"\begin{align*}", r"\end{align*}")
_GATHER = _Env(r"{\displaylines{", "}}", columns=False)
_ENVIRONMENTS: dict[str, _Env] = {
    "aligned": _Env(_ALIGN.begin, _ALIGN.end, position=True),
    "align": _ALIGN, "align*": _ALIGN, "flalign": _ALIGN, "flalign*": _ALIGN,
    "alignat": _Env(_ALIGN.begin, _ALIGN.end, argument="count"),
    "alignat*": _Env(_ALIGN.begin, _ALIGN.end, argument="count"),
    "alignedat": _Env(_ALIGN.begin, _ALIGN.end, argument="count", position=True),
    "split": _passthrough("split"),
    "gathered": _Env(_GATHER.begin, _GATHER.end, columns=False, position=True),
    "gather": _GATHER, "gather*": _GATHER, "multline": _GATHER, "multline*": _GATHER,
    "equation": _Env("{", "}", columns=False), "equation*": _Env("{", "}", columns=False),
    "array": _passthrough("array", argument="spec", position=True),
    "darray": _Env(r"\begin{array}", r"\end{array}", argument="spec", position=True),
    "eqnarray": _Env(r"\begin{array}{rcl}", r"\end{array}"),
    "eqnarray*": _Env(r"\begin{array}{rcl}", r"\end{array}"),
    "cases": _passthrough("cases"), "dcases": _passthrough("cases"),
    **{name: _passthrough(name) for name in (
        "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix",
        "matrix*", "pmatrix*", "bmatrix*", "Bmatrix*", "vmatrix*", "Vmatrix*")},
}

_TEXT_FONTS = {
    r"\text": r"\text", r"\textrm": r"\text", r"\textnormal": r"\text", r"\textup": r"\text",
    r"\textmd": r"\text", r"\mbox": r"\text", r"\hbox": r"\text", r"\textbf": r"\textbf",
    r"\textit": r"\textit", r"\emph": r"\textit", r"\textsl": r"\textit",
    r"\textsf": r"\textsf", r"\texttt": r"\texttt",
}
# Escapes produce final characters; "~" hides behind its stand-in from the ligature pass.
_TEXT_ESCAPES = {
    r"\{": "{", r"\}": "}", r"\$": "$", r"\%": "%", r"\&": "&", r"\_": "_", r"\#": "#",
    r"\ ": " ", r"\,": "\u2009", r"\;": "\u2004", r"\:": "\u205f", r"\!": "",
    r"\textbackslash": "\\", r"\textendash": "\u2013", r"\textemdash": "\u2014",
    r"\ldots": "\u2026", r"\dots": "\u2026", r"\quad": "\u2003", r"\qquad": "\u2003\u2003",
    r"\\": " ", r"\textasciitilde": _STAND_INS["~"], r"\textunderscore": "_", r"\textbar": "|",
    "\\\n": " ", "\\\t": " ",
}
_TEXT_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"),
                   ("`", "\u2018"), ("'", "\u2019"), ("~", "\u00a0"))

_OPERATOR_SPACES = {r"\,": "\u2009", r"\:": "\u205f", r"\>": "\u205f", r"\;": "\u2004",
                    r"\ ": "\u00a0", "~": "\u00a0", r"\!": ""}
_OPERATOR_TEXT_WRAPPERS = frozenset({r"\text", r"\textrm", r"\mathrm", r"\textnormal",
                                     r"\operatorname", r"\textup", r"\mbox"})

_LIMIT_OPERATORS = {
    r"\lim": "lim", r"\max": "max", r"\min": "min", r"\sup": "sup", r"\inf": "inf",
    r"\det": "det", r"\gcd": "gcd", r"\Pr": "Pr", r"\plim": "plim",
    r"\argmax": "arg\u2009max", r"\argmin": "arg\u2009min",
    r"\liminf": "lim\u2006inf", r"\limsup": "lim\u2006sup", r"\varliminf": "lim\u2006inf",
    r"\varlimsup": "lim\u2006sup", r"\injlim": "inj\u2006lim", r"\varinjlim": "inj\u2006lim",
    r"\projlim": "proj\u2006lim", r"\varprojlim": "proj\u2006lim",
}
"""Operators whose limits go under them in display math: rewritten when a script follows."""

_SWITCHES = frozenset({*l2m_commands.STYLES, *l2m_commands.MSTYLE_SIZES,
                       *l2m_commands.GLOBAL_FONTS})
_BIG = frozenset({*l2m_commands.BIG, *l2m_commands.BIG_OPEN_CLOSE})

_DELIMITER_COMMANDS = frozenset({
    r"\{", r"\}", r"\|", r"\lbrace", r"\rbrace", r"\lbrack", r"\rbrack", r"\langle",
    r"\rangle", r"\lang", r"\rang", r"\vert", r"\Vert", r"\lvert", r"\rvert", r"\lVert",
    r"\rVert", r"\lfloor", r"\rfloor", r"\lceil", r"\rceil", r"\uparrow", r"\downarrow",
    r"\updownarrow", r"\Uparrow", r"\Downarrow", r"\Updownarrow", r"\backslash", r"\lgroup",
    r"\rgroup", r"\lmoustache", r"\rmoustache", r"\ulcorner", r"\urcorner", r"\llcorner",
    r"\lrcorner", r"\mid",
})
_DELIMITER_CHARS = {"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", "/": "/",
                    "<": "\u27e8", ">": "\u27e9"}

_SIMPLE_RENAMES = {
    r"\textbackslash": r"\backslash", r"\mathds": r"\mathbb", r"\arg": r"\operatorname{arg}",
    r"\lvertneqq": r"\lneqq", r"\sim": r"\thicksim",  # latex2mathml maps \sim to "~"
    r"\/": "", r"\-": "", r"\nonumber": "", r"\notag": "",
    "\\\n": r"\ ", "\\\t": r"\ ", "\\\r": r"\ ",
}
_NOT_RENAMES = {"=": r"\neq", "<": r"\nless", ">": r"\ngtr"}

_FORBIDDEN = {
    r"\newcommand": "macro definitions inside a formula are not supported",
    r"\renewcommand": "macro definitions inside a formula are not supported",
    r"\def": "macro definitions inside a formula are not supported",
    r"\DeclareMathOperator": "macro definitions inside a formula are not supported",
    r"\newenvironment": "environment definitions inside a formula are not supported",
    r"\href": "links inside math are not supported",
    r"\class": r"\class is not supported",
    r"\style": r"\style is not supported",
    r"\unicode": r"\unicode is not supported; type the character itself",
    r"\verb": r"\verb is not supported in math; use \texttt{…}",
    r"\eqref": "cross-references are not supported inside math",
    r"\ref": "cross-references are not supported inside math",
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
_FORBIDDEN_HINTS = {
    r"\colorbox": r"use \textcolor{colour}{…}",
    r"\genfrac": r"use \frac, \binom or \tfrac",
    r"\DeclareMathOperator": r"write \operatorname{name} where the operator is used",
    r"\newcommand": "write the expansion out",
    r"\def": "write the expansion out",
    r"\renewcommand": "write the expansion out",
}

_SCRIPT_END = frozenset({"}", "&", "^", "_", "'", "$", r"\\", r"\end", r"\right", r"\middle",
                         r"\over", r"\atop", r"\choose", r"\color", r"\tag", r"\label"})
"""Tokens that cannot be the argument of a command or script: finding one means it is missing."""

_ARGUMENT_COUNTS: dict[str, int] = {
    **dict.fromkeys(l2m_commands.COMMANDS_WITH_ONE_PARAMETER, 1),
    **dict.fromkeys(l2m_commands.COMMANDS_WITH_TWO_PARAMETERS, 2),
    **dict.fromkeys(l2m_commands.EXTENSIBLE_ARROWS, 1),
    r"\sqrt": 1, r"\sideset": 3, r"\skew": 2, r"\mathchoice": 4, r"\smash": 1,
}
"""Arguments each command needs (after an optional [..] for \\sqrt and arrows)."""
_OPTIONAL_ARGUMENT = frozenset({r"\sqrt", r"\smash", *l2m_commands.EXTENSIBLE_ARROWS})
_DIMENSION_ARGUMENTS = {r"\hspace": 1, r"\hskip": 1, r"\kern": 1, r"\mkern": 1,
                        r"\mskip": 1, r"\mspace": 1, r"\rule": 2}
_MATRIX_COMMANDS = frozenset({r"\substack", r"\matrix", r"\pmatrix", r"\bmatrix",
                              r"\Bmatrix", r"\vmatrix", r"\Vmatrix", r"\cases",
                              r"\smallmatrix", r"\displaylines", r"\eqalign", r"\eqalignno"})
"""Plain-TeX table commands; latex2mathml lets them swallow everything after their group."""

_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "munder": 2, "mover": 2,
          "munderover": 3, "mroot": 2}
_TOKEN_ELEMENTS = frozenset({"mi", "mn", "mo", "mtext", "ms", "mspace"})

_ORDINARY_SYMBOLS = {"\u221e": None, "\u2205": None, "\u2202": None, "\u2207": "normal"}
"""Symbols TeX treats as ordinary that latex2mathml emits as operators (value: mathvariant)."""
_ACCENTS = frozenset(text for text, _ in l2m_commands.DIACRITICS.values())
"""latex2mathml's accent characters (as entity strings) under \\hat, \\tilde, \\vec, ...."""

_ROW_LIKE = frozenset({"mrow", "mtd", "mstyle", "msqrt", "mpadded", "mphantom", "menclose"})
"""Elements that lay their children out in a row (where spacing between them is ours)."""
_SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover"})
_THIN_SPACE = "0.1667em"

_VARIANT_PREFIXES = {
    "bold": r"\mathbf", "italic": r"\mathit", "bold-italic": r"\mathbfit",
    "double-struck": r"\mathbb", "script": r"\mathcal", "fraktur": r"\mathfrak",
    "sans-serif": r"\mathsf", "sans-serif-italic": r"\mathsfit",
    "bold-sans-serif": r"\mathsfbf", "sans-serif-bold-italic": r"\mathsfbfit",
    "monospace": r"\mathtt",
}

_EXCEPTION_MESSAGES = {
    "NumeratorNotFoundError": ("a fraction has no numerator", None),
    "DenominatorNotFoundError": ("a fraction has no denominator", None),
    "ExtraLeftOrMissingRightError": (r"\left and \right do not pair up", None),
    "MissingSuperScriptOrSubscriptError": ("^ or _ has no argument", None),
    "DoubleSubscriptsError": ("double subscript", "use braces: x_{a_b}"),
    "DoubleSuperscriptsError": ("double superscript", "use braces: x^{a^b}"),
    "NoAvailableTokensError": ("a command is missing its argument", None),
    "InvalidStyleForGenfracError": (r"\genfrac style must be 0, 1, 2 or 3", None),
    "MissingEndError": (r"an environment has no \end", None),
    "InvalidAlignmentError": ("invalid column alignment", "use l, c, r or |"),
    "InvalidWidthError": ("invalid width", None),
    "LimitsMustFollowMathOperatorError": (r"\limits must follow an operator such as \sum",
                                          None),
}


def _known_commands() -> frozenset[str]:
    """Every command name latex2mathml converts, plus the ones rewritten here."""
    names = {name for name in SYMBOLS if name.startswith("\\")}
    for value in vars(l2m_commands).values():
        values: Iterable[object]
        if isinstance(value, str):
            values = (value,)
        elif isinstance(value, tuple | dict | frozenset | set | list):
            values = value
        else:
            continue
        names.update(v for v in values if isinstance(v, str) and v.startswith("\\"))
    names.update(l2m_converter.MOVABLE_LIMIT_TEXTS)
    names.update(v for v in l2m_converter.OPERATORS if v.startswith("\\"))
    names.update(_SIMPLE_RENAMES, _LIMIT_OPERATORS, _TEXT_FONTS, _SWITCHES, _BIG)
    names.update({r"\mathop", r"\operatornamewithlimits", r"\tag", r"\label", r"\color",
                  r"\textcolor", r"\not", r"\\", r"\ "})
    font_prefixes = (re.match(r"(\\math[a-z]+)\{", name) for name in SYMBOLS)
    names.update(match.group(1) for match in font_prefixes if match)
    # Environment-only names (reached through \begin) and what is refused outright.
    names.difference_update({r"\array", r"\split", r"\align", r"\begin", r"\end"})
    names.difference_update(_FORBIDDEN)
    return frozenset(n for n in names if re.fullmatch(r"\\(?:[A-Za-z]+|.)", n))


def _styled_letters() -> dict[tuple[str, str], str]:
    """(mathvariant, character) -> the Unicode math letter, from latex2mathml's symbol table."""
    by_name = {name: chr(int(code, 16)) for name, code in SYMBOLS.items()}
    prefix_variant = {prefix: variant for variant, prefix in _VARIANT_PREFIXES.items()}
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


_KNOWN = _known_commands()
_ARGUMENT_COUNTS.update(dict.fromkeys(
    (name for name in _KNOWN if re.fullmatch(r"\\math[a-z]+", name)
     and name not in l2m_commands.MATH_NON_FONT_COMMANDS), 1))
_STYLED = _styled_letters()


# --------------------------------------------------------------------------------------------
# Step 1: tokenise, validate, rewrite
# --------------------------------------------------------------------------------------------

def _mathml_colour(written: str) -> str | None:
    """A colour as ``mathcolor`` accepts it (the HTML checker knows #rgb, #rrggbb and only
    sixteen names), or None when it is no colour at all."""
    if _COLOR_RE.fullmatch(written):
        return written
    name = written.lower()
    if name in _HTML_COLOURS:
        return name
    value = _CSS_COLOURS.get(name)
    return f"#{value}" if value else None


@dataclass
class _Frame:
    """Something opened and not yet closed: a group, environment, \\left or a switch."""

    kind: str  # "brace", "env", "left", "switch", "text"
    offset: int
    name: str = ""
    env: _Env | None = None


class _Rewriter:
    """One pass over the tokens: checks the TeX and writes what latex2mathml handles."""

    def __init__(self, tex: str, display: bool):
        self.display = display
        self.texts: list[str] = []
        self.offsets: list[int] = []
        for match in _TOKEN_RE.finditer(tex):
            if match.group()[0] != "%":
                self.texts.append(match.group())
                self.offsets.append(match.start())
        self.closing = self._match_braces()
        self.out: list[str] = []
        self.stack: list[_Frame] = []
        self.tag: str | None = None
        self.operators: dict[str, str] = {}

    # -- helpers --------------------------------------------------------------------------

    def _match_braces(self) -> dict[int, int]:
        """Index of each ``{`` -> index of its ``}``; unbalanced braces are errors."""
        closing: dict[int, int] = {}
        open_at: list[int] = []
        for index, text in enumerate(self.texts):
            if text == "{":
                open_at.append(index)
            elif text == "}":
                if not open_at:
                    raise MathError("unmatched }", "remove it, or write \\} for a brace",
                                    self.offsets[index])
                closing[open_at.pop()] = index
        if open_at:
            raise MathError("unclosed {", "add the missing }", self.offsets[open_at[-1]])
        return closing

    def _skip_space(self, index: int, end: int) -> int:
        while index < end and self.texts[index].isspace():
            index += 1
        return index

    def _error(self, message: str, index: int, hint: str | None = None) -> MathError:
        offset = self.offsets[index] if index < len(self.offsets) else None
        return MathError(message, hint, offset)

    def _argument(self, index: int, end: int, command: str) -> tuple[int, int, int]:
        """The next argument after ``command``: (first token, end token, index after it)."""
        before = index - 1  # the command itself (or its star): where the error points
        index = self._skip_space(index, end)
        if index >= end or self.texts[index] in _SCRIPT_END:
            raise self._error(f"{command} is missing its argument", before)
        if self.texts[index] == "{":
            close = self.closing[index]
            return index + 1, close, close + 1
        return index, index + 1, index + 1

    def _raw(self, start: int, end: int) -> str:
        return "".join(self.texts[start:end])

    def _close_switches(self) -> None:
        while self.stack and self.stack[-1].kind == "switch":
            self.stack.pop()
            self.out.append("}")

    def _unclosed(self, frame: _Frame) -> MathError:
        if frame.kind == "env":
            return MathError(rf"\begin{{{frame.name}}} is never closed",
                             rf"add \end{{{frame.name}}}", frame.offset)
        if frame.kind == "left":
            return MathError(r"\left has no matching \right",
                             r"add \right) (or \right. for an invisible one)", frame.offset)
        return MathError("unclosed group", None, frame.offset)

    # -- the pass -------------------------------------------------------------------------

    def rewrite(self) -> str:
        self.run(0, len(self.texts))
        return "".join(self.out)

    def run(self, index: int, end: int) -> None:
        """Rewrite tokens ``index .. end``; everything opened in the range closes in it."""
        depth = len(self.stack)
        while index < end:
            text = self.texts[index]
            if len(text) > 1 and text[0] == "\\":
                index = self._command(index, end)
                continue
            if text == "{":
                self.stack.append(_Frame("brace", self.offsets[index]))
                self.out.append("{")
            elif text == "}":
                self._close_group(index)
            elif text == "&":
                self._cell_separator(index)
            elif text in ("^", "_"):
                self._script(index, end)
            elif text == "$":
                raise self._error("unescaped $ inside math", index,
                                  r"write \$ for a dollar sign")
            elif text == "#":
                raise self._error("# is not allowed in math", index, r"write \# for the sign")
            elif text == "\\":
                raise self._error("lone backslash at the end of the formula", index)
            elif text.isspace():
                self.out.append(" ")
            else:
                self.out.append(text)
            index += 1
        self._close_switches()
        if len(self.stack) > depth:
            raise self._unclosed(self.stack[-1])

    def _close_group(self, index: int) -> None:
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.kind != "brace":
            raise self._unclosed(frame) if frame else self._error("unmatched }", index)
        self.stack.pop()
        self.out.append("}")

    def _cell_separator(self, index: int) -> None:
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.kind != "env" or not (frame.env and frame.env.columns):
            raise self._error("& outside a table environment", index,
                              r"write \& for an ampersand, or put the rows in "
                              r"\begin{aligned}…\end{aligned}")
        self.out.append("&")

    def _script(self, index: int, end: int) -> None:
        after = self._skip_space(index + 1, end)
        following = self.texts[after] if after < end else ""
        if not following or following in _SCRIPT_END or following in _SWITCHES:
            kind = "superscript" if self.texts[index] == "^" else "subscript"
            raise self._error(f"{self.texts[index]} has no {kind}", index,
                              "put the script in braces after it, e.g. x^{2}")
        self.out.append(self.texts[index])

    # -- commands -------------------------------------------------------------------------

    def _command(self, index: int, end: int) -> int:
        name = self.texts[index]
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, index, end)
        if name in _TEXT_FONTS:
            return self._text(index, end)
        if name in _SWITCHES:
            return self._switch(index)
        if name in _BIG:
            return self._big(index, end)
        if name in _LIMIT_OPERATORS:
            return self._limit_operator(index, end)
        if name in _SIMPLE_RENAMES:
            self.out.append(_SIMPLE_RENAMES[name] + " ")
            return index + 1
        if name in _FORBIDDEN:
            raise self._error(_FORBIDDEN[name], index, _FORBIDDEN_HINTS.get(name))
        if name not in _KNOWN:
            raise self._unknown(name, index)
        if name in _MATRIX_COMMANDS:
            return self._matrix_command(index, end)
        if name in _DIMENSION_ARGUMENTS:
            return self._dimensions(index, end)
        if name in _ARGUMENT_COUNTS:
            self._check_arguments(index, end)
        self.out.append(name)
        if name[1:].isalpha():
            self.out.append(" ")
        return index + 1

    def _check_arguments(self, index: int, end: int) -> None:
        """Every argument the command needs is there (each is rewritten when reached)."""
        name = self.texts[index]
        after = index + 1
        if name in _OPTIONAL_ARGUMENT:
            option = self._skip_space(after, end)
            if option < end and self.texts[option] == "[":
                after = self._option_end(option, end)
        count = _ARGUMENT_COUNTS[name]
        for _ in range(count):
            after = self._skip_space(after, end)
            if (after >= end or self.texts[after] in _SCRIPT_END
                    or self.texts[after] in _SWITCHES):
                raise self._error(f"{name} is missing an argument", index,
                                  f"give it {count} argument(s) in braces: {name}"
                                  + "{…}" * count)
            after = self.closing[after] + 1 if self.texts[after] == "{" else after + 1

    def _option_end(self, index: int, end: int) -> int:
        """Index after the ``]`` closing the ``[`` at ``index``."""
        depth_skip = index + 1
        while depth_skip < end and self.texts[depth_skip] != "]":
            if self.texts[depth_skip] == "{":
                depth_skip = self.closing[depth_skip]
            depth_skip += 1
        if depth_skip >= end:
            raise self._error("unclosed [ (optional argument)", index, "add the missing ]")
        return depth_skip + 1

    def _matrix_command(self, index: int, end: int) -> int:
        name = self.texts[index]
        brace = self._skip_space(index + 1, end)
        if brace >= end or self.texts[brace] != "{":
            raise self._error(f"{name} needs its rows in braces", index,
                              f"e.g. {name}{{a \\\\ b}}")
        close = self.closing[brace]
        env = _Env("", "", columns=name != r"\displaylines")
        self.out.append("{" + name + "{")
        self.stack.append(_Frame("env", self.offsets[index], name[1:], env))
        self.run(brace + 1, close)
        self.stack.pop()
        self.out.append("}}")
        return close + 1

    def _dimensions(self, index: int, end: int) -> int:
        """\\hspace{1em}, \\kern2pt ...: each argument one plain TeX dimension."""
        name = self.texts[index]
        after = index + 1
        values = []
        for _ in range(_DIMENSION_ARGUMENTS[name]):
            after = self._skip_space(after, end)
            if after < end and self.texts[after] == "{":
                value, after = self._raw(after + 1, self.closing[after]), self.closing[after] + 1
            else:
                value, after = self._loose_dimension(after, end)
            if not _DIMENSION_RE.fullmatch(value):
                raise self._error(f"{name} needs a length such as 1em or 2pt", index)
            values.append("{" + "".join(value.split()) + "}")
        self.out.append(name + "".join(values))
        return after

    def _loose_dimension(self, index: int, end: int) -> tuple[str, int]:
        """A dimension written without braces (``\\kern2pt``): as many tokens as it spans."""
        text = self._raw(index, min(end, index + 12))
        match = _DIMENSION_RE.match(text)
        if not match:
            return "", index
        length = 0
        while index < end and length < match.end():
            length += len(self.texts[index])
            index += 1
        return match.group(), index

    def _unknown(self, name: str, index: int) -> MathError:
        if name[1:2].isalpha():
            guess = did_you_mean(name, _KNOWN)
            if guess and abs(len(guess) - len(name)) > 3:
                guess = None  # a far shorter or longer name is no typo of this one
            operator = rf"write \operatorname{{{name[1:]}}} for an operator name"
            hint = f"did you mean {guess}? (or {operator})" if guess else operator
            return self._error(f"unknown command {name}", index, hint)
        return self._error(f"{name} is not valid in math", index)

    def _line_break(self, index: int, end: int) -> int:
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.kind == "left":
            raise MathError(r"a \\ line break cannot sit between \left and \right",
                            r"close the \left … \right on each line, or use \big( … \big)",
                            frame.offset)
        self.out.append(r"\\ ")
        index += 1
        if index < end and self.texts[index] == "*":
            index += 1
        if index < end and self.texts[index] == "[":
            close = index + 1
            while close < end and self.texts[close] not in ("]", "{", "}", r"\\"):
                close += 1
            if close < end and self.texts[close] == "]" and _DIMENSION_RE.fullmatch(
                    self._raw(index + 1, close)):
                index = close + 1  # row spacing: MathML rows space themselves
        return index

    def _begin(self, index: int, end: int) -> int:
        name, after = self._environment_name(index, end)
        env = _ENVIRONMENTS.get(name)
        if env is None:
            guess = did_you_mean(name, _ENVIRONMENTS)
            supported = "aligned, cases, array, pmatrix, bmatrix, matrix, gathered, split"
            hint = f"did you mean {guess}?" if guess else f"supported: {supported}, …"
            raise self._error(f"unknown environment {name}", index, hint)
        after = self._skip_option(after, end) if env.position else after
        begin = env.begin
        if env.argument:
            first, last, after = self._argument(after, end, rf"\begin{{{name}}}")
            if env.argument == "spec":
                spec = "".join(self._raw(first, last).split())
                if not _ARRAY_SPEC_RE.fullmatch(spec):
                    raise self._error(f"unsupported column spec {{{spec}}}", first,
                                      "use only l, c, r and |, one letter per column")
                begin += "{" + spec + "}"
        self.stack.append(_Frame("env", self.offsets[index], name, env))
        self.out.append(begin + " ")
        return after

    def _end(self, index: int, end: int) -> int:
        name, after = self._environment_name(index, end)
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is None:
            raise self._error(rf"\end{{{name}}} without a matching \begin{{{name}}}", index)
        if frame.kind == "env" and frame.name != name:
            raise self._error(rf"\end{{{name}}} does not match \begin{{{frame.name}}}", index,
                              rf"close it with \end{{{frame.name}}}")
        if frame.kind != "env":
            raise self._unclosed(frame)
        self.stack.pop()
        assert frame.env is not None
        self.out.append(frame.env.end + " ")
        return after

    def _environment_name(self, index: int, end: int) -> tuple[str, int]:
        brace = self._skip_space(index + 1, end)
        if brace >= end or self.texts[brace] != "{":
            raise self._error(f"{self.texts[index]} needs an environment name in braces", index)
        close = self.closing[brace]
        return self._raw(brace + 1, close).strip(), close + 1

    def _skip_option(self, index: int, end: int) -> int:
        """Drop an optional ``[t]`` placement argument."""
        after = self._skip_space(index, end)
        if after + 2 < end and self.texts[after] == "[" and self.texts[after + 2] == "]":
            return after + 3
        return index

    def _left(self, index: int, end: int) -> int:
        delimiter, after = self._delimiter(index, end)
        self.stack.append(_Frame("left", self.offsets[index]))
        self.out.append(r"\left" + delimiter + " ")
        return after

    def _right(self, index: int, end: int) -> int:
        delimiter, after = self._delimiter(index, end)
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.kind != "left":
            if frame is not None and frame.kind == "env":
                raise self._unclosed(frame)
            raise self._error(r"\right without a matching \left", index,
                              r"add a \left before it, or use \big) for a lone delimiter")
        self.stack.pop()
        self.out.append(r"\right" + delimiter + " ")
        return after

    def _middle(self, index: int, end: int) -> int:
        delimiter, after = self._delimiter(index, end)
        self._close_switches()
        if not self.stack or self.stack[-1].kind != "left":
            raise self._error(r"\middle outside \left … \right", index)
        self.out.append(r"\middle" + delimiter + " ")
        return after

    def _delimiter(self, index: int, end: int) -> tuple[str, int]:
        """The delimiter after \\left, \\right or \\middle, in a form latex2mathml knows."""
        after = self._skip_space(index + 1, end)
        text = self.texts[after] if after < end else ""
        if text == ".":
            return ".", after + 1
        if text in ("<", ">"):
            return (r"\langle " if text == "<" else r"\rangle "), after + 1
        if text in _DELIMITER_CHARS:
            return text, after + 1
        if text in _DELIMITER_COMMANDS:
            return (r"|" if text == r"\mid" else text + " "), after + 1
        raise self._error(f"{self.texts[index]} needs a delimiter such as ( [ | or .",
                          index, rf"use {self.texts[index]}. for an invisible delimiter")

    def _big(self, index: int, end: int) -> int:
        after = self._skip_space(index + 1, end)
        text = self.texts[after] if after < end else ""
        if text == ".":
            return after + 1
        if text in _DELIMITER_CHARS:
            char = _DELIMITER_CHARS[text]
        elif text in _DELIMITER_COMMANDS:
            char = chr(int(SYMBOLS[text], 16))
        else:
            char = ""
        if not char:
            raise self._error(f"{self.texts[index]} must be followed by a delimiter", index,
                              rf"e.g. {self.texts[index]}( or {self.texts[index]}\vert")
        self.out.append(self.texts[index] + " " + char.translate(_PROTECT) + " ")
        return after + 1

    def _not(self, index: int, end: int) -> int:
        after = self._skip_space(index + 1, end)
        if after < end and self.texts[after] in _NOT_RENAMES:
            self.out.append(_NOT_RENAMES[self.texts[after]] + " ")
            return after + 1
        negated = self.texts[after] if after < end else ""
        if (not negated or negated in _SCRIPT_END or negated == "{" or negated.isspace()
                or (len(negated) > 1 and (negated not in SYMBOLS
                                          or negated in _ARGUMENT_COUNTS))):
            raise self._error(r"\not needs a relation symbol to negate", index,
                              r"e.g. \not\in, \not= (or use \neq, \notin)")
        self.out.append(r"\not ")
        return index + 1

    def _switch(self, index: int) -> int:
        self.stack.append(_Frame("switch", self.offsets[index]))
        self.out.append("{" + self.texts[index] + " ")
        return index + 1

    def _color(self, index: int, end: int) -> int:
        first, last, after = self._argument(index + 1, end, self.texts[index])
        written = self._raw(first, last).strip()
        color = _mathml_colour(written)
        if color is None:
            guess = did_you_mean(written.lower(), _CSS_COLOURS)
            raise self._error(f"unsupported colour {written!r}", first,
                              f"did you mean {guess}?" if guess else
                              "use a CSS colour name or #rgb / #rrggbb")
        self.out.append(rf"\textcolor{{{color}}}")
        following = self._skip_space(after, end)
        if self.texts[index] == r"\textcolor" or (following < end
                                                  and self.texts[following] == "{"):
            return following  # the argument group is rewritten as an ordinary group
        self.stack.append(_Frame("switch", self.offsets[index]))
        self.out.append("{")
        return after

    def _tag(self, index: int, end: int) -> int:
        starred = index + 1 < end and self.texts[index + 1] == "*"
        first, last, after = self._argument(index + 2 if starred else index + 1, end, r"\tag")
        if not self.display:
            raise self._error(r"\tag is only allowed in display math", index,
                              "use $$…$$ for a numbered equation")
        if self.tag is not None:
            raise self._error(r"only one \tag per formula", index)
        label = " ".join(self._raw(first, last).split())
        self.tag = label if starred else f"({label})"
        return after

    def _label(self, index: int, end: int) -> int:
        return self._argument(index + 1, end, r"\label")[2]

    def _limit_operator(self, index: int, end: int) -> int:
        following = self._skip_space(index + 1, end)
        if following < end and self.texts[following] in ("_", "^"):
            self._emit_operator(_LIMIT_OPERATORS[self.texts[index]], limits=True)
            self.out.append(r"\limits ")
        else:
            self.out.append(self.texts[index] + " ")
        return index + 1

    # -- operator names ---------------------------------------------------------------------

    def _operator(self, index: int, end: int) -> int:
        name = self.texts[index]
        starred = name == r"\operatorname" and index + 1 < end and self.texts[index + 1] == "*"
        limits = starred or name in (r"\operatornamewithlimits", r"\mathop")
        first, last, after = self._argument(index + 2 if starred else index + 1, end, name)
        text = self._operator_text(first, last)
        following = self._skip_space(after, end)
        following_text = self.texts[following] if following < end else ""
        if text is None or not text:
            # Not plain text (say \mathop{\sum}): keep the body as an ordinary group.
            self.out.append("{")
            self.run(first, last)
            self.out.append("}")
            if following_text in (r"\limits", r"\nolimits"):
                return following + 1
            return after
        self._emit_operator(text, limits)
        if limits and following_text in ("_", "^"):
            self.out.append(r"\limits ")
        return after

    def _emit_operator(self, text: str, limits: bool) -> None:
        if not text.isascii() or not text.isalpha():
            mark = _OPERATOR_MARK + _letters(len(self.operators))
            self.operators[mark] = text
            text = mark
        self.out.append((r"\operatorname*{" if limits else r"\operatorname{") + text + "}")

    def _operator_text(self, start: int, end: int) -> str | None:
        """The text of an operator-name body, or None when it holds more than text."""
        pieces: list[str] = []
        index = start
        while index < end:
            text = self.texts[index]
            if text in _OPERATOR_SPACES:
                pieces.append(_OPERATOR_SPACES[text])
            elif text in _OPERATOR_TEXT_WRAPPERS:
                first, last, index = self._argument(index + 1, end, text)
                inner = self._operator_text(first, last)
                if inner is None:
                    return None
                pieces.append(inner)
                continue
            elif text[0] == "\\" and len(text) > 1:
                return None
            elif text not in ("{", "}") and not text.isspace():
                pieces.append(text)
            index += 1
        return "".join(pieces)

    # -- text -----------------------------------------------------------------------------

    def _text(self, index: int, end: int) -> int:
        first, last, after = self._argument(index + 1, end, self.texts[index])
        before = len(self.out)
        self._text_pieces(first, last, _TEXT_FONTS[self.texts[index]])
        if len(self.out) == before:
            self.out.append("{}")  # \text{} is still an (empty) atom
        return after

    def _text_pieces(self, index: int, end: int, font: str) -> None:
        """Emit ``\\text{…}`` runs for plain text and groups for ``$…$`` inside it."""
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                self.out.append(font + "{" + _text_run("".join(buffer)) + "}")
                buffer.clear()

        while index < end:
            text = self.texts[index]
            if text == "$":
                close = index + 1
                while close < end and self.texts[close] != "$":
                    close += 1
                if close >= end:
                    raise self._error("unclosed $ inside text", index, "add the closing $")
                flush()
                self.stack.append(_Frame("text", self.offsets[index]))
                self.out.append("{")
                self.run(index + 1, close)
                self.out.append("}")
                self.stack.pop()
                index = close + 1
                continue
            if text in _TEXT_FONTS:
                flush()
                first, last, index = self._argument(index + 1, end, text)
                self._text_pieces(first, last, _TEXT_FONTS[text])
                continue
            if text in _TEXT_ESCAPES:
                buffer.append(_TEXT_ESCAPES[text])
                if text[1:].isalpha():  # TeX drops the spaces after a control word
                    index = self._skip_space(index + 1, end)
                    continue
            elif text[0] == "\\" and len(text) > 1:
                raise self._error(f"{text} cannot be used inside text", index,
                                  "put math inside the text between $…$, e.g. "
                                  r"\text{for $\alpha$}")
            elif text not in ("{", "}"):
                buffer.append(" " if text.isspace() else text)
            index += 1
        flush()


def _text_run(text: str) -> str:
    """Plain text as latex2mathml reads it: ligatures made, spaces collapsed, specials hidden."""
    for ligature, char in _TEXT_LIGATURES:
        text = text.replace(ligature, char)
    return re.sub(r" {2,}", " ", text).translate(_PROTECT)


def _letters(number: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": placeholder suffixes made of letters only."""
    digits = ""
    while True:
        number, rest = divmod(number, 26)
        digits = chr(ord("a") + rest) + digits
        if number == 0:
            return digits


_HANDLERS = {
    r"\\": _Rewriter._line_break,
    r"\begin": _Rewriter._begin,
    r"\end": _Rewriter._end,
    r"\left": _Rewriter._left,
    r"\right": _Rewriter._right,
    r"\middle": _Rewriter._middle,
    r"\not": _Rewriter._not,
    r"\color": _Rewriter._color,
    r"\textcolor": _Rewriter._color,
    r"\tag": _Rewriter._tag,
    r"\label": _Rewriter._label,
    r"\operatorname": _Rewriter._operator,
    r"\operatornamewithlimits": _Rewriter._operator,
    r"\mathop": _Rewriter._operator,
}


# --------------------------------------------------------------------------------------------
# Step 2 and 3: convert, check, polish, serialise
# --------------------------------------------------------------------------------------------

def _convert(tex: str, display: bool) -> ElementTree.Element:
    """latex2mathml's element tree; whatever it raises becomes a MathError."""
    try:
        return l2m_converter.convert_to_element(tex, display="block" if display else "inline")
    except RecursionError:
        raise MathError("formula is nested too deeply", None, None) from None
    except Exception as problem:  # noqa: BLE001 - the library raises many unrelated types
        name = type(problem).__name__
        message, hint = _EXCEPTION_MESSAGES.get(
            name, ("cannot convert this formula", f"the converter failed with {name}"))
        raise MathError(message, hint, None) from None


def _polish(root: ElementTree.Element, source: str, operators: dict[str, str]) -> None:
    """Check the tree for silent failures and fix what browsers would render wrongly."""
    for element in root.iter():
        _mark_accent(element)  # before the entity strings are decoded
    for element in root.iter():
        if element.text:
            element.text = _polish_text(element, element.text, source, operators)
        if element.tail and element.tail.strip():
            raise MathError("cannot convert this formula", "text outside an element")
        element.tail = None
        for key, value in list(element.attrib.items()):
            if "\\" in value:
                raise _leak_error(value, source)
            if not value:
                del element.attrib[key]
        _check_shape(element)
        variant = element.get("mathvariant")
        if variant and variant != "normal" and element.tag in ("mi", "mn") and element.text:
            styled = [_STYLED.get((variant, char)) for char in element.text]
            if all(styled):
                element.text = "".join(styled)  # type: ignore[arg-type]
                del element.attrib["mathvariant"]
        if element.tag == "mo" and "minsize" in element.attrib:
            element.set("stretchy", "true")
        _classify_symbol(element)
        if element.tag == "mo" and element.text in _UNSPACED and "lspace" not in element.attrib:
            # TeX sets |, \| and ! as ordinary or closing symbols: no space around them
            # (browsers would space "|S|!" like "| S | !" as infix operators).
            element.set("lspace", "0")
            element.set("rspace", "0")


_UNSPACED = frozenset({"|", "\u2016", "!"})


def _classify_symbol(element: ElementTree.Element) -> None:
    """Fix the few symbols whose mi/mo choice in latex2mathml gives TeX-unlike spacing."""
    text = element.text or ""
    if len(text) != 1 or element.tag not in ("mi", "mo") or element.attrib:
        return
    if element.tag == "mo" and text in _ORDINARY_SYMBOLS:
        element.tag = "mi"
        variant = _ORDINARY_SYMBOLS[text]
        if variant:
            element.set("mathvariant", variant)
    elif element.tag == "mi" and text != "\u00ac" and unicodedata.category(text) == "Sm":
        element.tag = "mo"  # ±, ⟹, ⟂, ⧵ ...: relations and operators, spaced as such
    elif element.tag == "mi" and unicodedata.category(text) in ("Ps", "Pe"):
        element.tag = "mo"  # ⟨ ⟩ ⌊ ⌋ ...: fences
        element.set("stretchy", "false")


def _operator_name(element: ElementTree.Element) -> ElementTree.Element | None:
    """The ``mi``/``mo`` holding a name like log, max or arg min (maybe under scripts)."""
    core = element[0] if element.tag in _SCRIPTED and len(element) else element
    text = core.text or ""
    if core.tag in ("mi", "mo") and len(text) > 1 and text[0].isalpha():
        return core
    return None


def _space_operator_names(root: ElementTree.Element) -> None:
    """Space operator names as TeX does: a thin space against ordinary neighbours.

    Browsers put no space between ``<mi>log</mi><mi>p</mi>`` ("logp") and a thick one
    around an unknown ``<mo>``; TeX puts a thin space between an operator name and the
    letter, number or other operator name beside it, and none before a parenthesis.
    """
    for parent in [element for element in root.iter() if element.tag in _ROW_LIKE]:
        children = list(parent)
        if not any(_operator_name(child) is not None for child in children):
            continue
        spaced: list[ElementTree.Element] = []
        for position, child in enumerate(children):
            core = _operator_name(child)
            if core is None:
                spaced.append(child)
                continue
            if core.tag == "mo":
                core.set("lspace", "0")
                core.set("rspace", "0")
            if spaced and _is_ordinary(spaced[-1]):
                spaced.append(_thin_space())
            spaced.append(child)
            following = children[position + 1] if position + 1 < len(children) else None
            if following is not None and (_is_ordinary(following)
                                          or _operator_name(following) is not None):
                spaced.append(_thin_space())
        parent[:] = spaced


def _is_ordinary(element: ElementTree.Element) -> bool:
    """Not an operator, fence or space (those bring their own spacing)."""
    if element.tag in ("mo", "mspace") or _operator_name(element) is not None:
        return False
    # A \\left( … \\right) group starts with its fence.
    return not (element.tag == "mrow" and len(element) and element[0].tag == "mo")


def _thin_space() -> ElementTree.Element:
    return ElementTree.Element("mspace", {"width": _THIN_SPACE})


def _mark_accent(element: ElementTree.Element) -> None:
    """An accent (\\hat, \\vec, \\overline ...) sits tight on its base, at full size."""
    attribute = {"mover": "accent", "munder": "accentunder"}.get(element.tag)
    if attribute and len(element) == 2 and element[1].tag == "mo" and (
            element[1].text in _ACCENTS):
        element.set(attribute, "true")


def _polish_text(element: ElementTree.Element, raw: str, source: str,
                 operators: dict[str, str]) -> str:
    if raw == "&" and element.tag in ("mi", "mo"):
        raise MathError("& outside a table environment",
                        r"write \& for an ampersand", source.find("&") if "&" in source else None)
    text = _ENTITY_RE.sub(lambda m: chr(int(m.group(1), 16)), raw)
    if operators and text in operators:
        return operators[text]
    if _LEAK_RE.search(text):
        raise _leak_error(text, source)
    return text.translate(_RESTORE)


def _leak_error(text: str, source: str) -> MathError:
    match = _LEAK_RE.search(text)
    command = match.group() if match else text
    offset = source.find(command)
    return MathError(f"latex2mathml cannot convert {command}",
                     "rewrite this part of the formula", offset if offset >= 0 else None)


def _check_shape(element: ElementTree.Element) -> None:
    expected = _ARITY.get(element.tag)
    if expected is not None and len(element) != expected:
        raise MathError(f"incomplete formula: <{element.tag}> has {len(element)} of its "
                        f"{expected} parts", "check that every \\frac, ^, _ and \\sqrt[n] has "
                        "all its arguments")
    if element.tag in _TOKEN_ELEMENTS and len(element):
        raise MathError(f"cannot convert this formula: <{element.tag}> would hold markup",
                        r"a construct such as \mathop{…} around math is not supported")


def _serialise(element: ElementTree.Element, out: list[str]) -> None:
    out.append("<" + element.tag)
    for key, value in element.attrib.items():
        out.append(f' {key}="{_escape(value, quote=True)}"')
    out.append(">")
    if element.text:
        out.append(_escape(element.text))
    for child in element:
        _serialise(child, out)
    out.append(f"</{element.tag}>")


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;").replace("\n", "&#10;")
    return text.replace('"', "&quot;") if quote else text


@functools.lru_cache(maxsize=8192)
def tex_to_mathml(tex: str, *, display: bool) -> str:
    """Full ``<math>`` element for ``tex`` with the source as a TeX annotation.

    Returns one line: ``<math xmlns=… display="block|inline"><semantics>…<annotation
    encoding="application/x-tex">TEX</annotation></semantics></math>``, followed by
    ``<span class="math-tag">(1)</span>`` when display math carries ``\\tag{1}``.
    Raises MathError for anything that would not convert faithfully. Memoised on
    (tex, display): a site repeats the same formulas across posts and rebuilds.
    """
    bad_char = _FORBIDDEN_CHARS_RE.search(tex)
    if bad_char:
        raise MathError(f"unsupported character U+{ord(bad_char.group()):04X}", None,
                        bad_char.start())
    rewriter = _Rewriter(tex, display)
    rewritten = rewriter.rewrite()
    if not rewritten.strip():
        raise MathError("empty formula", None, 0)
    root = _convert(rewritten, display)
    _polish(root, tex, rewriter.operators)
    _space_operator_names(root)
    if len(root) != 1:
        raise MathError("cannot convert this formula", "unexpected converter output")
    mode = "block" if display else "inline"
    out = [f'<math xmlns="{MATHML_NS}" display="{mode}"><semantics>']
    _serialise(root[0], out)
    out.append('<annotation encoding="application/x-tex">')
    out.append(_escape(tex))
    out.append("</annotation></semantics></math>")
    if rewriter.tag is not None:
        out.append(f'<span class="math-tag">{_escape(rewriter.tag)}</span>')
    html = "".join(out)
    try:
        ElementTree.fromstring(html if rewriter.tag is None else f"<p>{html}</p>")
    except ElementTree.ParseError as problem:  # pragma: no cover - a bug in _serialise
        raise MathError("cannot convert this formula", f"malformed MathML: {problem}") from None
    return html
