r"""The rewriting pass: one walk over a formula's tokens that checks the TeX and writes what
latex2mathml converts faithfully.

Each rewrite exists because latex2mathml, run on real posts, produced wrong or broken output;
the rules live by job in :mod:`.environments` (tables), :mod:`.delimiters`, :mod:`.operators`
and :mod:`.text`. What stays here is the walk itself and the small rules:

- ``\color{c}{x}`` -> ``\textcolor{c}{x}`` (colours x, as MathJax-written posts mean);
  ``\color{c}`` as a switch, ``\scriptstyle``/``\displaystyle``, sizes and ``\rm``-style fonts
  -> wrapped in a group that ends where TeX's scope ends (``}``, ``&``, ``\\``, ``\end``,
  ``\right``). The library let a switch swallow the rest of an environment, cell separators
  included, or applied it to nothing inside a table cell.
- ``\tag{…}`` is lifted out (returned beside the MathML); ``\label{…}``, ``\nonumber``,
  ``\notag``, ``\/``, ``\-`` are dropped; ``\textbackslash`` -> ``\backslash``; ``\mathds``
  -> ``\mathbb``; ``\sim`` -> ``\thicksim`` (the table maps ``\sim`` to "~"); ``\not=`` ->
  ``\neq``.
- Checked on the way, each with the offset of the culprit: balanced braces, ``\begin``/
  ``\end`` and ``\left``/``\right`` pairs, ``&`` only in tables, no ``\\`` inside ``\left …
  \right``, every argument of ``\frac``, ``\hat``, ``^``, ``\sqrt`` ... present, lengths that
  are lengths, array column specs, colours, every command known (else a "did you mean"), no
  bare ``$`` (``\$`` is a dollar sign), and none of the commands the library mangles.
"""

from __future__ import annotations

from collections.abc import Callable

from ...errors import did_you_mean
from .base import Frame
from .colours import CSS_COLOURS, mathml_colour
from .delimiters import DelimiterRules
from .environments import LINES, EnvironmentRules
from .errors import MathError
from .operators import OperatorRules
from .text import TextRules
from .vocabulary import (
    ARGUMENT_COUNTS,
    BIG,
    DIMENSION_ARGUMENTS,
    DIMENSION_RE,
    FORBIDDEN,
    FORBIDDEN_HINTS,
    KNOWN,
    LIMIT_OPERATORS,
    MATRIX_COMMANDS,
    NOT_RENAMES,
    OPTIONAL_ARGUMENT,
    SCRIPT_END,
    SIMPLE_RENAMES,
    SWITCHES,
    TEXT_FONTS,
    centres_dots,
    is_symbol,
)


