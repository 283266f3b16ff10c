"""Front matter as YAML: cut from the body at its ``---`` fences, composed into a node tree
that keeps every value's position, with aliases bounded.

Values are read from the node tree (:mod:`.front_matter`), never through PyYAML's
constructors, so each keeps its line and column. YAML aliases (``*name``) are followed, but
all of them together may add at most :data:`ALIAS_BUDGET` characters: a 1 KB anchor aliased
50,000 times would otherwise put 50 MB into every page that shows the value.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import yaml

from .errors import Diagnostic, SourceLocation, error
from .model import SourceFile
from .text import location_in

_FENCE = "---"
YAML_FIRST_LINE = 2
"""The front matter YAML always starts on the file's second line."""
_MINIMAL_HEADER = ('start the file with these four lines: "---", "title: My post", '
                   '"pubDate: 2024-03-01", "---"')


def _is_fence(line: str) -> bool:
    return line.rstrip() == _FENCE


class FrontMatterSplit(NamedTuple):
    """A post's text cut at its fences."""

    yaml_text: str
    """The lines between the fences; its first line is the file's line 2."""
    body: str
    body_line_offset: int
    """Lines up to and including the closing fence."""


def split_front_matter(source: SourceFile) -> tuple[FrontMatterSplit | None, list[Diagnostic]]:
    """Cut the front matter from the body, or give None and a located error."""
    lines = source.text.split("\n")
    if not source.text.strip():
        return None, [error("missing-front-matter", "the file is empty",
                            SourceLocation(source.path), _MINIMAL_HEADER)]
    if not _is_fence(lines[0]):
        return None, [_no_opening_fence(lines, source.path)]
    closing = next((i for i in range(1, len(lines)) if _is_fence(lines[i])), None)
    if closing is None:
        return None, [error("bad-front-matter", "the front matter is never closed",
                            SourceLocation(source.path),
                            'end it with a line holding only "---" after the last key')]
    yaml_text = "\n".join(lines[1:closing])
    body = "\n".join(lines[closing + 1:])
    return FrontMatterSplit(yaml_text, body, closing + 1), []


def _no_opening_fence(lines: list[str], path: str) -> Diagnostic:
    first = next(i for i, line in enumerate(lines) if line.strip())
    if _is_fence(lines[first]):
        return error("missing-front-matter", "the front matter must start on the first line",
                     SourceLocation(path, first + 1), 'remove the lines above "---"')
    return error("missing-front-matter", "the file has no front matter",
                 SourceLocation(path), _MINIMAL_HEADER)



STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
BOOL = "tag:yaml.org,2002:bool"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
NULL = "tag:yaml.org,2002:null"
_KINDS = {
    STR: "a string", BOOL: "a boolean", NULL: "an empty value", TIMESTAMP: "a date",
    "tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
}


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it: ten times faster, same nodes and marks."""


class _FrontMatterLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Composes nodes only. Implicit types: null, true/false, numbers; dates stay strings."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in (BOOL, TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FrontMatterLoader.add_implicit_resolver(
    BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

_QUOTE_HINT = ('if a value contains ": " or " #", or starts with one of [ ] { } * & ! | > @ ` '
               '" \', put it in double quotes')


def compose(yaml_text: str, path: str) -> tuple[yaml.Node | None, list[Diagnostic]]:
    try:
        return yaml.compose(yaml_text, Loader=_FrontMatterLoader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        index = mark.index if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        message = f"invalid YAML in the front matter: {problem}"
        if exc.context and exc.problem:
            message += f" ({exc.context})"
    except yaml.reader.ReaderError as exc:
        location = location_in(yaml_text, exc.position, path, YAML_FIRST_LINE)
        return None, [error("bad-front-matter",
                            f"YAML does not allow the control character U+{exc.character:04X}",
                            location, "delete it (editors often show it as nothing at all)")]
    location = location_in(yaml_text, index, path, YAML_FIRST_LINE)
    return None, [error("bad-front-matter", message, location, _QUOTE_HINT)]


ALIAS_BUDGET = 65_536
"""Characters (and values) that YAML aliases may add to a post's front matter, in total."""


def check_aliases(root: yaml.Node | None, yaml_text: str, path: str) -> list[Diagnostic]:
    """A located error when aliases make the front matter grow past the budget (or refer to
    themselves); the tree is walked once per distinct node, so this costs what the text
    costs, however much the aliases would expand."""
    if root is None:
        return []
    size: dict[int, int] = {}
    references: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while pending:
        node, children_done = pending.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        references[key] = references.get(key, 0) + 1
        if key in open_nodes:
            return [_alias_error(node, yaml_text, path, "refers to itself through an alias")]
        if key in size or key in nodes:
            continue  # an alias of a node already counted (or being counted)
        nodes[key] = node
        if isinstance(node, yaml.ScalarNode):
            size[key] = 1 + len(node.value)
            continue
        open_nodes.add(key)
        pending.append((node, True))
        pending.extend((child, False) for child in reversed(_children(node)))
    if size[id(root)] <= len(yaml_text) + ALIAS_BUDGET:
        return []
    worst = max((k for k, n in references.items() if n > 1),
                key=lambda k: (references[k] - 1) * size[k])
    return [_alias_error(nodes[worst], yaml_text, path,
                         f"is repeated {references[worst] - 1:,} times by aliases, which would "
                         f"make the front matter {size[id(root)]:,} characters long (at most "
                         f"{ALIAS_BUDGET:,} more than written)")]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _alias_error(node: yaml.Node, yaml_text: str, path: str, problem: str) -> Diagnostic:
    return error("bad-front-matter", f"the value anchored here {problem}",
                 location_in(yaml_text, node.start_mark.index, path, YAML_FIRST_LINE),
                 "write the value out where it is needed instead of aliasing it (*name)")


def describe(node: yaml.Node) -> str:
    """What kind of value a node holds, as the author would say it."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return _KINDS.get(node.tag, f"a value tagged {node.tag}")



def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL


class PlainConstructor(yaml.constructor.SafeConstructor):
    """Plain Python values for ``extra:``: mappings, lists, strings, numbers, booleans."""

    def __init__(self) -> None:
        super().__init__()
