""""Cite this post": a text citation and a BibTeX entry for the article itself."""

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


def _last_name(name: str) -> str:
    parts = name.split()
    return parts[-1] if parts else name


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _bibtex_value(text: str) -> str:
    """Escape BibTeX's special characters; braces keep the title's capitals as written."""
    replacements = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%",
                    "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                    "^": r"\textasciicircum{}"}
    return "".join(replacements.get(char, char) for char in text)


def _bibtex_person(name: str) -> str:
    parts = name.split()
    if len(parts) < 2:
        return _bibtex_value(name)
    return f"{_bibtex_value(parts[-1])}, {_bibtex_value(' '.join(parts[:-1]))}"


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
        ("url", url),
    ]
    if meta.doi:
        fields.append(("doi", meta.doi))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return PostCitation(text=text, bibtex=f"@article{{{key},\n{body}\n}}", key=key)
