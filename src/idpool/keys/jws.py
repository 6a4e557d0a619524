"""The JWS Compact Serialization (RFC 7515 §3.1, §7.1), encoded and strictly parsed.

Only the byte-level format lives here: base64url without padding, JSON objects
without duplicate members, three segments. Which algorithm and key may verify a
token is decided by ``idpool.keys.signing``; nothing here reads ``alg`` or ``kid``.
Every failure is a ``TokenInvalid`` (J07 in docs/SECURITY.md: malformed input is a 4xx, never a 500).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from idpool.keys.errors import TokenInvalid
from idpool.strict_json import refuse_constant, unique_members

MAX_TOKEN_CHARS = 20000  # STS WebIdentityToken max length (botocore model); checked before decoding
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class CompactJws:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes  # ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
    signature: bytes


def b64url_encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def b64url_decode(segment: str) -> bytes:
    """Strict base64url (RFC 7515 §2): URL alphabet, no padding, no stray bits.

    Re-encoding must give the segment back, so a token has exactly one spelling
    (no padding characters, no non-zero trailing bits, no whitespace).
    """
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise TokenInvalid("segment is not base64url")
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if b64url_encode(raw).decode("ascii") != segment:
        raise TokenInvalid("segment is not canonical base64url")
    return raw


def parse_json_object(data: bytes, what: str) -> dict[str, Any]:
    """A UTF-8 JSON object; duplicate members, NaN and Infinity are refused (RFC 7515 §4)."""
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=unique_members, parse_constant=refuse_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise TokenInvalid(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise TokenInvalid(f"{what} is not a JSON object")
    return value


def split_compact(token: object) -> CompactJws:
    """Split and decode a compact JWS; the size cap comes before any decoding (J13 in docs/SECURITY.md)."""
    if not isinstance(token, str):
        raise TokenInvalid("token is not a string")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenInvalid("token is too long")
    if not token.isascii():
        raise TokenInvalid("token is not ASCII")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenInvalid(f"token has {len(parts)} segments, not 3")
    header_b64, payload_b64, signature_b64 = parts
    header = parse_json_object(b64url_decode(header_b64), "header")
    return CompactJws(
        header=header,
        payload=b64url_decode(payload_b64),
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=b64url_decode(signature_b64),
    )
