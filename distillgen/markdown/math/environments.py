r"""Tables: ``\begin{…}`` environments, cells, rows and the plain-TeX table commands.

latex2mathml knows ``align*``, ``array``, ``cases``, the matrices and ``\displaylines``; every
other environment a post uses is mapped onto one of those (``aligned`` leaked a raw ``&``,
unknown environments were silently dropped: here they are errors).
"""

from __future__ import annotations

from ...errors import did_you_mean
from .base import Env, Frame, RewriterBase
from .errors import MathError
from .vocabulary import ARRAY_SPEC_RE, DIMENSION_RE


def _passthrough(name: str, **extra) -> Env:
    return Env(rf"\begin{{{name}}}", rf"\end{{{name}}}", **extra)


_ALIGN = Env(r"\begin{align*}", r"\end{align*}")
_GATHER = Env(r"{\displaylines{", "}}", columns=False)
LINES = _GATHER
"""One centred line per row: what a display with a top-level ``\\\\`` becomes."""
ENVIRONMENTS: dict[str, Env] = {
    "aligned": Env(_ALIGN.begin, _ALIGN.end, position=True),
    "align": _ALIGN, "align*": _ALIGN, "flalign": _ALIGN, "flalign*": _ALIGN,
    "alignat": Env(_ALIGN.begin, _ALIGN.end, argument="count"),
    "alignat*": Env(_ALIGN.begin, _ALIGN.end, argument="count"),
    "alignedat": Env(_ALIGN.begin, _ALIGN.end, argument="count", position=True),
    "split": _passthrough("split"),
    "gathered": Env(_GATHER.begin, _GATHER.end, columns=False, position=True),
    "gather": _GATHER, "gather*": _GATHER, "multline": _GATHER, "multline*": _GATHER,
    "equation": Env("{", "}", columns=False), "equation*": Env("{", "}", columns=False),
    "array": _passthrough("array", argument="spec", position=True),
    "darray": Env(r"\begin{array}", r"\end{array}", argument="spec", position=True),
    "eqnarray": Env(r"\begin{array}{rcl}", r"\end{array}"),
    "eqnarray*": Env(r"\begin{array}{rcl}", r"\end{array}"),
    "cases": _passthrough("cases"), "dcases": _passthrough("cases"),
    **{name: _passthrough(name) for name in (
        "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix")},
    # mathtools' starred matrices take a column alignment, [l], [c] or [r], which latex2mathml
    # reads after the unstarred name (the starred names lost their delimiters).
    **{f"{name}*": Env(rf"\begin{{{name}}}", rf"\end{{{name}}}") for name in (
        "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix")},
}
"""Every environment a formula may use, and what latex2mathml is given instead."""


class EnvironmentRules(RewriterBase):
    """``\\begin``/``\\end``, ``&``, ``\\\\`` and ``\\matrix{…}``-style commands."""

    def _begin(self, index: int, end: int) -> int:
        name, after = self._environment_name(index, end)
        env = ENVIRONMENTS.get(name)
        if env is None:
            guess = did_you_mean(name, ENVIRONMENTS)
            supported = "aligned, cases, array, pmatrix, bmatrix, matrix, gathered, split"
            hint = f"did you mean {guess}?" if guess else f"supported: {supported}, …"
            raise self._error(f"unknown environment {name}", index, hint)
        after = self._skip_option(after, end) if env.position else after
        begin = env.begin
        if env.argument:
            first, last, after = self._argument(after, end, rf"\begin{{{name}}}")
            if env.argument == "spec":
                spec = "".join(self._raw(first, last).split())
                if not ARRAY_SPEC_RE.fullmatch(spec):
                    raise self._error(f"unsupported column spec {{{spec}}}", first,
                                      "use only l, c, r and |, one letter per column")
                begin += "{" + spec + "}"
        elif env.begin.startswith("\\begin{") and env.begin.count("{") == 1 \
                and not name.endswith("matrix*"):
            # latex2mathml reads a leading [..] or {lcr} as column alignment: in
            # \begin{cases}[x] & y the [x] is the first cell. An empty group takes that place.
            # (The starred matrices of mathtools do take [l|c|r], as latex2mathml expects.)
            begin += " {}"
        self.stack.append(Frame("env", self.offsets[index], name, env))
        self.out.append(begin + " ")
        self.stack[-1].cell_start = len(self.out)
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
        self._fill_last_cell(frame)
        self.out.append(frame.env.end + " ")
        return after

    def _fill_last_cell(self, frame: Frame) -> None:
        """latex2mathml drops the last row of a table when its last cell is empty, so
        ``a & b \\\\ c &`` lost its second row and ``a &= b &`` gave an empty table. A row
        with cells keeps its empty last cell here; an empty row after a final ``\\\\`` is
        still dropped, as TeX does."""
        if frame.row_cells and not "".join(self.out[frame.cell_start:]).strip():
            self.out.append("{}")

    def _environment_name(self, index: int, end: int) -> tuple[str, int]:
        brace = self._skip_space(index + 1, end)
        if brace >= end or self.texts[brace] != "{":
            raise self._error(f"{self.texts[index]} needs an environment name in braces", index)
        close = self.closing[brace]
        return self._raw(brace + 1, close).strip(), close + 1

    def _skip_option(self, index: int, end: int) -> int:
        """Drop an optional ``[t]`` placement argument."""
        after = self._skip_space(index, end)
        if after + 2 < end and self.texts[after] == "[" and self.texts[after + 2] == "]" \
                and self.texts[after + 1] in ("t", "b", "c"):
            return after + 3
        return index

    def _cell_separator(self, index: int) -> None:
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.kind != "env" or not (frame.env and frame.env.columns):
            raise self._error("& outside a table environment", index,
                              r"write \& for an ampersand, or put the rows in "
                              r"\begin{aligned}…\end{aligned}")
        self.out.append("&")
        frame.row_cells += 1
        frame.cell_start = len(self.out)

    def _line_break(self, index: int, end: int) -> int:
        self._close_switches()
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.kind == "left":
            raise MathError(r"a \\ line break cannot sit between \left and \right",
                            r"close the \left … \right on each line, or use \big( … \big)",
                            frame.offset)
        self.out.append(r"\\ ")
        if frame is not None and frame.kind == "env":
            frame.row_cells = 0
            frame.cell_start = len(self.out)
        index += 1
        if index < end and self.texts[index] == "*":
            index += 1
        if index < end and self.texts[index] == "[":
            close = index + 1
            while close < end and self.texts[close] not in ("]", "{", "}", r"\\"):
                close += 1
            if close < end and self.texts[close] == "]" and DIMENSION_RE.fullmatch(
                    self._raw(index + 1, close)):
                index = close + 1  # row spacing: MathML rows space themselves
        return index

    def _matrix_command(self, index: int, end: int) -> int:
        name = self.texts[index]
        brace = self._skip_space(index + 1, end)
        if brace >= end or self.texts[brace] != "{":
            raise self._error(f"{name} needs its rows in braces", index,
                              f"e.g. {name}{{a \\\\ b}}")
        close = self.closing[brace]
        env = Env("", "", columns=name != r"\displaylines")
        self.out.append("{" + name + "{")
        frame = Frame("env", self.offsets[index], name[1:], env, cell_start=len(self.out))
        self.stack.append(frame)
        self.run(brace + 1, close)
        self.stack.pop()
        self._fill_last_cell(frame)
        self.out.append("}}")
        return close + 1
