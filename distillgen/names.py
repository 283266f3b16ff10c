"""Names: slugs for URLs and file names, what a web link and a DOI are, and did-you-mean for
mistyped keys."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlsplit

from .errors import did_you_mean

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
"""What a slug may be: lowercase ASCII letters, digits, - and _, starting with a letter or digit."""
_SLUG_MAX = 80
_HASH_LENGTH = 8
_SYMBOL_WORDS = {"+": "plus", "#": "sharp", "&": "and"}
_SPOKEN_SYMBOLS = re.compile(r"(?<=\w)[+#]+|&")
"""Symbols that carry meaning in names like C++, C#, Q&A (not the # of "issue #4")."""
_UNDECOMPOSABLE = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
    "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i",
})
"""Latin letters that Unicode decomposition does not reduce to ASCII."""


@functools.lru_cache(maxsize=8192)
def slugify(text: str) -> str:
    """A URL- and file-name-safe slug for a title, tag or heading.

    Plain ASCII ``[a-z0-9][a-z0-9_-]*``, so URLs need no percent-encoding and file names are
    identical on every file system (no NFC/NFD differences): accents are folded
    (``Ünïcödé`` -> ``unicode``), ``&`` and a ``+``/``#`` ending a word are spelled out
    (``C++`` -> ``c-plus-plus``, ``C#`` -> ``c-sharp``),
    everything else becomes ``-``. When letters of other scripts had to be dropped, a short
    hash of the text is appended (or is the whole slug, for ``日本語``), so different names
    never share a slug. Never empty, ``.``, ``..`` and never holds ``/``.
    """
    text = _SPOKEN_SYMBOLS.sub(
        lambda match: "".join(f" {_SYMBOL_WORDS[symbol]} " for symbol in match.group()), text)
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    folded = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", folded)
    slug = re.sub(r"[-_]*-[-_]*", "-", slug).strip("-_")
    lost = any(unicodedata.category(char)[0] in "LN" and not char.isascii()
               for char in decomposed)
    if not lost and slug:
        return _shorten(slug, _SLUG_MAX)
    digest = hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()
    digest = digest[:_HASH_LENGTH]
    return f"{_shorten(slug, _SLUG_MAX - _HASH_LENGTH - 1)}-{digest}" if slug else digest


def url_path(path: str) -> str:
    """A site path as it goes into a URL: each segment percent-encoded (RFC 3986), so a
    folder named ``c#``, ``why?``, ``50%`` or ``a b`` stays part of the path instead of
    starting a fragment or a query, and a segment holding ``:`` never reads as a scheme.
    ``/`` separates segments; ``.`` and ``..`` are kept. Slugs and theme paths are unchanged."""
    return "/".join(quote(segment, safe="") for segment in path.split("/"))


def is_web_url(value: str) -> bool:
    """An absolute http(s) URL with a host and no whitespace: the only links taken from
    front matter, settings and ``.bib`` fields as addresses on the web."""
    if not value or any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


DOI_PATTERN = re.compile(r"10\.\d{4,9}/\S+")
"""What a DOI is: ``10.`` a registrant code of 4 to 9 digits, ``/`` and a suffix."""
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def bare_doi(written: str) -> str:
    """A DOI as written, without a ``https://doi.org/``, ``dx.doi.org`` or ``doi:`` prefix."""
    return _DOI_PREFIX.sub("", written)


def doi_url(doi: str) -> str:
    """The resolver link of a DOI, percent-encoded where a DOI's suffix may hold anything."""
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def _shorten(slug: str, limit: int) -> str:
    return slug[:limit].rstrip("-_")


def suggest_name(name: str, known: Iterable[str],
                 aliases: Mapping[str, str] | None = None) -> str | None:
    """Did-you-mean for a mistyped key: a known alias, the same name in other case or with
    other separators, or the closest spelling."""
    folded_aliases = {_fold_name(alias): key for alias, key in (aliases or {}).items()}
    if _fold_name(name) in folded_aliases:
        return folded_aliases[_fold_name(name)]
    by_folded = {_fold_name(candidate): candidate for candidate in known}
    close = did_you_mean(_fold_name(name), by_folded)
    return by_folded[close] if close else None


def suggest_file(path: str, known: Iterable[str]) -> str | None:
    """Did-you-mean for a missing file: one of the same name in another folder, else the
    closest path whose file name is itself close (``nope.png`` is not ``fig.png``, however
    alike their folders are)."""
    name = path.rpartition("/")[2]
    candidates = list(known)
    same_name = sorted(c for c in candidates if c.rpartition("/")[2] == name)
    if same_name:
        return same_name[0]
    close = did_you_mean(path, candidates)
    if close is None or did_you_mean(name, [close.rpartition("/")[2]]) is None:
        return None
    return close


def _fold_name(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")
