"""Request bodies: read from ASGI with a cap and one deadline, whole or as a stream.

A SigV4 signature covers the body's SHA-256, so a body cannot go to the upstream before
the gateway knows it is the one that was signed. Two ways:

- the client states the hash (``X-Amz-Content-SHA256``, which the AWS SDKs for
  JavaScript send): the signature is checked against that hash before the body is read,
  and the body streams to the upstream, hashed on the way. The last chunk is held back
  until the hash is confirmed, so the upstream never receives a complete body that was
  not signed: on a mismatch the upstream request is broken off short of its end and the
  client gets ``InvalidSignatureException``;
- otherwise (botocore's SigV4Auth, aws4fetch) the body is read whole, up to the cap,
  then checked and forwarded.

Either way a body past ``limit`` bytes is refused (``RequestTooLarge``, 413), and one
not received within ``seconds`` of the first read is cut off (``RequestTimeout``, 408):
a client sending a byte now and then cannot hold the gateway for longer.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio

from idpool import errors
from idpool.sigv4 import SigV4Error
from idpool.sigv4.errors import mismatch

Receive = Callable[[], Awaitable[dict[str, Any]]]


class ClientGone(Exception):
    """The client disconnected before its body was complete."""


class BodyReader:
    def __init__(self, receive: Receive, *, limit: int, seconds: float) -> None:
        self._receive = receive
        self._limit = limit
        self._seconds = seconds

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body's chunks as they arrive; raises RequestTooLarge, RequestTimeout, ClientGone."""
        deadline = time.monotonic() + self._seconds
        size = 0
        while True:
            try:
                with anyio.fail_after(max(deadline - time.monotonic(), 0.0)):
                    message = await self._receive()
            except TimeoutError:
                raise errors.RequestTimeout(
                    f"The request body was not received within {self._seconds:g} seconds.") from None
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._limit:
                raise errors.RequestTooLarge(f"Request body is larger than {self._limit} bytes.")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    async def verified(self, sha256: str) -> AsyncIterator[bytes]:
        """The body's chunks, the last one only once the whole body hashes to ``sha256``."""
        digest = hashlib.sha256()
        held: bytes | None = None
        async for chunk in self.chunks():
            digest.update(chunk)
            if held is not None:
                yield held
            held = chunk
        if not hmac.compare_digest(digest.hexdigest(), sha256):
            raise BodyMismatch()
        if held is not None:
            yield held


class BodyMismatch(SigV4Error):
    """The streamed body is not the one whose hash was signed."""

    def __init__(self) -> None:
        signature = mismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
        super().__init__(signature.kind, signature.message)


def too_large(content_length: str | None, limit: int) -> bool:
    """A Content-Length past the cap (or not a number) is refused before any byte is read."""
    if content_length is None:
        return False
    return not content_length.strip().isdigit() or int(content_length) > limit
