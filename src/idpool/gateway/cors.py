"""CORS for the gateway: preflights answered without credentials, answers readable by the
pages of the configured origins (Fetch standard, "CORS protocol").

A signed call from a page sends ``Authorization``, ``X-Amz-Date`` and
``X-Amz-Security-Token``: not CORS-safelisted headers, so the browser first sends an
unsigned ``OPTIONS`` preflight. The gateway answers it itself, as an API Gateway API with
CORS enabled does, for the origins of ``--cors-origins``. The default ``*`` is safe here:
requests carry SigV4 signatures, not cookies, so a page can only send what its own
credentials sign (``Access-Control-Allow-Credentials`` is never sent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
ALLOW_METHODS = "GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS"
# What a signing client sends, for a preflight that names no headers.
DEFAULT_ALLOW_HEADERS = (
    "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-content-sha256,x-amz-user-agent,"
    "amz-sdk-invocation-id,amz-sdk-request"
)
EXPOSE_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,Date"
MAX_AGE_SECONDS = "7200"  # the longest Chromium honours


class Cors:
    def __init__(self, origins: Sequence[str]) -> None:
        self._any = "*" in origins
        self._origins = frozenset(origins)

    def allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin for a request from ``origin``; None: not allowed."""
        if self._any:
            return "*"
        return origin if origin in self._origins else None

    @staticmethod
    def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
        return method == "OPTIONS" and "access-control-request-method" in headers

    def preflight(self, headers: Mapping[str, str]) -> tuple[int, list[tuple[str, str]]]:
        """Status and headers answering a preflight (``headers`` lower-cased)."""
        allowed = self.allowed_origin(headers.get("origin"))
        if allowed is None:
            return 403, [("vary", "Origin")]
        requested = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",")]
        names = ",".join(h for h in requested if _TOKEN.fullmatch(h)) or DEFAULT_ALLOW_HEADERS
        return 204, [
            ("access-control-allow-origin", allowed),
            ("access-control-allow-methods", ALLOW_METHODS),
            ("access-control-allow-headers", names),
            ("access-control-max-age", MAX_AGE_SECONDS),
            ("vary", "Origin, Access-Control-Request-Headers"),
        ]

    def response_headers(self, origin: str | None, upstream: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        """Headers that let the page of ``origin`` read an answer; the upstream's own exposed
        headers stay exposed."""
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return []
        exposed = [value for name, value in upstream if name.lower() == "access-control-expose-headers"]
        headers = [("access-control-allow-origin", allowed)]
        if not exposed:
            headers.append(("access-control-expose-headers", EXPOSE_HEADERS))
        if allowed != "*":
            headers.append(("vary", "Origin"))
        return headers
