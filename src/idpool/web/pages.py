"""``GET /`` from a browser: a redirect to the console, ``/console``.

``/`` is also the AWS API endpoint, so only a request that asks for HTML (a browser's
``Accept``) and carries nothing of an API call (no signature, no ``X-Amz-Target``, no
query string) is redirected; every other ``GET /`` keeps the AWS behaviour. The location is
relative: it never comes from the request's ``Host`` header.
"""

from __future__ import annotations

from dataclasses import dataclass

from idpool.web.http import Scope


@dataclass(frozen=True)
class Redirect:
    status: int
    headers: list[tuple[str, str]]


CONSOLE_REDIRECT = Redirect(302, [("location", "/console"), ("cache-control", "no-store"),
                                  ("x-content-type-options", "nosniff")])


def wants_page(scope: Scope) -> bool:
    """A browser navigating to ``/``, not an API call."""
    if scope["method"] not in ("GET", "HEAD") or scope.get("query_string"):
        return False
    accept = b""
    for name, value in scope["headers"]:
        if name in (b"authorization", b"x-amz-target"):
            return False
        if name == b"accept":
            accept += value.lower() + b","
    return b"text/html" in accept
