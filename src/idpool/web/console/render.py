"""Templates, static files and the headers every console answer carries.

Jinja2 autoescapes every value (a pool's tags, a developer user id, an error message that
repeats the input: I05 in docs/SECURITY.md), and the Content-Security-Policy allows
scripts, styles and images from the console's own origin only: no inline script or
style, no ``eval``, no framing (I06), forms posted only back to the console. The one
script and the one stylesheet are the project's own files, served from package data with
a content hash in their URL, so a new version is never hidden by a cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).resolve().parent
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cache-control", "no-store"),
)
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


class StaticFile:
    def __init__(self, path: Path) -> None:
        self.body = path.read_bytes()
        self.media_type = _STATIC_TYPES[path.suffix]
        self.url = f"/console/static/{path.name}?v={hashlib.sha256(self.body).hexdigest()[:12]}"


STATIC = {path.name: StaticFile(path) for path in sorted((HERE / "static").iterdir()) if path.suffix in _STATIC_TYPES}


def _when(value: Any) -> str:
    """A timestamp as the API returns it, shown in UTC to the second."""
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


def pretty_json(text: str) -> str:
    """A policy document indented for the editor; text that is not JSON as it was."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _static_url(name: str) -> str:
    return STATIC[name].url


_ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["when"] = _when
_ENV.filters["pretty_json"] = pretty_json
_ENV.globals["static_url"] = _static_url


def render(template: str, context: Mapping[str, Any]) -> bytes:
    return _ENV.get_template(template).render(**context).encode("utf-8")
