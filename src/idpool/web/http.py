"""Small ASGI helpers shared by the endpoints (no framework on the hot path)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

CORS_EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


class BodyTooLarge(Exception):
    pass


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes whether sent with a
    Content-Length or chunked, before more than ``limit`` bytes are held."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                if int(value) > limit:
                    raise BodyTooLarge()
            except ValueError:
                raise BodyTooLarge() from None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def respond(
    send: Send, status: int, headers: Iterable[tuple[str, str]], body: bytes, *, cors: bool = True
) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    if cors:
        raw.append((b"access-control-allow-origin", b"*"))
        raw.append((b"access-control-expose-headers", CORS_EXPOSE.encode()))
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
