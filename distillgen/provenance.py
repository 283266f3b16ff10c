"""Where this copy of distillgen was installed from, as a line ``pip install`` understands.

``distillgen init`` writes a GitHub Pages workflow that installs distillgen on GitHub's
machines; it should install the same distillgen the author has. pip records the source of
every install that did not come from a package index in ``direct_url.json`` (PEP 610):

* from a git URL: that URL, pinned to the installed commit;
* from a local clone (``pipx install ./distillgen``): the clone's ``origin``, pinned to its
  commit when that commit is on a remote branch (else unpinned: it may not be pushed);
* from an https archive: that URL;
* from a package index (no record): ``distillgen==<version>``.

A source that GitHub cannot reach (a local folder with no web remote) gives a placeholder
the author must replace, and says so.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import __version__

PLACEHOLDER = "git+https://github.com/OWNER/distillgen"
"""Stands for the repository distillgen comes from, when this copy cannot tell."""


@dataclass(frozen=True)
class InstallSource:
    requirement: str
    """What to give ``pip install``: ``distillgen @ git+https://…@<commit>``."""
    known: bool
    """False when :data:`PLACEHOLDER` had to stand in."""


def install_source() -> InstallSource:
    """This copy's source, from its installation record."""
    # Several records can be found (an egg-info beside a checkout, on sys.path first): the
    # one that says where it came from is the installed one.
    records = [dist.read_text("direct_url.json")
               for dist in metadata.distributions(name="distillgen")]
    record = next((text for text in records if text), None)
    return source_from_record(record, __version__, _git)


def source_from_record(record: str | None, version: str, git) -> InstallSource:
    """The install line for a ``direct_url.json`` text (None: installed from an index);
    ``git(folder, *args)`` runs git and returns its output, or None."""
    if record is None:
        return InstallSource(f"distillgen=={version}", True)
    try:
        data = json.loads(record)
        url = str(data["url"])
    except (ValueError, KeyError, TypeError):
        return InstallSource(f"distillgen @ {PLACEHOLDER}", False)
    vcs = data.get("vcs_info") if isinstance(data.get("vcs_info"), dict) else None
    if vcs and vcs.get("vcs") == "git" and _is_web(url):
        commit = vcs.get("commit_id")
        return InstallSource(f"distillgen @ git+{url}" + (f"@{commit}" if commit else ""),
                             True)
    if "archive_info" in data and _is_web(url):
        return InstallSource(f"distillgen @ {url}", True)
    if url.startswith("file://"):
        folder = Path(unquote(urlsplit(url).path))
        remote = _web_remote(git(folder, "remote", "get-url", "origin"))
        if remote:
            commit = (git(folder, "rev-parse", "HEAD") or "").strip()
            pushed = commit and (git(folder, "branch", "-r", "--contains", commit) or "").strip()
            return InstallSource(f"distillgen @ git+{remote}" + (f"@{commit}" if pushed else ""),
                                 True)
    return InstallSource(f"distillgen @ {PLACEHOLDER}", False)


def _is_web(url: str) -> bool:
    return url.startswith("https://")


def _web_remote(remote: str | None) -> str | None:
    """An https address for a git remote: ``git@github.com:a/b.git`` -> ``https://github.com/a/b.git``."""
    if not remote:
        return None
    remote = remote.strip()
    if remote.startswith("https://"):
        return remote
    match = re.fullmatch(r"(?:ssh://)?git@([^:/]+)[:/](.+)", remote)
    return f"https://{match.group(1)}/{match.group(2)}" if match else None


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