class Rewriter(EnvironmentRules, DelimiterRules, OperatorRules, TextRules):
    """One pass over the tokens: checks the TeX and writes what latex2mathml handles."""

    def rewrite(self) -> str:
        if self.display and self._breaks_at_top_level():
            # A browser ignores a line break in a row of math; MathJax (and authors) mean
            # one centred line per row.
            frame = Frame("env", 0, "displaylines", LINES)
            self.stack.append(frame)
            self.out.append(LINES.begin)
            self.run(0, len(self.texts))
            self.stack.pop()
            self.out.append(LINES.end)
        else:
            self.run(0, len(self.texts))
        return "".join(self.out)

    def _breaks_at_top_level(self) -> bool:
        """Whether a ``\\\\`` stands outside every group, environment and ``\\left``."""
        depth = 0
        for text in self.texts:
            if text in ("{", r"\begin", r"\left"):
                depth += 1
            elif text in ("}", r"\end", r"\right"):
                depth -= 1
            elif text == r"\\" and depth == 0:
                return True
        return False

    def run(self, index: int, end: int) -> None:
        """Rewrite tokens ``index .. end``; everything opened in the range closes in it."""
        depth = len(self.stack)
        while index < end:
            text = self.texts[index]
            if len(text) > 1 and text[0] == "\\":
                index = self._command(index, end)
                continue
            if text == "{":
                self.stack.append(Frame("brace", self.offsets[index]))
                self.out.append("{")
            elif text == "}":
                self._close_group(index)
            elif text == "&":
                self._cell_separator(index)
            elif text in ("^", "_"):
                self._script(index, end)
            elif text == ":":
                self._colon(index, end)
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

    def _script(self, index: int, end: int) -> None:
        after = self._skip_space(index + 1, end)
        following = self.texts[after] if after < end else ""
        if not following or following in SCRIPT_END or following in SWITCHES:
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
        if name in TEXT_FONTS:
            return self._text(index, end)
        if name in SWITCHES:
            return self._switch(index)
        if name in BIG:
            return self._big(index, end)
        if name in LIMIT_OPERATORS:
            return self._limit_operator(index, end)
        if name in SIMPLE_RENAMES:
            self.out.append(SIMPLE_RENAMES[name] + " ")
            return index + 1
        if name in FORBIDDEN:
            raise self._error(FORBIDDEN[name], index, FORBIDDEN_HINTS.get(name))
        if name not in KNOWN:
            raise self._unknown(name, index)
        if name in MATRIX_COMMANDS:
            return self._matrix_command(index, end)
        if name in DIMENSION_ARGUMENTS:
            return self._dimensions(index, end)
        if name in ARGUMENT_COUNTS:
            self._check_arguments(index, end)
        self.out.append(name)
        if name[1:].isalpha():
            self.out.append(" ")
        return index + 1

    def _check_arguments(self, index: int, end: int) -> None:
        """Every argument the command needs is there (each is rewritten when reached)."""
        name = self.texts[index]
        after = index + 1
        if name in OPTIONAL_ARGUMENT:
            option = self._skip_space(after, end)
            if option < end and self.texts[option] == "[":
                after = self._option_end(option, end)
        count = ARGUMENT_COUNTS[name]
        for _ in range(count):
            after = self._skip_space(after, end)
            if (after >= end or self.texts[after] in SCRIPT_END
                    or self.texts[after] in SWITCHES):
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

    def _dimensions(self, index: int, end: int) -> int:
        """\\hspace{1em}, \\kern2pt ...: each argument one plain TeX dimension."""
        name = self.texts[index]
        after = index + 1
        values = []
        for _ in range(DIMENSION_ARGUMENTS[name]):
            after = self._skip_space(after, end)
            if after < end and self.texts[after] == "{":
                value, after = self._raw(after + 1, self.closing[after]), self.closing[after] + 1
            else:
                value, after = self._loose_dimension(after, end)
            if not DIMENSION_RE.fullmatch(value):
                raise self._error(f"{name} needs a length such as 1em or 2pt", index)
            values.append("{" + "".join(value.split()) + "}")
        self.out.append(name + "".join(values))
        return after

    def _loose_dimension(self, index: int, end: int) -> tuple[str, int]:
        """A dimension written without braces (``\\kern2pt``): as many tokens as it spans."""
        text = self._raw(index, min(end, index + 12))
        match = DIMENSION_RE.match(text)
        if not match:
            return "", index
        length = 0
        while index < end and length < match.end():
            length += len(self.texts[index])
            index += 1
        return match.group(), index

    def _unknown(self, name: str, index: int) -> MathError:
        if name[1:2].isalpha():
            guess = did_you_mean(name, KNOWN)
            if guess and abs(len(guess) - len(name)) > 3:
                guess = None  # a far shorter or longer name is no typo of this one
            operator = rf"write \operatorname{{{name[1:]}}} for an operator name"
            hint = f"did you mean {guess}? (or {operator})" if guess else operator
            return self._error(f"unknown command {name}", index, hint)
        return self._error(f"{name} is not valid in math", index)

    def _not(self, index: int, end: int) -> int:
        after = self._skip_space(index + 1, end)
        if after < end and self.texts[after] in NOT_RENAMES:
            self.out.append(NOT_RENAMES[self.texts[after]] + " ")
            return after + 1
        negated = self.texts[after] if after < end else ""
        if (not negated or negated in SCRIPT_END or negated == "{" or negated.isspace()
                or (len(negated) > 1 and (not is_symbol(negated)
                                          or negated in ARGUMENT_COUNTS))):
            raise self._error(r"\not needs a relation symbol to negate", index,
                              r"e.g. \not\in, \not= (or use \neq, \notin)")
        self.out.append(r"\not ")
        return index + 1

    def _switch(self, index: int) -> int:
        self.stack.append(Frame("switch", self.offsets[index]))
        self.out.append("{" + self.texts[index] + " ")
        return index + 1

    def _color(self, index: int, end: int) -> int:
        first, last, after = self._argument(index + 1, end, self.texts[index])
        written = self._raw(first, last).strip()
        color = mathml_colour(written)
        if color is None:
            guess = did_you_mean(written.lower(), CSS_COLOURS)
            raise self._error(f"unsupported colour {written!r}", first,
                              f"did you mean {guess}?" if guess else
                              "use a CSS colour name or #rgb / #rrggbb")
        self.out.append(rf"\textcolor{{{color}}}")
        following = self._skip_space(after, end)
        if self.texts[index] == r"\textcolor" or (following < end
                                                  and self.texts[following] == "{"):
            return following  # the argument group is rewritten as an ordinary group
        self.stack.append(Frame("switch", self.offsets[index]))
        self.out.append("{")
        return after

    def _tag(self, index: int, end: int) -> int:
        """Dropped: :mod:`.numbering` reads tags and places them."""
        starred = index + 1 < end and self.texts[index + 1] == "*"
        after = self._argument(index + 2 if starred else index + 1, end, r"\tag")[2]
        if not self.display:
            raise self._error(r"\tag is only allowed in display math", index,
                              "use $$…$$ for a numbered equation")
        return after

    def _label(self, index: int, end: int) -> int:
        """Dropped: :mod:`.numbering` reads labels and numbers the equation."""
        after = self._argument(index + 1, end, r"\label")[2]
        if not self.display:
            raise self._error(r"\label is only allowed in display math", index,
                              "a label names a displayed equation: use $$…$$")
        return after

    def _reference(self, index: int, end: int) -> int:
        """``\\eqref{x}``/``\\ref{x}``: a marked ``<mtext>`` the page turns into a link."""
        first, last, after = self._argument(index + 1, end, self.texts[index])
        self.out.append(r"\text{" + self.reference_mark(self.texts[index], first, last) + "}")
        return after

    def _dots(self, index: int, end: int) -> int:
        """amsmath's ``\\dots`` looks at what follows: centred dots before a binary operator
        or relation (``x + \\dots = y``), low dots otherwise (``x_1, \\dots, x_n``)."""
        following = self._skip_space(index + 1, end)
        text = self.texts[following] if following < end else ""
        self.out.append(r"\dotsb " if centres_dots(text) else r"\dotsc ")
        return index + 1


_HANDLERS: dict[str, Callable[[Rewriter, int, int], int]] = {
    r"\\": Rewriter._line_break,
    r"\begin": Rewriter._begin,
    r"\end": Rewriter._end,
    r"\left": Rewriter._left,
    r"\right": Rewriter._right,
    r"\middle": Rewriter._middle,
    r"\not": Rewriter._not,
    r"\color": Rewriter._color,
    r"\textcolor": Rewriter._color,
    r"\tag": Rewriter._tag,
    r"\label": Rewriter._label,
    r"\operatorname": Rewriter._operator,
    r"\operatornamewithlimits": Rewriter._operator,
    r"\mathop": Rewriter._operator,
    r"\colon": Rewriter._colon,
    r"\eqref": Rewriter._reference,
    r"\ref": Rewriter._reference,
    r"\dots": Rewriter._dots,
    **dict.fromkeys((r"\mathrel", r"\mathbin", r"\mathpunct", r"\mathord", r"\mathopen",
                     r"\mathclose"), Rewriter._math_class),
}
