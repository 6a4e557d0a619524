"""What the upstream receives, and what the client gets back from it (pure functions).

Upstream-bound: the client's headers minus the hop-by-hop ones (RFC 9110 §7.6.1: they
belong to one connection), minus the credentials (``Authorization``,
``X-Amz-Security-Token``: the upstream must never be able to replay them) and minus any
``X-Idpool-Request-Context`` the client sent; then the gateway's own context header and
``X-Forwarded-For``/``-Proto``/``-Host``. The query string goes on as received, less the
SigV4 presign parameters (the session token may travel there).

Client-bound: the upstream's headers minus the hop-by-hop ones, and minus its own
``Access-Control-Allow-Origin``/``-Credentials``: the gateway decides which origins may
read answers (``cors.py``), and two such headers would make browsers refuse the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import unquote_to_bytes

from idpool.gateway.core import CONTEXT_HEADER, Allowed
from idpool.sigv4.canonical import wire_bytes

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade",
})
# Never forwarded: credentials, the client's copy of the context header, and what the
# gateway sets itself (Host is the upstream's; the body's length is the gateway's to send).
_WITHHELD = frozenset({
    "authorization", "x-amz-security-token", CONTEXT_HEADER, "host", "content-length", "expect",
    "x-forwarded-proto", "x-forwarded-host",
})
_SIGNING_PARAMETERS = frozenset({
    b"x-amz-algorithm", b"x-amz-credential", b"x-amz-date", b"x-amz-expires", b"x-amz-signedheaders",
    b"x-amz-signature", b"x-amz-security-token",
})
# The gateway decides which origins may read answers; and its server sends its own Date.
_NOT_RETURNED = frozenset({"access-control-allow-origin", "access-control-allow-credentials", "date"})


def _connection_listed(headers: Iterable[tuple[str, str]]) -> set[str]:
    """Headers the Connection header names are hop-by-hop too (RFC 9110 §7.6.1)."""
    return {token.strip().lower() for name, value in headers if name.lower() == "connection"
            for token in value.split(",") if token.strip()}


def upstream_headers(
    headers: Sequence[tuple[str, str]], allowed: Allowed, *, source_ip: str | None, scheme: str,
) -> list[tuple[str, str]]:
    dropped = HOP_BY_HOP | _WITHHELD | _connection_listed(headers)
    out: list[tuple[str, str]] = []
    forwarded_for: list[str] = []
    host = None
    for name, value in headers:
        lower = name.lower()
        if lower == "host":
            host = value
        if lower == "x-forwarded-for":
            forwarded_for.append(value)
        elif lower not in dropped:
            out.append((name, value))
    if source_ip:
        forwarded_for.append(source_ip)
    if forwarded_for:
        out.append(("x-forwarded-for", ", ".join(forwarded_for)))
    out.append(("x-forwarded-proto", scheme))
    if host:
        out.append(("x-forwarded-host", host))
    out.append((CONTEXT_HEADER, allowed.context_header))
    return out


def upstream_query(raw_query: str) -> str:
    """The query string without SigV4's presign parameters, every other byte as received."""
    kept = []
    for piece in raw_query.split("&"):
        name = wire_bytes(piece.partition("=")[0]).replace(b"+", b" ")
        if piece and unquote_to_bytes(name).lower() not in _SIGNING_PARAMETERS:
            kept.append(piece)
    return "&".join(kept)


def client_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The upstream's response headers as the client may receive them."""
    headers = list(headers)
    dropped = HOP_BY_HOP | _NOT_RETURNED | _connection_listed(headers)
    return [(name, value) for name, value in headers if name.lower() not in dropped]
