"""Step 2: latex2mathml's conversion, with every exception it raises turned into a MathError.

The library raises many unrelated exception types (and sometimes none on malformed input, which
the checks in :mod:`.polish` catch); their names are mapped to messages an author can act on.
"""

from __future__ import annotations

from xml.etree import ElementTree

from latex2mathml import converter as l2m_converter

from .errors import MathError

EXCEPTION_MESSAGES = {
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
"""latex2mathml exception class name -> (message, hint)."""


def convert(tex: str, display: bool) -> ElementTree.Element:
    """latex2mathml's element tree; whatever it raises becomes a MathError."""
    try:
        return l2m_converter.convert_to_element(tex, display="block" if display else "inline")
    except RecursionError:
        raise MathError("formula is nested too deeply", None, None) from None
    except Exception as problem:  # noqa: BLE001 - the library raises many unrelated types
        name = type(problem).__name__
        message, hint = EXCEPTION_MESSAGES.get(
            name, ("cannot convert this formula", f"the converter failed with {name}"))
        raise MathError(message, hint, None) from None
