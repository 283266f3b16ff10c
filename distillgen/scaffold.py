"""``distillgen new "Title"``: a new post with front matter, never overwriting one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .config import load_config
from .names import slugify


def new_post_text(title: str, today: dt.date) -> str:
    """Front matter and a first paragraph for a new draft."""
    quoted = json.dumps(title, ensure_ascii=False)
    return (
        "---\n"
        f"title: {quoted}\n"
        'description: ""\n'
        f"pubDate: {today.isoformat()}\n"
        "tags: []\n"
        "authors: []\n"
        "draft: true\n"
        "---\n\n"
        "Write your introduction here. Cite a paper with `[@key]`, add a note[^1], "
        "and write math as $x^2$.\n\n"
        "[^1]: A sidenote.\n"
    )


def new_post(root: Path, title: str, today: dt.date | None = None) -> Path:
    """Create ``content/blog/<slug>.md``; raises FileExistsError rather than overwrite."""
    config = load_config(root)
    slug = slugify(title)
    path = config.content_path() / "blog" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = new_post_text(title, today or dt.date.today())
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists; choose another title") from None
    return path
