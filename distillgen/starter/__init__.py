"""``distillgen init [DIR]``: a new site, ready to build, serve and deploy.

The files come from ``starter/site/`` in the package: settings with every key explained, a
bibliography, an example post that shows the dialect (as a page bundle with a figure and a
data file, and an alias), an About page and a publications page in the menu, a ``.gitignore``
and a GitHub Pages workflow that installs the same distillgen as this one (see
:mod:`distillgen.provenance`) and keeps the build cache between runs.

It writes only into an empty folder (one holding nothing but ``.git`` counts as empty, as
after ``git clone`` of a new repository), so it can never overwrite anything; every file is
created with ``open(..., "x")`` besides.
"""

from __future__ import annotations

import datetime as dt
import shlex
from importlib import resources
from pathlib import Path, PurePosixPath

from ..provenance import PLACEHOLDER, InstallSource, install_source

RENAMED = {"gitignore": ".gitignore", "github": ".github"}
"""Files kept under another name in the package (wheels and sdists drop dotfiles easily)."""
IGNORED_IN_EMPTY = frozenset({".git"})


class SiteExists(Exception):
    """The folder is not empty: init would have to overwrite or mix in files."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


def starter_files() -> dict[PurePosixPath, bytes]:
    """Every file of the new site, by its path in the site, before substitutions."""
    files: dict[PurePosixPath, bytes] = {}
    pending = [(resources.files(__package__).joinpath("site"), PurePosixPath())]
    while pending:
        folder, prefix = pending.pop()
        for entry in folder.iterdir():
            name = RENAMED.get(entry.name, entry.name) if not prefix.parts else entry.name
            if entry.name == "__pycache__":
                continue
            if entry.is_dir():
                pending.append((entry, prefix / name))
            else:
                files[prefix / name] = entry.read_bytes()
    return dict(sorted(files.items()))


def site_files(today: dt.date, source: InstallSource) -> dict[PurePosixPath, bytes]:
    """The files with today's date in the example post and the install line in the workflow."""
    comment = "" if source.known else (
        "      # Replace OWNER/distillgen with the repository you installed distillgen from\n"
        "      # (or any pip requirement for it).\n")
    substitutions = {b"@TODAY@": today.isoformat().encode(),
                     b"@INSTALL@": source.requirement.encode(),
                     b"@INSTALL_COMMENT@": comment.encode()}
    files = {}
    for path, data in starter_files().items():
        for marker, value in substitutions.items():
            data = data.replace(marker, value)
        files[path] = data
    return files


def create_site(directory: Path, today: dt.date | None = None,
                source: InstallSource | None = None) -> list[PurePosixPath]:
    """Write a new site into ``directory`` (created if absent); the files written, in order.

    Raises :class:`SiteExists` for a folder that holds anything but ``.git``, or a file.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise SiteExists(f"`{directory}` is a file, not a folder",
                         "give the name of a new folder: distillgen init my-blog")
    if directory.is_dir():
        present = sorted(p.name for p in directory.iterdir() if p.name not in IGNORED_IN_EMPTY)
        if present:
            shown = ", ".join(present[:4]) + (", …" if len(present) > 4 else "")
            raise SiteExists(
                f"`{directory}` is not empty ({shown}); init writes only into an empty folder, "
                "so that nothing is overwritten",
                "start in a new folder: distillgen init my-blog (a folder holding only .git "
                "is fine)")
    files = site_files(today or dt.date.today(), source or install_source())
    for path, data in files.items():
        target = directory.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:
            handle.write(data)
    return list(files)


def next_steps(directory: Path, created: list[PurePosixPath],
               source: InstallSource | None = None) -> str:
    """What init prints: what it made, and the next three commands."""
    source = source or install_source()
    here = Path(directory).resolve() == Path.cwd().resolve()
    where = "this folder" if here else f"`{directory}`"
    lines = [f"created a new site in {where}: {len(created)} files, among them",
             "  distillgen.toml                settings, every key explained",
             "  content/blog/welcome/index.md  an example post (citations, notes, math, figure)",
             "  content/about.md               a page in the menu",
             "  content/publications.md        your papers, listed from content/publications.bib",
             "  .github/workflows/pages.yml    builds and publishes the site on GitHub Pages",
             "",
             "next:"]
    steps = [] if here else [f"cd {shlex.quote(str(directory))}"]
    steps += ["distillgen serve            # see it at http://127.0.0.1:8000/, rebuilt on save",
              'distillgen new "My first post"',
              "distillgen build            # the site, in site/, ready to deploy"]
    lines += [f"  {step}" for step in steps[:3]]
    if not source.known:
        lines += ["", f"before deploying: .github/workflows/pages.yml installs distillgen from "
                      f"{PLACEHOLDER}; replace OWNER/distillgen with the repository you "
                      "installed it from"]
    return "\n".join(lines)
