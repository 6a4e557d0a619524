"""SigV4 verification written for a server: sans-I/O, time and key lookup passed in.

``verify`` checks, in this order, and raises ``SigV4Error`` at the first failure:

1. one mechanism: an ``Authorization`` header (exactly one) or presign parameters;
2. well-formed parts, algorithm AWS4-HMAC-SHA256 (``parse``);
3. credential scope: ``aws4_request``, the routed service, an allowed region, and the
   day of the request's timestamp;
4. clock: X-Amz-Date within ``max_skew`` both ways (IAM User Guide: a request must
   reach AWS within five minutes of its time stamp); presigned, also not past
   X-Amz-Date + X-Amz-Expires;
5. signed headers: ``host`` always, the timestamp header (``x-amz-date``, or ``date``
   when that carries the time), ``x-amz-target`` whenever present (it selects the
   operation), and every listed header present;
6. payload: sha256 of the body received; an ``X-Amz-Content-SHA256`` must equal it
   (so ``UNSIGNED-PAYLOAD`` is refused: these services take signed payloads only). A
   body still to come (``HttpRequest.body_sha256``) is signed with the hash its
   ``X-Amz-Content-SHA256`` states, and its reader checks the bytes against it;
7. the access key (``lookup``), then its session token, compared in constant time;
8. the signature, recomputed from the client's own SignedHeaders, compared in
   constant time.

Presigned requests hash the body like header-signed ones: botocore's SigV4QueryAuth
moves a form body into the query string and signs sha256 of the (then empty) body;
``UNSIGNED-PAYLOAD`` is S3's presign rule and S3 is not served here.

Replays inside the window are accepted, as AWS accepts them (SigV4 has no nonce).
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from idpool.sigv4.canonical import (
    TERMINATOR,
    QueryPairs,
    canonical_header_value,
    canonical_query,
    canonical_request,
    canonical_uri,
    payload_hash,
    query_pairs,
    signature,
    signing_key,
    string_to_sign,
)
from idpool.sigv4.errors import (
    INVALID_CLIENT_TOKEN,
    AuthFailure,
    SigV4Error,
    incomplete,
    mismatch,
    shown,
)
from idpool.sigv4.parse import (
    AuthParams,
    Credential,
    from_authorization,
    from_query,
    iso_basic,
    parse_amz_date,
    parse_date_header,
)

__all__ = [
    "AuthFailure", "HttpRequest", "SigV4Error", "SigningSecret", "Verified",
    "is_signed", "session_token", "verify",
]

_PRESIGN_MARKERS = (b"X-Amz-Algorithm", b"X-Amz-Credential")
_ACCESS_KEY_ID = re.compile(r"[!-~]{1,128}")  # printable ASCII: no lookup for junk
_UNSIGNED_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request as received. ASGI: ``raw_path``/``query_string``/headers decoded latin-1."""

    method: str
    path: str  # raw path, still percent-encoded, e.g. "/"
    query_string: str  # raw, without the leading '?'
    headers: Sequence[tuple[str, str]]  # in order, original case, repeats kept
    body: bytes = field(repr=False)
    # A body that streams on after the signature is checked (the gateway): its SHA-256 as
    # the client states it in X-Amz-Content-SHA256, signed in place of ``body``'s. Whoever
    # sets it must hash the body as it passes and refuse it unless the hashes are equal.
    body_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class SigningSecret:
    """What the credential lookup returns for a known access key id."""

    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)  # temporary keys only


@dataclass(frozen=True, slots=True)
class Verified:
    access_key_id: str
    region: str
    service: str
    signed_at: dt.datetime
    secret: SigningSecret


Headers = dict[str, list[str]]
Lookup = Callable[[str], SigningSecret | None]


def is_signed(request: HttpRequest) -> bool:
    """True if the request carries an Authorization header or presign parameters."""
    if any(name.lower() == "authorization" for name, _ in request.headers):
        return True
    return _has_presign_parameters(query_pairs(request.query_string))


def session_token(request: HttpRequest) -> str | None:
    """The X-Amz-Security-Token the request presents (header or query), read as ``verify`` reads it.

    For a ``lookup`` that needs the token to find the secret (sealed, self-describing
    session tokens): decode it here rather than again, so both agree on what was sent.
    Raises ``SigV4Error`` (INCOMPLETE_SIGNATURE) if the token is presented twice.
    """
    tokens = _presented_tokens(_index(request.headers), query_pairs(request.query_string))
    return tokens[0].decode("utf-8", "replace") if tokens else None


