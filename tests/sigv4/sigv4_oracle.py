"""botocore's signer as the client oracle: sign at a frozen instant, return the wire request.

Tests only: production code never imports botocore (``idpool.sigv4`` recomputes
everything a client could lie about). The request handed back is what a server
would receive: raw path and query as on the wire, headers in order with repeats,
plus the Host header the HTTP client adds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from idpool.sigv4 import HttpRequest, SigningSecret, SigV4Error, Verified, verify

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TEMP_AKID = "ASIAEXAMPLETEMPKEY01"
TEMP_SECRET = "tEmPoRaRySeCrEtKeYfOrTeStS/0123456789abc"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN+/=abc123"
HOST = "idpool.test:4566"
SERVICE = "sts"
REGION = "us-east-1"
SIGNED_AT = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)

Lookup = Callable[[str], SigningSecret | None]


def keyring(extra: Mapping[str, SigningSecret] | None = None) -> Lookup:
    """A lookup knowing the long-term example key and a temporary key with TOKEN."""
    keys = {AKID: SigningSecret(SECRET), TEMP_AKID: SigningSecret(TEMP_SECRET, TOKEN)}
    keys.update(extra or {})
    return keys.get


def sign(
    method: str = "POST",
    path: str = "/",
    *,
    params: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
    query: str = "",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    service: str = SERVICE,
    region: str = REGION,
    at: dt.datetime = SIGNED_AT,
    access_key: str = AKID,
    secret: str = SECRET,
    token: str | None = None,
    host: str = HOST,
    signer: type[SigV4Auth] = SigV4Auth,
    context: Mapping[str, Any] | None = None,
) -> HttpRequest:
    """A request signed in the Authorization header by botocore's SigV4Auth."""
    request = _aws_request(method, host, path, query, params, headers, body)
    request.context.update(context or {})
    with _frozen(at):
        signer(Credentials(access_key, secret, token), service, region).add_auth(request)
    return wire(request)


def presign(
    method: str = "GET",
    path: str = "/",
    *,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    headers: Sequence[tuple[str, str]] = (),
    expires: int = 3600,
    service: str = SERVICE,
    region: str = REGION,
    at: dt.datetime = SIGNED_AT,
    access_key: str = AKID,
    secret: str = SECRET,
    token: str | None = None,
) -> HttpRequest:
    """A request presigned in its query string by botocore's SigV4QueryAuth."""
    request = _aws_request(method, HOST, path, "", params, headers, b"")
    if data:
        request.data = dict(data)
    with _frozen(at):
        auth = SigV4QueryAuth(Credentials(access_key, secret, token), service, region, expires=expires)
        auth.add_auth(request)
    return wire(request)


def _aws_request(
    method: str,
    host: str,
    path: str,
    query: str,
    params: Iterable[tuple[str, str]] | Mapping[str, str] | None,
    headers: Sequence[tuple[str, str]],
    body: bytes,
) -> AWSRequest:
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, params=_params(params))
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders appends: repeats are kept
    return request


def _params(params: Iterable[tuple[str, str]] | Mapping[str, str] | None) -> Any:
    if params is None:
        return {}
    return dict(params) if isinstance(params, Mapping) else list(params)


def _frozen(at: dt.datetime) -> Any:
    naive = at.astimezone(dt.UTC).replace(tzinfo=None)
    return mock.patch("botocore.auth.get_current_datetime", return_value=naive)


def wire(request: AWSRequest) -> HttpRequest:
    """What the server receives for a signed AWSRequest."""
    prepared = request.prepare()
    url = urlsplit(prepared.url)
    headers = list(request.headers.items())
    if not any(name.lower() == "host" for name, _ in headers):
        headers.append(("Host", url.netloc))
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(request.method, _latin1(url.path) or "/", _latin1(url.query), headers, body)


def _latin1(text: str) -> str:
    # The server sees bytes; ASGI hands them over decoded as latin-1.
    return text.encode("utf-8").decode("latin-1")


def replace_header(request: HttpRequest, name: str, value: str | None) -> HttpRequest:
    """The request with every ``name`` header dropped, then one ``value`` appended."""
    kept = [(n, v) for n, v in request.headers if n.lower() != name.lower()]
    if value is not None:
        kept.append((name, value))
    return with_(request, headers=kept)


def header(request: HttpRequest, name: str) -> str:
    values = [v for n, v in request.headers if n.lower() == name.lower()]
    assert len(values) == 1, values
    return values[0]


def with_(request: HttpRequest, **changes: Any) -> HttpRequest:
    fields: dict[str, Any] = {
        "method": request.method, "path": request.path, "query_string": request.query_string,
        "headers": list(request.headers), "body": request.body,
    }
    fields.update(changes)
    return HttpRequest(**fields)


def check(
    request: HttpRequest,
    *,
    service: str = SERVICE,
    regions: Iterable[str] = (REGION,),
    lookup: Lookup | None = None,
    now: dt.datetime = SIGNED_AT,
    max_skew: dt.timedelta = dt.timedelta(minutes=5),
) -> Verified:
    """Our verifier, with the test defaults."""
    return verify(
        request, service=service, allowed_regions=frozenset(regions),
        lookup=lookup or keyring(), now=now, max_skew=max_skew,
    )


def rejection(request: HttpRequest, **kwargs: Any) -> SigV4Error:
    """The SigV4Error our verifier raises for ``request`` (fails the test if it passes)."""
    try:
        check(request, **kwargs)
    except SigV4Error as error:
        return error
    raise AssertionError("the request verified, but should have been rejected")


def signer_without(*names: str) -> type[SigV4Auth]:
    """A botocore signer that leaves ``names`` out of SignedHeaders: valid, but incomplete."""

    class Partial(SigV4Auth):  # type: ignore[misc]  # botocore ships no type hints
        def headers_to_sign(self, request: Any) -> Any:
            chosen = super().headers_to_sign(request)
            for name in names:
                del chosen[name]
            return chosen

    return Partial


def with_authorization(request: HttpRequest, pattern: str, replacement: str) -> HttpRequest:
    value = header(request, "Authorization")
    changed = re.sub(pattern, replacement, value, count=1)
    assert changed != value
    return replace_header(request, "Authorization", changed)
