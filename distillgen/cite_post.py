""""Cite this post": a text citation, and the post as a BibTeX entry and a RIS record.

The page shows the text and the BibTeX; ``cite.bib`` and ``cite.ris`` in the post's folder
hold the same entry for reference managers. Front matter is untrusted text, so both formats
are escaped: BibTeX's special characters (and names that would split at " and "), RIS's line
structure (a value is one line).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .model import Author, PostMeta


@dataclass(frozen=True)
class PostCitation:
    """How to cite a post, as plain text (escaped later by the template)."""

    text: str
    bibtex: str
    key: str
    ris: str = ""
    """The same as a RIS record (lines end with CRLF, as the format asks)."""


_SUFFIXES = re.compile(r",\s*(Jr\.?|Sr\.?|I{2,3}|IV|V)$", re.IGNORECASE)


def _last_name(name: str) -> str:
    parts = _SUFFIXES.sub("", name).split()
    return parts[-1] if parts else name


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _bibtex_value(text: str) -> str:
    """Escape BibTeX's special characters; braces keep the title's capitals as written."""
    replacements = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%",
                    "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                    "^": r"\textasciicircum{}"}
    return "".join(replacements.get(char, char) for char in " ".join(text.split()))


def _bibtex_verbatim(text: str) -> str:
    """A verbatim field (``doi``): braces and backslashes percent-encoded, as a DOI may be in
    a URL; one unbalanced brace would otherwise end the field and start another."""
    return text.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def _bibtex_person(name: str) -> str:
    """"Last, First" ("Last, Jr., First"); a name BibTeX would misread ("and" inside it, a
    stray comma) is braced whole."""
    suffix = _SUFFIXES.search(name)
    base = _SUFFIXES.sub("", name).strip()
    parts = base.split()
    if re.search(r"\band\b", name, re.IGNORECASE) or "," in base or len(parts) < 2:
        return "{" + _bibtex_value(name) + "}"
    last, first = _bibtex_value(parts[-1]), _bibtex_value(" ".join(parts[:-1]))
    if suffix:
        return f"{last}, {_bibtex_value(suffix.group(1))}, {first}"
    return f"{last}, {first}"


def _ris_value(text: str) -> str:
    """One line: RIS has no escapes, so line breaks (and other controls) become spaces."""
    text = "".join(char if unicodedata.category(char)[0] != "C" else " " for char in text)
    return " ".join(text.split())


def _ris_person(name: str) -> str:
    """"Last, First, Jr." as RIS writes names; a name with "and" in it (a team, a studio) is
    kept as written."""
    suffix = _SUFFIXES.search(name)
    parts = _SUFFIXES.sub("", name).split()
    if len(parts) < 2 or re.search(r"\band\b", name, re.IGNORECASE):
        return _ris_value(name)
    person = f"{parts[-1]}, {' '.join(parts[:-1])}"
    return _ris_value(f"{person}, {suffix.group(1)}" if suffix else person)


def cite_post(meta: PostMeta, url: str, site_title: str, fallback_author: str = "") -> PostCitation:
    """The citation for a post; works with no config (the URL may be a local one)."""
    authors: tuple[Author, ...] = meta.authors or (
        (Author(name=fallback_author),) if fallback_author else ())
    names = [a.name for a in authors]
    year = str(meta.pub_date.year) if meta.pub_date else ""
    first_word = next((w for w in (_ascii_word(t) for t in meta.title.split())
                       if len(w) > 3), "post")
    key = f"{_ascii_word(_last_name(names[0])) if names else 'anonymous'}{year}{first_word}"
    if len(names) > 2:
        author_text = f"{names[0]} et al."
    else:
        author_text = " and ".join(names) if names else site_title
    text = f"{author_text}, \u201c{meta.title},\u201d {site_title}, {year}. {url}"
    if meta.doi:
        text += f" doi:{meta.doi}"
    fields = [
        ("author", " and ".join(_bibtex_person(n) for n in names)),
        ("title", "{" + _bibtex_value(meta.title) + "}"),
        ("journal", _bibtex_value(site_title)),
        ("year", year),
        ("url", url.replace("}", "%7D").replace("{", "%7B")),
    ]
    if meta.doi:
        fields.append(("doi", _bibtex_verbatim(meta.doi)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return PostCitation(text=text, bibtex=f"@article{{{key},\n{body}\n}}", key=key,
                        ris=_ris(meta, names, url, site_title))


def _ris(meta: PostMeta, names: list[str], url: str, site_title: str) -> str:
    """A RIS record of the post (type BLOG, as reference managers import blog posts)."""
    lines = [("TY", "BLOG"), ("TI", meta.title)]
    lines += [("AU", _ris_person(name)) for name in names]
    date = meta.pub_date
    if date is not None:
        lines += [("PY", f"{date.year:04d}"),
                  ("DA", f"{date.year:04d}/{date.month:02d}/{date.day:02d}/")]
    lines += [("T2", site_title), ("UR", url)]
    if meta.doi:
        lines.append(("DO", meta.doi))
    summary = meta.abstract or meta.description
    if summary:
        lines.append(("AB", summary))
    lines += [("KW", tag) for tag in meta.tags]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines
                   if value or tag == "ER")
