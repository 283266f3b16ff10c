"""The Jinja environment: a site's own templates first, the built-in theme second.

A site overrides the theme file by file by putting a template of the same name in its
``templates/`` folder; an override can still extend the original as ``theme/<name>``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import posixpath
import stat
import traceback
from pathlib import Path

import jinja2
import jinja2.bccache
from markupsafe import Markup

from .cache import digest
from .cache.keys import code_version
from .errors import Diagnostic, SourceLocation, error
from .files import write_atomically
from .layout import TEMPLATES_DIR, THEME_DIR
from .markdown.citations import anchor_id
from .text import decode_source


def theme_templates_dir() -> Path:
    return THEME_DIR / "templates"


def theme_assets_dir() -> Path:
    return THEME_DIR / "assets"


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in the build cache: compiling the theme costs more than a
    one-post rebuild. Jinja only checks an entry against its template's source, and loading
    damaged bytecode can crash the interpreter, so each entry also carries a SHA-256 of
    its bucket's key and itself (an entry copied under another template's name is refused),
    is written whole (temporary file, then rename), and anything that does not match is
    compiled again. File names carry the code version: how a template compiles (its
    escaping) is distillgen's choice too."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = Path(self._get_cache_filename(bucket)).read_bytes()
        except OSError:
            return
        digest, payload = data[:32], data[32:]
        if len(data) <= 32 or hashlib.sha256(bucket.key.encode() + payload).digest() != digest:
            return
        try:
            bucket.bytecode_from_string(payload)
        except Exception:  # noqa: BLE001 - any damage means the same: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = bucket.bytecode_to_string()
        target = Path(self._get_cache_filename(bucket))
        checked = hashlib.sha256(bucket.key.encode() + payload).digest() + payload
        with contextlib.suppress(OSError):  # not kept: compiled again next time
            write_atomically(target, checked)


def make_environment(site_templates: Path | None,
                     cache_dir: Path | None = None) -> jinja2.Environment:
    """Autoescaping environment with the filters the theme uses; with ``cache_dir``,
    compiled templates are kept there between builds."""
    bytecode = None
    if cache_dir is not None:
        try:
            if (cache_dir / "templates").is_symlink() or cache_dir.is_symlink():
                raise NotADirectoryError("the cache is never written through a link")
            (cache_dir / "templates").mkdir(parents=True, exist_ok=True)
            version = digest(code_version())[:16]
            bytecode = _CompiledTemplates(str(cache_dir / "templates"),
                                          f"__jinja2_%s.{version}.cache")
        except OSError:
            bytecode = None  # an unusable cache costs compile time, nothing else
    theme = jinja2.FileSystemLoader(str(theme_templates_dir()))
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None and site_templates.is_dir():
        loaders.append(_SiteLoader(site_templates))
    loaders.append(jinja2.PrefixLoader({"theme": theme}))
    loaders.append(theme)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=escapes_html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=bytecode,
    )
    env.filters["isodate"] = isodate
    env.filters["rfc3339"] = rfc3339
    env.filters["humandate"] = humandate
    env.filters["jsonld"] = jsonld
    env.filters["anchor_id"] = anchor_id
    return env


PLAIN_TEXT_SUFFIXES = (".txt",)
"""Templates whose output is plain text (robots.txt): no HTML escaping, which would turn
``r&d`` into ``r&amp;d``. Every other template writes HTML or XML, where it is the right
escaping."""


def escapes_html(name: str | None) -> bool:
    """Whether a template's values are HTML-escaped (jinja's ``autoescape`` setting)."""
    return name is None or not name.endswith(PLAIN_TEXT_SUFFIXES)


class _SiteLoader(jinja2.FileSystemLoader):
    """The site's own templates, never one that is a link leading out of the site folder: a
    template is published, so a link to a private file would publish that file. Such a
    template counts as absent, so the theme's is used."""

    def __init__(self, folder: Path):
        super().__init__(str(folder))
        self.site_root = folder.parent.resolve()

    def get_source(self, environment: jinja2.Environment, template: str):
        _refuse_special_file(self.searchpath, template)
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.site_root):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


def _refuse_special_file(search_paths: list[str], template: str) -> None:
    """A template is never read from a FIFO or a device (it would block, or never end):
    such a template counts as absent."""
    for search_path in search_paths:
        path = os.path.join(search_path, *jinja2.loaders.split_template_path(template))
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            raise jinja2.TemplateNotFound(template)
        return


@functools.lru_cache(maxsize=65536)
def relative_url(target: str, page_dir: str) -> str:
    """A link from a page in ``page_dir`` to a site path; folders keep their trailing slash."""
    is_folder = target == "" or target.endswith("/")
    rel = posixpath.relpath(target or ".", page_dir or ".")
    if is_folder:
        return "./" if rel == "." else rel + "/"
    return rel


def isodate(value: dt.datetime | dt.date) -> str:
    """``2024-03-12``, for <time datetime>."""
    return value.strftime("%Y-%m-%d")


def rfc3339(value: dt.datetime) -> str:
    """``2024-03-12T00:00:00Z`` for feeds and sitemaps."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def humandate(value: dt.datetime | dt.date) -> str:
    """``March 12, 2024``: the same in every locale, so builds are reproducible."""
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    return f"{months[value.month - 1]} {value.day}, {value.year}"


def jsonld(value: object) -> str:
    """JSON for a <script type=application/ld+json>, with <, > and & unable to end the tag."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def templates_digest(site_templates: Path | None) -> str:
    """A hash of every template a page may use, the site's and the theme's."""
    parts: list[str | bytes] = []
    for folder in (site_templates, theme_templates_dir()):
        if folder is None or not folder.is_dir():
            continue
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                parts += [os.fsencode(file.relative_to(folder).as_posix()), file.read_bytes()]
        parts.append("|")
    return digest(*parts)


def template_diagnostics(site_templates: Path | None) -> list[Diagnostic]:
    """Located errors for the site's own templates that cannot be used: not UTF-8 text, or
    not valid Jinja. Checked before any page renders, so a broken override is reported at its
    line instead of ending the build in a traceback."""
    if site_templates is None or not site_templates.is_dir():
        return []
    env = make_environment(site_templates)
    problems: list[Diagnostic] = []
    for file in sorted(site_templates.rglob("*")):
        if not file.is_file():
            continue
        shown = os.fsencode(file.relative_to(site_templates.parent).as_posix()).decode(
            "utf-8", "backslashreplace")
        text, found = decode_source(file.read_bytes(), shown)
        problems += found
        if text is None:
            continue
        try:
            env.parse(text, file.name, str(file))
        except jinja2.TemplateSyntaxError as bad:
            problems.append(error("bad-template", f"invalid template: {bad.message}",
                                  SourceLocation(shown, bad.lineno or 1),
                                  "templates are Jinja: {{ value }}, {% if test %}…{% endif %}"))
    return problems


def template_failure(problem: Exception, root: Path) -> Diagnostic:
    """A located ``bad-template`` error for a template that failed while rendering a page
    (an undefined value, a missing parent): the last template line the error passed through."""
    folders = [root / TEMPLATES_DIR, theme_templates_dir()]
    where = None
    for frame in traceback.extract_tb(problem.__traceback__):
        path = Path(frame.filename)
        if any(path.is_relative_to(folder) for folder in folders) and frame.lineno:
            shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            where = SourceLocation(shown, frame.lineno)
    message = getattr(problem, "message", None) or str(problem)
    return error("bad-template", f"template failed: {message}", where,
                 "a template in the site's templates/ folder replaces the theme's file of the "
                 "same name; extend the original with {% extends \"theme/<name>\" %}")
