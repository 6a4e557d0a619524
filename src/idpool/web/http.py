"""Small ASGI helpers shared by the endpoints (no framework on the hot path)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

CORS_EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    """The client did not send its whole body in time (slow, or stopped short of its Content-Length)."""


def body_deadline(receive: Receive, seconds: float) -> Receive:
    """``receive`` with one deadline for the whole request body, from the first call.

    A deadline per ``receive()`` would not do: a client sending one byte just before each
    timeout could hold its socket for as long as the body cap allows. ``BodyTimeout``
    is raised once ``seconds`` have passed; the caller answers it (408) and the
    connection closes. Once the body is complete, later calls (waiting for a
    disconnect) are not bounded.
    """
    deadline: float | None = None
    complete = False

    async def bounded() -> dict[str, Any]:
        nonlocal deadline, complete
        if complete:
            return await receive()
        now = time.monotonic()
        if deadline is None:
            deadline = now + seconds
        try:
            with anyio.fail_after(max(deadline - now, 0.0)):
                message = await receive()
        except TimeoutError:
            raise BodyTimeout() from None
        complete = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return bounded


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