def verify(
    request: HttpRequest,
    *,
    service: str,
    allowed_regions: Collection[str],
    lookup: Lookup,
    now: dt.datetime,
    max_skew: dt.timedelta = dt.timedelta(minutes=5),
) -> Verified:
    """Authenticate ``request`` for the routed ``service``; raise ``SigV4Error`` if it fails."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    headers = _index(request.headers)
    pairs = query_pairs(request.query_string)
    auth = _auth_params(headers, pairs)
    timestamp, signed_at, date_header = _timestamp(auth, headers)
    _check_scope(auth.credential, timestamp, service, allowed_regions)
    _check_clock(auth, timestamp, signed_at, now, max_skew)
    _check_signed_headers(auth.signed_headers, headers, date_header)
    payload = _payload(request, headers)
    secret = _lookup(lookup, auth.credential.access_key_id)
    _check_session_token(secret, _presented_tokens(headers, pairs))
    expected = _expected_signature(request, auth, headers, pairs, timestamp, payload, secret)
    if not hmac.compare_digest(expected.encode(), auth.signature.encode("utf-8", "surrogatepass")):
        raise mismatch()
    credential = auth.credential
    return Verified(credential.access_key_id, credential.region, credential.service, signed_at, secret)


def _index(headers: Sequence[tuple[str, str]]) -> Headers:
    index: Headers = {}
    for name, value in headers:
        index.setdefault(name.lower(), []).append(value)
    return index


def _single(headers: Headers, name: str) -> str | None:
    values = headers.get(name)
    if values is None:
        return None
    if len(values) > 1:
        raise incomplete(f"The request carries more than one '{name}' header.")
    return values[0].strip()


def _has_presign_parameters(pairs: QueryPairs) -> bool:
    return any(key in _PRESIGN_MARKERS for key, _ in pairs)


def _auth_params(headers: Headers, pairs: QueryPairs) -> AuthParams:
    presigned = _has_presign_parameters(pairs)
    if "authorization" in headers and presigned:
        raise incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified."
        )
    authorization = _single(headers, "authorization")
    if authorization is not None:
        return from_authorization(authorization)
    if presigned:
        return from_query(pairs)
    raise SigV4Error.missing()


def _timestamp(auth: AuthParams, headers: Headers) -> tuple[str, dt.datetime, str | None]:
    """(timestamp as signed, the instant, the header that carried it, if any)."""
    if auth.timestamp is not None:
        return auth.timestamp, parse_amz_date(auth.timestamp), None
    amz_date = _single(headers, "x-amz-date")
    if amz_date is not None:
        return amz_date, parse_amz_date(amz_date), "x-amz-date"
    date = _single(headers, "date")  # X-Amz-Date wins when both are present
    if date is not None:
        moment = parse_date_header(date)
        return iso_basic(moment), moment, "date"
    raise incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    )


def _check_scope(
    credential: Credential, timestamp: str, service: str, allowed_regions: Collection[str]
) -> None:
    # Wording and code (SignatureDoesNotMatch) as STS answers a wrongly scoped credential.
    if credential.terminator != TERMINATOR:
        raise mismatch(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{shown(credential.terminator)}'."
        )
    if credential.service != service:
        raise mismatch(f"Credential should be scoped to correct service: '{service}'.")
    if credential.region not in allowed_regions:
        # AWS's sentence, then the regions accepted here: with a local server the usual
        # cause is a client region (AWS_REGION) that differs from the server's --region.
        region = shown(credential.region)
        accepted = ", ".join(sorted(allowed_regions))
        raise mismatch(f"Credential should be scoped to a valid region, not '{region}'. This server accepts: {accepted}.")
    if credential.date != timestamp[:8]:
        raise mismatch(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{credential.date}' != '{timestamp[:8]}', from '{timestamp}'."
        )


def _check_clock(
    auth: AuthParams, timestamp: str, signed_at: dt.datetime, now: dt.datetime, skew: dt.timedelta
) -> None:
    # Messages as AWS words them, e.g. "Signature expired: 20160609T184512Z is now
    # earlier than 20160610T013008Z (20160610T014508Z - 15 min.)".
    window = _minutes(skew)
    if signed_at - now > skew:
        raise _expired(
            f"Signature not yet current: {timestamp} is still later than "
            f"{iso_basic(now + skew)} ({iso_basic(now)} + {window})"
        )
    if auth.expires is not None:
        if now - signed_at > dt.timedelta(seconds=auth.expires):
            raise _expired(
                f"Request has expired: X-Amz-Date {timestamp} plus X-Amz-Expires "
                f"{auth.expires} seconds is earlier than {iso_basic(now)}."
            )
    elif now - signed_at > skew:
        raise _expired(
            f"Signature expired: {timestamp} is now earlier than "
            f"{iso_basic(now - skew)} ({iso_basic(now)} - {window})"
        )


def _minutes(skew: dt.timedelta) -> str:
    seconds = int(skew.total_seconds())
    return f"{seconds // 60} min." if seconds % 60 == 0 else f"{seconds} sec."


def _expired(message: str) -> SigV4Error:
    return SigV4Error(AuthFailure.EXPIRED_REQUEST, message)


def _check_signed_headers(signed: tuple[str, ...], headers: Headers, date_header: str | None) -> None:
    for name in ("host", "x-amz-target"):
        _single(headers, name)  # one value each: no doubt about what was signed
    if "host" not in signed:
        raise incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if date_header is not None and date_header not in signed:
        raise incomplete(f"'{date_header}' must be a 'SignedHeader' in the AWS Authorization.")
    if "x-amz-target" in headers and "x-amz-target" not in signed:
        raise incomplete("'X-Amz-Target' names the operation and must be a 'SignedHeader'.")
    for name in signed:
        if name not in headers:
            raise incomplete(f"The signed header '{name}' is not in the request.")


def _payload(request: HttpRequest, headers: Headers) -> str:
    claimed = _single(headers, "x-amz-content-sha256")
    if request.body_sha256 is not None:
        if claimed != request.body_sha256:
            raise mismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
        return request.body_sha256  # the caller checks the body against it as it streams
    computed = payload_hash(request.body)
    if claimed is None or claimed == computed:
        return computed
    if claimed.startswith(_UNSIGNED_PAYLOADS):
        raise mismatch("This service accepts signed payloads only; 'x-amz-content-sha256' must be "
                       "the SHA-256 of the body.")
    raise mismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")


def _lookup(lookup: Lookup, access_key_id: str) -> SigningSecret:
    found = lookup(access_key_id) if _ACCESS_KEY_ID.fullmatch(access_key_id) else None
    if found is None:
        raise SigV4Error(AuthFailure.UNKNOWN_KEY, INVALID_CLIENT_TOKEN)
    return found


def _presented_tokens(headers: Headers, pairs: QueryPairs) -> list[bytes]:
    # Signed or added after signing (AWS's post-sts-header-before/-after vectors):
    # wherever it is, the token must be the one the key was issued with.
    in_headers = headers.get("x-amz-security-token", ())
    tokens = [value.strip().encode("utf-8", "surrogatepass") for value in in_headers]
    tokens += [value for key, value in pairs if key == b"X-Amz-Security-Token"]
    if len(tokens) > 1:
        raise incomplete("The request carries X-Amz-Security-Token more than once.")
    return tokens


def _check_session_token(secret: SigningSecret, presented: list[bytes]) -> None:
    expected = secret.session_token
    if expected is None:
        valid = not presented  # a long-term key takes no session token
    else:
        valid = bool(presented) and hmac.compare_digest(presented[0], expected.encode("utf-8"))
    if not valid:
        raise SigV4Error(AuthFailure.INVALID_TOKEN, INVALID_CLIENT_TOKEN)


def _expected_signature(
    request: HttpRequest,
    auth: AuthParams,
    headers: Headers,
    pairs: QueryPairs,
    timestamp: str,
    payload: str,
    secret: SigningSecret,
) -> str:
    if auth.presigned:  # the signature cannot sign itself
        pairs = [(key, value) for key, value in pairs if key != b"X-Amz-Signature"]
    canonical_headers = [(name, canonical_header_value(headers[name])) for name in auth.signed_headers]
    creq = canonical_request(
        request.method, canonical_uri(request.path), canonical_query(pairs), canonical_headers, payload
    )
    credential = auth.credential
    key = signing_key(secret.secret_access_key, credential.date, credential.region, credential.service)
    return signature(key, string_to_sign(timestamp, credential.scope, creq))
