"""Running pytest sessions that use idpool's plugin (a plain module for tests/testing)."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "idpool.testing.plugin"


def plugin_args() -> list[str]:
    """Once idpool is installed, pytest loads the plugin through its ``pytest11`` entry
    point by itself; a checkout whose installed metadata predates the entry point names
    the module instead (naming it twice would register it twice)."""
    installed = any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider", *([] if installed else ["-p", PLUGIN])]


def fenced(path: Path, language: str) -> list[str]:
    """The code blocks of a Markdown file fenced with ```language."""
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), re.S)
