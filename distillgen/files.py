"""Files replaced whole: a reader (another build, a killed one started again) finds the old
bytes or the new ones, never part of either."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

TEMP_PREFIX = ".tmp-"
"""Temporary files beside their target start with this, so a clean-up can find them."""


def write_atomically(path: Path, data: bytes) -> None:
    """Write into a temporary file beside ``path``, then rename it over ``path`` (a folder
    planted at ``path`` is removed first: a rename cannot replace it). Raises OSError, and
    then leaves no temporary file behind."""
    fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
