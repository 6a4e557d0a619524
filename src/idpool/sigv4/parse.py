"""Reading the signature's parts from an Authorization header or presign parameters.

Header form (IAM User Guide, "Elements of an AWS API request signature"):

    AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request,
        SignedHeaders=host;x-amz-date, Signature=<64 hex>

Spacing is tolerated as AWS tolerates it (any whitespace after the algorithm, optional
spaces around ``,`` and ``=``). Query form (S3 API Reference, "Authenticating Requests:
Using Query Parameters"): X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
X-Amz-SignedHeaders, X-Amz-Signature and X-Amz-Expires, each exactly once.

Everything here raises ``SigV4Error`` with INCOMPLETE_SIGNATURE for a malformed part
and UNSUPPORTED_ALGORITHM for any algorithm but AWS4-HMAC-SHA256 (SigV4A's
AWS4-ECDSA-P256-SHA256 included). Semantic checks (scope, time) live in ``verify``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from idpool.sigv4.canonical import ALGORITHM, QueryPairs
from idpool.sigv4.errors import AuthFailure, SigV4Error, incomplete, shown

SIGV4A = "AWS4-ECDSA-P256-SHA256"
MAX_EXPIRES = 604800  # seven days: the signing key's own lifetime (S3 API Reference)

_ISO_BASIC = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_TOKEN = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")  # RFC 9110 token, lowercase
_HEADER_FIELDS = ("Credential", "SignedHeaders", "Signature")
_QUERY_FIELDS = (
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Expires",
)


@dataclass(frozen=True, slots=True)
class Credential:
    access_key_id: str
    date: str  # YYYYMMDD
    region: str
    service: str
    terminator: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


@dataclass(frozen=True, slots=True)
class AuthParams:
    credential: Credential
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str | None = None  # presigned: X-Amz-Date; header form reads it from headers
    expires: int | None = None  # presigned: X-Amz-Expires seconds

    @property
    def presigned(self) -> bool:
        return self.expires is not None


def from_authorization(value: str) -> AuthParams:
    """The parts of an ``Authorization: AWS4-HMAC-SHA256 ...`` header value."""
    words = value.split(None, 1)
    if not words:
        raise incomplete("The Authorization header is empty.")
    algorithm, rest = words[0], words[1] if len(words) > 1 else ""
    require_algorithm(algorithm)
    fields = _header_fields(rest)
    return AuthParams(
        credential=parse_credential(fields["Credential"]),
        signed_headers=parse_signed_headers(fields["SignedHeaders"]),
        signature=fields["Signature"],
    )


def _header_fields(rest: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        name = name.strip()
        if not name and not equals:
            continue  # a stray comma
        if not equals or name not in _HEADER_FIELDS or name in fields:
            raise incomplete(
                "The Authorization header may hold Credential, SignedHeaders and "
                "Signature, each once, separated by commas."
            )
        fields[name] = value.strip()
    missing = [name for name in _HEADER_FIELDS if not fields.get(name)]
    if missing:
        raise incomplete(" ".join(f"Authorization header requires '{m}' parameter." for m in missing))
    return fields


def from_query(pairs: QueryPairs) -> AuthParams:
    """The parts of a presigned request's X-Amz-* query parameters."""
    fields = _query_fields(pairs)
    require_algorithm(fields["X-Amz-Algorithm"])
    return AuthParams(
        credential=parse_credential(fields["X-Amz-Credential"]),
        signed_headers=parse_signed_headers(fields["X-Amz-SignedHeaders"]),
        signature=fields["X-Amz-Signature"],
        timestamp=fields["X-Amz-Date"],
        expires=parse_expires(fields["X-Amz-Expires"]),
    )


def _query_fields(pairs: QueryPairs) -> dict[str, str]:
    wanted = {name.encode(): name for name in _QUERY_FIELDS}
    fields: dict[str, str] = {}
    for key, value in pairs:
        name = wanted.get(key)
        if name is None:
            continue
        if name in fields:
            raise incomplete(f"The query string carries '{name}' more than once.")
        try:
            fields[name] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise incomplete(f"'{name}' is not valid UTF-8.") from None
    if any(not fields.get(name) for name in _QUERY_FIELDS):
        raise incomplete(
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
            "'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', and 'X-Amz-Expires'. "
            "Re-examine the query-string parameters."
        )
    return fields


def require_algorithm(algorithm: str) -> None:
    if algorithm == ALGORITHM:
        return
    if algorithm == SIGV4A:
        message = f"Signature Version 4A ({SIGV4A}) is not supported; sign with {ALGORITHM}."
    else:
        message = f"Unsupported AWS 'algorithm': '{shown(algorithm)}'; sign with {ALGORITHM}."
    raise SigV4Error(AuthFailure.UNSUPPORTED_ALGORITHM, message)


def parse_credential(text: str) -> Credential:
    """``<AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request``, five non-empty parts."""
    parts = text.split("/")
    if len(parts) != 5 or not all(parts) or not (len(parts[1]) == 8 and parts[1].isdigit()):
        raise incomplete(
            "Credential is malformed; expecting "
            '"<AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request".'
        )
    return Credential(*parts)


def parse_signed_headers(text: str) -> tuple[str, ...]:
    """SignedHeaders as sent: lowercase tokens, sorted, unique, joined by ';'."""
    names = tuple(text.split(";"))
    well_formed = all(_TOKEN.fullmatch(name) for name in names)
    if not well_formed or any(a >= b for a, b in itertools.pairwise(names)):
        raise incomplete(
            "SignedHeaders must list lowercase header names, sorted and without repeats, "
            "separated by ';'."
        )
    return names


def parse_expires(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_EXPIRES):
        raise incomplete(f"X-Amz-Expires must be a whole number of seconds from 1 to {MAX_EXPIRES}.")
    return int(text)


def parse_amz_date(text: str) -> dt.datetime:
    """An ``X-Amz-Date`` value: ISO 8601 basic format, ``YYYYMMDD'T'HHMMSS'Z'``, UTC."""
    if _ISO_BASIC.fullmatch(text):
        try:
            # the regex fixed every position; slicing is ~10x cheaper than strptime on this hot path
            return dt.datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                               int(text[11:13]), int(text[13:15]), tzinfo=dt.UTC)
        except ValueError:
            pass
    raise incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")


def parse_date_header(text: str) -> dt.datetime:
    """A ``Date`` header: ISO 8601 basic format, or an HTTP date in UTC (RFC 9110 §5.6.7).

    botocore's signer sends the HTTP form when a request carries ``Date``, and signs
    the same instant in ISO basic form.
    """
    if _ISO_BASIC.fullmatch(text):
        return parse_amz_date(text)
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)  # "-0000" (botocore's formatdate): UTC
    if parsed is None or parsed.utcoffset() != dt.timedelta(0):
        raise incomplete("The Date header must be an HTTP date in GMT or ISO 8601 basic format.")
    return parsed.astimezone(dt.UTC)


def iso_basic(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
