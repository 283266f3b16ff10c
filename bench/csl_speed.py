"""Time one post's citations in each style: 30 citations of a 300-entry .bib.

    python bench/csl_speed.py
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from distillgen.bibliography import parse_bibliography  # noqa: E402
from distillgen.bibliography.csl import find_style  # noqa: E402
from distillgen.model import Post, PostMeta  # noqa: E402
from distillgen.render import RenderContext, render_post  # noqa: E402

KINDS = ["article", "inproceedings", "book", "misc", "incollection"]


def bibliography():
    entries = [
        f"@{KINDS[i % 5]}{{key{i},\n author = {{M{{\\\"u}}ller, Anna and Doe, John and Roe, "
        f"Richard}},\n title = {{A Study of Things Number {i}}},\n journal = {{Journal of "
        f"Stuff}},\n booktitle = {{Proceedings of the Conference}},\n publisher = {{Press}},\n"
        f" year = {{{2000 + i % 20}}},\n volume = {{{i}}}, pages = {{1--10}},\n"
        f" doi = {{10.1234/x.{i}}}\n}}\n"
        for i in range(300)]
    return parse_bibliography("\n".join(entries), "big.bib")


def post() -> Post:
    rng = random.Random(1)
    cites = []
    for n in range(30):
        key = f"key{rng.randrange(300)}"
        cites.append(f"[@{key}, p. {n}]" if n % 3 == 0 else
                     f"@{key}" if n % 3 == 1 else f"[@{key}; @key{n}]")
    body = "\n\n".join(f"Paragraph {n} cites {cite} and goes on." for n, cite in enumerate(cites))
    return Post("content/blog/p.md", PostMeta(title="P", pub_date=dt.datetime(2024, 1, 1,
                                                                             tzinfo=dt.UTC)),
                body, 0, PurePosixPath("blog/p"))


def main() -> None:
    entries = dict(bibliography().entries)
    page = post()
    for name in ("numeric", "author-year", "ieee", "apa", "chicago-author-date"):
        style = None if name in ("numeric", "author-year") else find_style(name, Path("."))[0]
        context = RenderContext(entries=entries, citation_style=name if style is None else
                                "numeric", csl=style)
        render_post(page, context)  # the style is parsed once per process
        times = []
        for _ in range(3):
            start = time.perf_counter()
            rendered = render_post(page, context)
            times.append(time.perf_counter() - start)
        print(f"{name:22s} {min(times) * 1000:8.1f} ms  ({len(rendered.bibliography_html)} works)")


if __name__ == "__main__":
    main()
