"""Write the fuzz corpus: damaged copies of the example site's posts, the same every time.

    python tests/fuzz/make_corpus.py        # rewrites tests/fuzz/corpus/

Each copy keeps a post's front matter and a stretch of its body (so the files stay small),
then suffers one to three kinds of damage an editor, a bad merge or a broken disk could do:
truncation, lost or doubled lines, flipped bytes, a stray ``---``, an unclosed ``$$`` or code
fence, stray ``@`` and ``[^x]``, and a few more. The seed fixes everything, so the corpus only
changes when this file or the example posts do; commit the output, with each new file's
expected diagnostics in ``EXPECTED`` of ``test_fuzz_corpus.py`` (checked by hand: the file's
name says what was damaged).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS = HERE / "corpus"
COPIES = 40
SEED = 1312
BODY_LINES = 30
"""How many body lines each copy keeps, from a random place in the post."""

Damage = Callable[[random.Random, list[bytes]], list[bytes]]


def _truncate(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    data = b"".join(lines)
    return _split(data[: rng.randrange(1, len(data))])


def _delete_lines(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    doomed = set(rng.sample(range(len(lines)), k=min(len(lines) - 1, rng.randint(1, 4))))
    return [line for index, line in enumerate(lines) if index not in doomed]


def _duplicate_lines(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(lines))
        lines.insert(rng.randrange(len(lines) + 1), lines[index])
    return lines


def _flip_bytes(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    data = bytearray(b"".join(lines))
    for _ in range(rng.randint(1, 3)):
        spot = rng.randrange(len(data))
        data[spot] ^= 1 << rng.randrange(8)
    return _split(bytes(data))


def _insert_line(text: bytes) -> Damage:
    def damage(rng: random.Random, lines: list[bytes]) -> list[bytes]:
        lines.insert(rng.randrange(len(lines) + 1), text)
        return lines

    return damage


def _sprinkle(fragment: bytes) -> Damage:
    """Put ``fragment`` at a few random places inside lines."""

    def damage(rng: random.Random, lines: list[bytes]) -> list[bytes]:
        for _ in range(rng.randint(1, 4)):
            index = rng.randrange(len(lines))
            line = lines[index]
            spot = rng.randrange(len(line) + 1)
            lines[index] = line[:spot] + fragment + line[spot:]
        return lines

    return damage


def _drop_closing_fence(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == b"---"), None)
    if closing is not None:
        del lines[closing]
    return lines


def _break_yaml(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == b"---"), 1)
    index = rng.randrange(1, max(closing, 2))
    lines[index] = rng.choice([b"title: [unclosed\n", b"pubDate: 2024-13-45\n",
                               b"tags: {a: \n", b"  - : :\n", b"\ttitle: tab\n",
                               b"draft: yes\n", b"title: Again\n"])
    return lines


def _crlf(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    return [line.replace(b"\n", b"\r\n") if rng.random() < 0.5 else line for line in lines]


DAMAGE: dict[str, Damage] = {
    "truncated": _truncate,
    "lines-deleted": _delete_lines,
    "lines-duplicated": _duplicate_lines,
    "bytes-flipped": _flip_bytes,
    "stray-fence": _insert_line(b"---\n"),
    "unclosed-display-math": _insert_line(b"$$\n"),
    "unclosed-code-fence": _insert_line(b"```python\n"),
    "stray-at": _sprinkle(b"@"),
    "stray-note": _sprinkle(b"[^x]"),
    "stray-dollar": _sprinkle(b"$"),
    "stray-bracket": _sprinkle(b"["),
    "stray-brace": _sprinkle(b"{"),
    "unknown-citation": _sprinkle(b" [@nobody2099] "),
    "no-closing-fence": _drop_closing_fence,
    "broken-yaml": _break_yaml,
    "mixed-line-ends": _crlf,
}


def _split(data: bytes) -> list[bytes]:
    lines = data.splitlines(keepends=True)
    return lines or [b""]


def _excerpt(rng: random.Random, source: bytes) -> list[bytes]:
    """The front matter and ``BODY_LINES`` lines of the body from a random place."""
    lines = _split(source)
    closing = next(i for i in range(1, len(lines)) if lines[i].rstrip() == b"---")
    body = lines[closing + 1:]
    start = rng.randrange(max(len(body) - BODY_LINES, 1))
    return lines[: closing + 1] + body[start:start + BODY_LINES]


WHOLE_FILE = frozenset({"truncated", "bytes-flipped", "no-closing-fence", "broken-yaml",
                        "mixed-line-ends"})
"""Kinds of damage that may hit the front matter; the others damage the body only, so that
most copies get past the front matter and exercise the Markdown."""


def _damaged(rng: random.Random, lines: list[bytes], kinds: list[str]) -> list[bytes]:
    closing = next(i for i in range(1, len(lines)) if lines[i].rstrip() == b"---")
    front, body = lines[: closing + 1], lines[closing + 1:] or [b"\n"]
    for kind in kinds:
        if kind in WHOLE_FILE:
            joined = DAMAGE[kind](rng, front + body)
            front, body = [], joined
        else:
            body = DAMAGE[kind](rng, body)
    return front + body


def make_corpus() -> list[Path]:
    """Write every copy; returns their paths."""
    rng = random.Random(SEED)
    sources = sorted((REPO / "content" / "blog").glob("*.md"))
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.glob("*.md"):
        old.unlink()
    written = []
    for number in range(COPIES):
        source = sources[number % len(sources)]
        lines = _excerpt(rng, source.read_bytes())
        kinds = rng.sample(sorted(DAMAGE), k=rng.randint(1, 3))
        lines = _damaged(rng, lines, kinds)
        path = CORPUS / f"{number:02d}-{'+'.join(kinds)}.md"
        path.write_bytes(b"".join(lines))
        written.append(path)
    return written


if __name__ == "__main__":
    paths = make_corpus()
    print(f"wrote {len(paths)} files, {sum(p.stat().st_size for p in paths)} bytes, "
          f"to {CORPUS.relative_to(REPO)}")
