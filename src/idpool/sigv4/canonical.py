"""The canonical request, string to sign and signing key of SigV4 (pure functions).

Follows the IAM User Guide, "Create a signed AWS API request" and "Elements of an
AWS API request signature", for every service except S3:

- CanonicalURI: the path as received (already URI-encoded once), with dot segments
  and repeated slashes removed, then URI-encoded again: non-S3 services encode each
  segment twice. botocore's signer does exactly this.
- CanonicalQueryString: each name and value percent-decoded, then encoded per RFC
  3986 (unreserved ``A-Z a-z 0-9 - _ . ~`` left alone, space as ``%20``), sorted by
  encoded name, then value. ``+`` decodes to a space, as the form parser the
  application uses reads it: a client cannot swap ``%2B`` for ``+`` and change what
  the application sees under an unchanged signature.
- CanonicalHeaders: lowercase name, value trimmed and inner whitespace runs
  collapsed to one space, repeated headers joined with ``,`` in the order received.
- HashedPayload: always sha256 of the body received, never a client's claim.

Wire text arrives as ASGI gives it: path and query string are the raw bytes decoded
as latin-1, so ``.encode("latin-1")`` recovers the exact bytes the client sent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"

QueryPairs = list[tuple[bytes, bytes]]


def canonical_uri(raw_path: str) -> str:
    """The CanonicalURI of a non-S3 request whose wire path is ``raw_path``."""
    path = _remove_dot_segments(raw_path) if raw_path else "/"
    return quote(wire_bytes(path), safe="/~")


def wire_bytes(text: str) -> bytes:
    """The bytes behind latin-1-decoded wire text (UTF-8 if it cannot have been that)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 §5.2.4, plus AWS's rule that empty segments (``//``) collapse; the
    # leading and trailing slash are kept, as botocore keeps them.
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment and segment != ".":
            kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return lead + "/".join(kept) + trail


def query_pairs(raw_query: str) -> QueryPairs:
    """The decoded (name, value) pairs of a wire query string, in wire order."""
    pairs: QueryPairs = []
    for piece in wire_bytes(raw_query).split(b"&"):
        if not piece:
            continue  # "a=1&&b=2": no parameter between the separators
        name, _, value = piece.partition(b"=")
        pairs.append((_form_decode(name), _form_decode(value)))
    return pairs


def _form_decode(text: bytes) -> bytes:
    return unquote_to_bytes(text.replace(b"+", b" "))


def canonical_query(pairs: Iterable[tuple[bytes, bytes]]) -> str:
    """The CanonicalQueryString of decoded pairs."""
    encoded = sorted((_encode(name), _encode(value)) for name, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _encode(data: bytes) -> str:
    return quote(data, safe="-_.~")


def canonical_header_value(values: Sequence[str]) -> str:
    """One header's canonical value: each trimmed and collapsed, repeats joined by ','."""
    return ",".join(" ".join(value.split()) for value in values)


def payload_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    payload: str,
) -> str:
    """The canonical request; ``headers`` are (lowercase name, canonical value), sorted."""
    header_block = "".join(f"{name}:{value}\n" for name, value in headers)
    signed = ";".join(name for name, _ in headers)
    return "\n".join((method, uri, query, header_block, signed, payload))


def string_to_sign(timestamp: str, scope: str, request: str) -> str:
    digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


@lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC chain over date, region, service and the terminator.

    Cached: a key serves every request of one credential, day, region and service,
    and this is on the path of every signed call. Bounded, so a flood of distinct
    scopes cannot grow memory.
    """
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def signature(key: bytes, to_sign: str) -> str:
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
