"""Discovery: every Markdown file under the content folder, read and decoded.

Nothing an author writes may end in a traceback: an unreadable file or folder, a link that
leads nowhere or out of the site, a file name that is not UTF-8 are located diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .config import SiteConfig
from .errors import Diagnostic, SourceLocation, error, warning
from .model import SourceFile
from .text import decode_source, shown_file_name


def discover(config: SiteConfig) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every ``*.md`` under the content folder, decoded, sorted by path.

    Names starting with ``.`` or ``_`` are skipped (editor files, drafts kept aside), and so
    are links that lead out of the site folder.
    """
    content = config.content_path()
    if not content.is_dir():
        return [], [warning("missing-content-dir",
                            f"there is no content folder `{config.content_dir}`: no posts",
                            hint="write posts under content/, or set content_dir")]
    diagnostics: list[Diagnostic] = []
    sources: list[SourceFile] = []
    for path in _markdown_files(content, config.root, diagnostics):
        source = _read_source(path, _site_path(path, config.root), diagnostics)
        if source is not None:
            sources.append(source)
    sources.sort(key=lambda source: source.path)
    return sources, diagnostics


def _site_path(path: Path, root: Path) -> str:
    """The path as the author would type it: relative to the root, forward slashes."""
    return path.relative_to(root).as_posix()


def _markdown_files(content: Path, root: Path, diagnostics: list[Diagnostic]) -> Iterator[Path]:
    """Walk the content folder, following links that stay inside the site, each folder once."""
    real_root = root.resolve()
    seen = {content.resolve()}
    pending = [content]
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            diagnostics.append(error("unreadable-file", f"cannot list this folder: {exc.strerror}",
                                     SourceLocation(_site_path(folder, root))))
            continue
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            where = SourceLocation(_site_path(entry, root))
            try:
                real = entry.resolve()
            except (OSError, RuntimeError):  # a loop of links
                diagnostics.append(warning("broken-link", "skipped: a link that leads nowhere",
                                           where))
                continue
            if entry.is_symlink() and not real.is_relative_to(real_root):
                diagnostics.append(warning("outside-site",
                                           f"skipped: the link points outside the site ({real})",
                                           where))
            elif entry.is_dir():
                if real not in seen:
                    seen.add(real)
                    pending.append(entry)
            elif entry.is_symlink() and not entry.exists():
                diagnostics.append(warning("broken-link", "skipped: a link that leads nowhere",
                                           where))
            elif entry.suffix == ".md" and entry.is_file():
                if _is_utf8_name(where.path):
                    yield entry
                else:
                    diagnostics.append(error(
                        "bad-encoding", "the file name is not UTF-8, so no web address can "
                        "name it", SourceLocation(shown_file_name(where.path)),
                        "rename the file (and its folders) using UTF-8"))


def _is_utf8_name(name: str) -> bool:
    """File names that are not UTF-8 reach Python with their bad bytes as lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True




def _read_source(path: Path, site_path: str, diagnostics: list[Diagnostic]) -> SourceFile | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        diagnostics.append(error("unreadable-file", f"cannot read the file: {exc.strerror}",
                                 SourceLocation(site_path)))
        return None
    text, problems = decode_source(data, site_path)
    diagnostics.extend(problems)
    return None if text is None else SourceFile(site_path, text)
