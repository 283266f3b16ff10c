"""LaTeX as found in BibTeX fields, decoded to plain Unicode text.

Reference fields are written in a small, forgiving subset of LaTeX: accents (``{\\"u}``,
``\\'{e}``, ``{\\'\\i}``), special letters (``\\ss``, ``\\o``), ligatures (``--``, ``````),
escaped specials (``\\&``), formatting commands (``\\emph{x}``, ``{\\em x}``), protective
braces and the odd bit of math. The decoder renders what a reader would see in the typeset
reference, and never lets a ``\\command`` or a brace through: an unknown command is dropped
and its arguments are kept as text, so a typo costs a word's formatting, never the page.

Two forms come out. :func:`latex_to_text` gives plain text. :func:`latex_to_rich` keeps what
a typeset reference would show beyond the letters: italics (``\\emph``, ``{\\em ...}``), bold,
small capitals (``\\textsc``), super- and subscripts, and the parts of a title that braces
protect from case changes (``{BERT}``), which CSL styles need. That markup travels as
private-use characters around the text it applies to (:data:`ITALIC` ... :data:`END`), so the
rich form is still a plain string that can be stripped, compared and pickled; input never
contains them (they are removed before decoding). :func:`rich_to_html` turns it into escaped
HTML; escaping plain text for HTML is the caller's job.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["latex_to_text", "latex_to_rich", "decode_url", "strip_rich", "rich_to_html"]

ITALIC = "\ue010"
BOLD = "\ue011"
SMALL_CAPS = "\ue012"
SUPERSCRIPT = "\ue013"
SUBSCRIPT = "\ue014"
NO_CASE = "\ue015"
"""Protected by braces: a style must not change its case (``{BERT}``, ``{Gauss}``)."""
END = "\ue01f"
"""Closes the innermost open mark."""
_MARKS = re.compile("[\ue010-\ue01f]")
_HTML_TAGS = {ITALIC: ("<i>", "</i>"), BOLD: ("<b>", "</b>"),
              SMALL_CAPS: ('<span class="smallcaps">', "</span>"),
              SUPERSCRIPT: ("<sup>", "</sup>"), SUBSCRIPT: ("<sub>", "</sub>"),
              NO_CASE: ("", "")}

TEX_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"),
                 ("`", "\u2018"), ("'", "\u2019"), ("~", "\u00a0"))
"""What TeX's fonts make of dashes, quotes and ``~`` in text, longest first: for ``.bib``
fields and for ``\\text{…}`` in formulas alike."""

# Accent commands and the combining character each one adds to the following letter.
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "b": "\u0331", "d": "\u0323",
    "t": "\u0361",
}
# What an accent looks like with nothing under it (``\'{}``).
_BARE_ACCENTS = {
    "'": "\u00b4", "`": "`", "^": "^", '"': "\u00a8", "~": "~", "=": "\u00af",
    ".": "\u02d9", "u": "\u02d8", "v": "\u02c7", "H": "\u02dd", "c": "\u00b8",
    "k": "\u02db", "r": "\u02da",
}
# Dotless letters take the accent as their dotted form: {\'\i} is í.
_UNDOTTED = {"\u0131": "i", "\u0237": "j"}

# Control words that stand for text (letters, punctuation, logos, math symbols).
_SYMBOLS = {
    "ss": "ß", "SS": "SS", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "\u0131", "j": "\u0237", "dh": "ð",
    "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "textendash": "–", "textemdash": "—", "textquoteleft": "‘", "textquoteright": "’",
    "textquotedblleft": "“", "textquotedblright": "”", "textquotesingle": "'",
    "textquotedbl": '"', "quotesinglbase": "‚", "quotedblbase": "„",
    "guillemotleft": "«", "guillemotright": "»", "guilsinglleft": "‹", "guilsinglright": "›",
    "textasciitilde": "~", "textasciicircum": "^", "textunderscore": "_", "textbar": "|",
    "textless": "<", "textgreater": ">", "textbraceleft": "{", "textbraceright": "}",
    "textdollar": "$", "textregistered": "®", "texttrademark": "™", "textcopyright": "©",
    "copyright": "©", "dag": "†", "ddag": "‡", "textdagger": "†", "textdaggerdbl": "‡",
    "S": "§", "P": "¶", "textsection": "§", "textparagraph": "¶", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "textyen": "¥", "textdegree": "°",
    "textperiodcentered": "·", "textbullet": "•", "ldots": "…", "dots": "…",
    "textellipsis": "…", "cdots": "⋯", "quad": " ", "qquad": " ", "textexclamdown": "¡",
    "textquestiondown": "¿", "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX",
    "LaTeXe": "LaTeX2e", "textvisiblespace": "␣", "textordfeminine": "ª",
    "textordmasculine": "º", "textmu": "µ", "textpm": "±", "texttimes": "×",
    # Greek and the math symbols that turn up in paper titles.
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι",
    "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ",
    "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ",
    "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ell": "ℓ", "infty": "∞",
    "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃",
    "equiv": "≡", "propto": "∝", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔", "mapsto": "↦",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩",
    "forall": "∀", "exists": "∃", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏",
    "int": "∫", "sqrt": "√", "emptyset": "∅", "varnothing": "∅", "star": "⋆",
    "circ": "∘", "oplus": "⊕", "otimes": "⊗", "langle": "⟨", "rangle": "⟩",
    "lbrace": "{", "rbrace": "}", "vert": "|", "mid": "|", "ast": "∗", "prime": "′",
    "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "max": "max", "min": "min", "arg": "arg", "sup": "sup", "inf": "inf", "lim": "lim",
    "det": "det", "Pr": "Pr", "top": "⊤", "bot": "⊥",
}
# Control symbols: a backslash and one non-letter.
_CONTROL_SYMBOLS = {
    "&": "&", "%": "%", "_": "_", "$": "$", "#": "#", "{": "{", "}": "}", " ": " ",
    "\n": " ", "\t": " ", ",": "\u2009", ";": " ", ":": " ", "!": "", "-": "", "/": "",
    "@": "", "\\": " ", "|": "‖", "*": "",
}
# Commands whose (first) argument is not printed: sort keys, citations, labels.
_SWALLOWED_ARGUMENT = {
    "noopsort", "SortNoop", "sortnoop", "cite", "citep", "citet", "nocite", "label",
    "footnote", "vspace", "hspace", "index", "pdfbookmark",
}
# Formatting commands: their argument is shown with a mark, or (switches such as ``\\em``) the
# rest of the enclosing group is.
_MARK_COMMANDS = {
    "emph": ITALIC, "textit": ITALIC, "textsl": ITALIC, "mkbibemph": ITALIC, "mathit": ITALIC,
    "textbf": BOLD, "mathbf": BOLD, "mkbibbold": BOLD, "textsc": SMALL_CAPS,
    "textsuperscript": SUPERSCRIPT, "mkbibsuperscript": SUPERSCRIPT,
    "textsubscript": SUBSCRIPT,
}
_MARK_SWITCHES = {"em": ITALIC, "it": ITALIC, "itshape": ITALIC, "sl": ITALIC, "slshape": ITALIC,
                  "bf": BOLD, "bfseries": BOLD, "sc": SMALL_CAPS, "scshape": SMALL_CAPS}
# Commands that quote their argument (biblatex's \mkbibquote, csquotes' \enquote).
_QUOTE_COMMANDS = {"mkbibquote", "enquote", "textquote"}
# Commands whose argument is printed verbatim: URLs keep their ``~``, ``--`` and ``%``.
_VERBATIM_ARGUMENT = {"url", "nolinkurl", "path", "doi"}

_SUPERSCRIPTS = dict(zip("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", strict=True))
_SUBSCRIPTS = dict(zip("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True))

# Text without any of these characters decodes to itself (after whitespace folding).
_NEEDS_DECODING = re.compile(r"[\\{}$~`']|--")
_SPACES = re.compile(r"[ \t\r\n]+")
_MAX_DEPTH = 60


def latex_to_text(source: str) -> str:
    """Decode a BibTeX field value to the plain text a reader would see.

    Whitespace is folded to single spaces and trimmed; ``~`` becomes a no-break space,
    which survives the folding. The result never contains a brace or a ``\\command``,
    except where the source asked for a literal backslash (``\\textbackslash``).
    """
    return strip_rich(latex_to_rich(source)).strip()


def latex_to_rich(source: str) -> str:
    """Like :func:`latex_to_text`, with formatting and case protection kept as marks."""
    if not source:
        return ""
    text = _MARKS.sub("", source)
    if _NEEDS_DECODING.search(text):
        text = _Decoder(text, protect=True).decode()
    text = _SPACES_AND_MARKS.sub(_one_space, _drop_empty_marks(text)).strip()
    return unicodedata.normalize("NFC", text)


def strip_rich(text: str) -> str:
    """The plain text of a rich string."""
    return _MARKS.sub("", text) if text else text


def rich_to_html(text: str) -> str:
    """A rich string as escaped HTML: ``<i>``, ``<b>``, ``<sup>``, ``<sub>`` and
    ``<span class="smallcaps">``; every tag opened is closed, whatever the marks say."""
    out: list[str] = []
    stack: list[str] = []
    start = 0
    for match in _MARKS.finditer(text):
        out.append(html.escape(text[start:match.start()]))
        start = match.end()
        mark = match.group()
        if mark == END:
            if stack:
                out.append(_HTML_TAGS[stack.pop()][1])
        elif mark in _HTML_TAGS:
            stack.append(mark)
            out.append(_HTML_TAGS[mark][0])
    out.append(html.escape(text[start:]))
    out.extend(_HTML_TAGS[mark][1] for mark in reversed(stack))
    return "".join(out)


_SPACES_AND_MARKS = re.compile("[ \t\r\n]+((?:[\ue010-\ue01f][ \t\r\n]*)*)")


def _one_space(match: re.Match[str]) -> str:
    """A run of spaces, with marks among them, is one space followed by the marks."""
    return " " + _SPACES.sub("", match.group(1))


def _drop_empty_marks(text: str) -> str:
    """``\\emph{}`` leaves a mark around nothing: drop it (and any that become empty)."""
    if END not in text:
        return text
    previous = None
    while previous != text:
        previous = text
        text = re.sub("[\ue010-\ue01e]\\s*\ue01f", "", text)
    return text


def decode_url(source: str) -> str:
    """A URL as written in a ``.bib``: unwrap ``\\url{}``, unescape ``\\_`` and friends.

    URLs are not run through :func:`latex_to_text`: ``--`` and ``~`` mean themselves there.
    """
    text = source.strip()
    match = re.fullmatch(r"\\(?:url|href)\s*\{(.*?)\}.*", text, re.DOTALL)
    if match:
        text = match.group(1)
    text = re.sub(r"\\(?:textasciitilde|~)\s*(?:\{\})?", "~", text)
    text = re.sub(r"\\([_%&#$~])", r"\1", text)
    return text.replace("{", "").replace("}", "").strip()


class _Decoder:
    """One pass over a field value; ``pos`` moves forward only."""

    def __init__(self, text: str, depth: int = 0, math: bool = False, protect: bool = False):
        self.text = text
        self.pos = 0
        self.depth = depth
        self.math = math
        self.protect = protect
        """Braces at this level protect their text from case changes (the field's top)."""

    def decode(self) -> str:
        pieces: list[str] = []
        while self.pos < len(self.text):
            pieces.append(self._next_piece())
        return "".join(pieces)

    # -- the main dispatch ------------------------------------------------------------

    def _next_piece(self) -> str:
        char = self.text[self.pos]
        if char == "\\":
            return self._command()
        if char == "{":
            if self.protect and not self.text.startswith("{\\", self.pos):
                return NO_CASE + self._group() + END
            return self._group()  # a group prints its content; a switch inside ends with it
        if char == "}":
            self.pos += 1  # a stray closing brace prints nothing
            return ""
        if char == "$":
            return self._dollar_math()
        if self.math and char in "^_":
            self.pos += 1
            return self._script(char)
        if not self.math:
            ligature = self._ligature()
            if ligature is not None:
                return ligature
        self.pos += 1
        return char

    def _ligature(self) -> str | None:
        """Dashes, TeX quotes and ``~``, as TeX's fonts render them."""
        for written, shown in TEX_LIGATURES:
            if self.text.startswith(written, self.pos):
                self.pos += len(written)
                return shown
        return None

    # -- commands ---------------------------------------------------------------------

    def _command(self) -> str:
        self.pos += 1  # the backslash
        if self.pos >= len(self.text):
            return ""
        name = self._command_name()
        if name in ("(", "["):
            return self._delimited_math("\\)" if name == "(" else "\\]")
        if name in _ACCENTS:
            return self._accent(name)
        if name.startswith("textbackslash"):
            return self._backslash(name[len("textbackslash"):])
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _CONTROL_SYMBOLS:
            return _CONTROL_SYMBOLS[name]
        return self._other_command(name)

    def _command_name(self) -> str:
        """Read a control word (letters, then skip spaces) or a one-character symbol."""
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isascii() \
                and self.text[self.pos].isalpha():
            self.pos += 1
        if self.pos == start:
            self.pos += 1
            return self.text[start]
        name = self.text[start:self.pos]
        if not self.math:
            self._skip_spaces()
        return name

    def _other_command(self, name: str) -> str:
        if name in _MARK_COMMANDS:
            return _MARK_COMMANDS[name] + self._argument() + END
        if name in _MARK_SWITCHES:
            rest = self._nested(self.text[self.pos:], self.math)
            self.pos = len(self.text)
            return _MARK_SWITCHES[name] + rest + END
        if name in _QUOTE_COMMANDS:
            return "“" + self._argument() + "”"
        if name in _VERBATIM_ARGUMENT:
            return self._raw_group()
        if name in _SWALLOWED_ARGUMENT:
            self._skip_optional_argument()
            self._raw_group()
            return ""
        if name == "href":
            self._raw_group()
            return ""  # the link text follows as an ordinary group
        if name == "frac":
            numerator, denominator = self._argument(), self._argument()
            return f"{numerator}/{denominator}"
        # Unknown or formatting command (\emph, \textbf, \em, \mathrm...): drop the name,
        # its arguments are ordinary groups and print as text.
        return ""

    def _backslash(self, rest: str) -> str:
        """``\\textbackslash``, including the doubly escaped LaTeX some exporters write.

        ``d\\textbackslashtextquotesingle`` and ``Szemer\\textbackslash'edi`` are LaTeX
        that went through an escaper twice; the command they meant is decoded instead of
        printing a backslash and a command name.
        """
        if rest:
            return self._reinterpret(rest)
        following = self.text[self.pos:self.pos + 1]
        if following and (following in _ACCENTS or following in "&%_$#"):
            self.pos += 1
            return self._reinterpret(following)
        return "\\"

    def _reinterpret(self, name: str) -> str:
        if name in _ACCENTS:
            return self._accent(name)
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _CONTROL_SYMBOLS:
            return _CONTROL_SYMBOLS[name]
        return self._other_command(name)

    def _accent(self, accent: str) -> str:
        if accent.isalpha():
            self._skip_spaces()
        base = self._accent_base()
        if not base:
            return _BARE_ACCENTS.get(accent, "")
        first = _UNDOTTED.get(base[0], base[0])
        return unicodedata.normalize("NFC", first + _ACCENTS[accent]) + base[1:]

    def _accent_base(self) -> str:
        if self.pos >= len(self.text):
            return ""
        char = self.text[self.pos]
        if char == "{":
            return self._argument()
        if char == "\\":
            return self._command()
        if char == "}":
            return ""
        self.pos += 1
        return char

    # -- arguments --------------------------------------------------------------------

    def _group_end(self) -> int:
        """Index of the brace closing the group opened at ``pos`` (or the text's end)."""
        level = 0
        index = self.pos
        while index < len(self.text):
            char = self.text[index]
            if char == "\\":
                index += 2
                continue
            if char == "{":
                level += 1
            elif char == "}":
                level -= 1
                if level == 0:
                    return index
            index += 1
        return len(self.text)

    def _group(self) -> str:
        """The ``{group}`` at ``pos``, decoded."""
        end = self._group_end()
        inner = self.text[self.pos + 1:end]
        self.pos = end + 1
        return self._nested(inner, self.math)

    def _raw_group(self) -> str:
        """The text of the next ``{...}`` group, undecoded (URLs, sort keys)."""
        self._skip_spaces()
        if not self.text.startswith("{", self.pos):
            return ""
        end = self._group_end()
        inner = self.text[self.pos + 1:end]
        self.pos = end + 1
        return decode_url(inner) if inner else ""

    def _argument(self) -> str:
        """The next argument, decoded: a ``{group}``, a command, or one character."""
        self._skip_spaces()
        if self.pos >= len(self.text):
            return ""
        if self.text[self.pos] == "\\":
            return self._command()
        if self.text[self.pos] == "}":
            return ""  # a missing argument: the brace closes the enclosing group
        if self.text[self.pos] != "{":
            self.pos += 1
            return self.text[self.pos - 1]
        end = self._group_end()
        inner = self.text[self.pos + 1:end]
        self.pos = end + 1
        return self._nested(inner, self.math)

    def _nested(self, text: str, math: bool) -> str:
        if self.depth >= _MAX_DEPTH:  # absurd nesting: keep the letters, lose the markup
            return re.sub(r"\\[A-Za-z]+|\\.|[{}$]", "", text)
        return _Decoder(text, self.depth + 1, math).decode()

    def _skip_optional_argument(self) -> None:
        self._skip_spaces()
        if self.text.startswith("[", self.pos):
            end = self.text.find("]", self.pos)
            self.pos = len(self.text) if end < 0 else end + 1

    def _skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n\r":
            self.pos += 1

    # -- math -------------------------------------------------------------------------

    def _dollar_math(self) -> str:
        delimiter = "$$" if self.text.startswith("$$", self.pos) else "$"
        self.pos += len(delimiter)
        return self._delimited_math(delimiter)

    def _delimited_math(self, closing: str) -> str:
        """Math keeps its text: symbols become Unicode, spacing is kept as written."""
        end = self._find_unescaped(closing)
        inner = self.text[self.pos:end]
        self.pos = min(len(self.text), end + len(closing))
        return self._nested(inner, math=True)

    def _find_unescaped(self, needle: str) -> int:
        index = self.pos
        while True:
            index = self.text.find(needle, index)
            if index < 0:
                return len(self.text)
            if needle.startswith("\\") or self.text[index - 1] != "\\":
                return index
            index += 1

    def _script(self, marker: str) -> str:
        """``x^2`` becomes x², ``x_{ij}`` stays x_ij where Unicode has no glyph."""
        argument = self._argument()
        table = _SUPERSCRIPTS if marker == "^" else _SUBSCRIPTS
        if argument and all(char in table for char in argument):
            return "".join(table[char] for char in argument)
        return marker + argument
