"""The fixed names of a site folder: the settings file, the cache, the site's own assets and
templates, and the theme distillgen ships.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "distillgen.toml"
CACHE_DIR = ".distillgen-cache"
"""Beside the output, never inside it: a fresh copy of the site is a cold build."""
ASSETS_DIR = "assets"
TEMPLATES_DIR = "templates"
THEME_DIR = Path(__file__).parent / "theme"
