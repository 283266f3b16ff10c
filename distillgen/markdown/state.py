"""Per-document state shared by the plugins while one post renders.

markdown-it threads a plain ``env`` dict through parsing and rendering; we keep one typed
object in it under ``env["dg"]`` so every plugin reads and writes the same, documented fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from markdown_it.token import Token

from ..bibliography.model import Entry
from ..errors import Diagnostic, Severity, SourceLocation, did_you_mean
from ..model import AssetInfo, AssetRef  # noqa: F401 - AssetInfo re-exported
from ..settings import RenderSettings, default_render_settings
from .locations import token_position
from .math.macros import Macro
from .records import CitationRecord, ReferenceUse
from .targets import Target

MAX_SUGGESTIONS = 100
"""Distinct mistyped names per post that get a did-you-mean hint."""


@dataclass
class RenderState:
    """Everything the plugins share while rendering one document."""

    source_path: str
    """The Markdown file, relative to the site root (for diagnostics)."""
    line_offset: int = 0
    """Lines before the body in the file (front matter)."""
    body_lines: list[str] = field(default_factory=list)
    lookup_entry: Callable[[str], Entry | None] = lambda key: None
    known_keys: Callable[[], list[str]] = list
    settings: RenderSettings = field(default_factory=default_render_settings)
    """The site's render settings (the render context's, held, not copied)."""
    source_dir: PurePosixPath = PurePosixPath(".")
    """Folder of the Markdown file, relative to the site root."""
    page_dir: PurePosixPath = PurePosixPath(".")
    """Output folder of the page, relative to the output root (for relative URLs)."""
    bundle_dir: PurePosixPath | None = None
    """The folder of a page bundle (``content/blog/x`` for ``content/blog/x/index.md``): the
    files in it that the post uses are published beside the page. None for a single file."""
    assets_on_disk: Mapping[str, AssetInfo] = field(default_factory=dict)
    """Every file a post may reference, by path relative to the site root."""
    post_urls: Mapping[str, str] = field(default_factory=dict)
    """Every post's source path -> its page folder (``content/blog/a.md`` -> ``blog/a``)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    cited: dict[str, int] = field(default_factory=dict)
    """Cited keys -> citation number, in order of first citation."""
    cite_anchors: set[str] = field(default_factory=set)
    """Keys whose first in-text citation already carries the back-link target id."""
    citations: list[CitationRecord] = field(default_factory=list)
    """Every citation rendered, in order: their text is written once the whole post is
    rendered, when every cited work is known."""
    assets: dict[str, AssetRef] = field(default_factory=dict)
    links: list[tuple[str, int, int]] = field(default_factory=list)
    """(href, line, column) of every link in the body, for the link checker."""
    files_looked_up: set[str] = field(default_factory=set)
    """Site paths the post asked for, found or not (the cache depends on them)."""
    ids_used: int = 0
    """Counter for unique element ids (hover cards, notes)."""
    in_sidenote: int = 0
    """Depth of sidenote rendering; notes referenced inside a note are not expanded again."""
    for_feed: bool = False
    """Rendering the feed copy: plain citation links and note markers, no hover cards."""
    in_appendix: bool = False
    """Rendering the appendix copy of the notes: no element ids (they exist in the body)."""
    targets: dict[str, Target] = field(default_factory=dict)
    """Cross-reference targets by label, registered while the post is parsed."""
    macros: Mapping[str, Macro] = field(default_factory=dict)
    """The site's TeX macros (``macros.tex``), in force before the post's own."""
    equations: int = 0
    """Equations numbered so far."""
    anchors: set[str] = field(default_factory=set)
    """Element ids given to cross-reference targets (each unique)."""
    reference_uses: list[ReferenceUse] = field(default_factory=list)
    """References rendered so far; their placeholders are resolved once the page is done."""
    reported_references: set[tuple[str, SourceLocation]] = field(default_factory=set)
    """Unknown references already reported (a note renders twice)."""
    render_depth: int = 0
    """Nesting of render calls: placeholders are resolved when the outermost one ends."""
    notes: dict[int, list[Token]] = field(default_factory=dict)
    """Footnote id -> the note's block tokens, taken out of the body to render as sidenotes."""
    note_definition_lines: dict[str, int] = field(default_factory=dict)
    """Note label -> 0-based body line of its ``[^label]:`` definition."""
    appendix_tokens: list[Token] = field(default_factory=list)
    """The blocks moved to the appendix, in document order."""
    target_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Target label -> (first, last) token index of what its preview shows."""
    note_ref_ids: dict[int, list[str]] = field(default_factory=dict)
    """Note number -> ids of its references in the body (the appendix links back to them)."""
    preview_image: PurePosixPath | None = None
    """Output path of the front matter's local ``image:``, once resolved and copied."""
    suggestions: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(kind, mistyped name) -> its did-you-mean, worked out once per name."""

    @property
    def content_dir(self) -> PurePosixPath:
        return PurePosixPath(self.settings.content_dir)

    def suggest(self, kind: str, word: str, candidates: Callable[[], Iterable[str]],
                choose: Callable[[str, Iterable[str]], str | None] = did_you_mean
                ) -> str | None:
        """Did-you-mean for a mistyped ``kind`` of name (citation key, file), worked out once
        per name and for at most :data:`MAX_SUGGESTIONS` names: each costs a comparison with
        every candidate, and a post with thousands of unknown keys against a bibliography of
        thousands of entries would otherwise take minutes to report."""
        made = self.suggestions
        if (kind, word) not in made:
            if len(made) >= MAX_SUGGESTIONS:
                return None
            made[kind, word] = choose(word, candidates())
        return made[kind, word]

    def next_id(self, prefix: str) -> str:
        """A document-unique element id."""
        self.ids_used += 1
        return f"{prefix}-{self.ids_used}"

    def location(self, token: Token | None, block: Token | None = None,
                 column_shift: int = 0) -> SourceLocation:
        """Where in the source file a token was written (1-based)."""
        line, column = token_position(token, block) if token is not None else (0, 0)
        return SourceLocation(self.source_path, line + self.line_offset + 1,
                              column + column_shift + 1)

    def report(self, code: str, message: str, token: Token | None = None, *,
               hint: str | None = None, warning: bool = False,
               location: SourceLocation | None = None) -> None:
        """Record a diagnostic at a token's position."""
        severity = Severity.WARNING if warning else Severity.ERROR
        where = location or self.location(token)
        self.diagnostics.append(Diagnostic(severity, code, message, where, hint))


def state_of(env: Mapping[str, Any]) -> RenderState:
    """The RenderState of a document; plugins used outside a build get a default one."""
    state = env.get("dg") if isinstance(env, Mapping) else None
    if state is None:
        state = RenderState(source_path="<string>")
        if isinstance(env, dict):
            env["dg"] = state
    return state
