"""Differential tests: whatever botocore's signer signs, we verify; one changed byte, we reject.

Hypothesis builds methods, paths with odd characters, queries with repeated,
unsorted and encoded names, header sets with repeats, case and whitespace, and
bodies. botocore signs them (header and presigned); our verifier must accept each,
then reject it once any signed part changes by one byte (S11 of the catalogue).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Sequence
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sigv4_oracle import (
    AKID,
    REGION,
    SECRET,
    SERVICE,
    SIGNED_AT,
    TEMP_AKID,
    TEMP_SECRET,
    TOKEN,
    check,
    header,
    presign,
    rejection,
    replace_header,
    sign,
    with_,
)

from idpool.sigv4 import AuthFailure, HttpRequest

SETTINGS = settings(max_examples=150, deadline=None)

# Headers our tests set themselves, or that change what is being tested.
_RESERVED = {
    "host", "authorization", "x-amz-date", "date", "x-amz-security-token",
    "x-amz-content-sha256", "content-length", "transfer-encoding", "expect",
}
_VALUE_CHARS = st.characters(
    codec="latin-1", categories=("L", "N", "P", "S", "Zs"), include_characters="\t\x85\xa0"
)

_TARGET = "AWSSecurityTokenServiceV20110615.GetCallerIdentity"

methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"])
header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True).filter(
    lambda name: name.lower() not in _RESERVED
)
header_values = st.text(_VALUE_CHARS, max_size=24)
headers = st.lists(st.tuples(header_names, header_values), max_size=6).map(
    lambda pairs: pairs + [(name.upper(), value) for name, value in pairs[:1]]  # a repeat, other case
)
param_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
params = st.lists(st.tuples(param_text, param_text), max_size=6).filter(
    lambda pairs: not any(key.startswith("X-Amz-") for key, _ in pairs)
)
bodies = st.binary(max_size=200)


def _segment(dots: bool) -> st.SearchStrategy[str]:
    encoded = st.text(st.characters(exclude_categories=["Cs"]), max_size=8).map(
        lambda text: quote(text, safe="!$&'()*+,;=:@")
    )
    return st.one_of(encoded, st.sampled_from(["", ".", ".."])) if dots else encoded


def paths(dots: bool = True) -> st.SearchStrategy[str]:
    segments = st.lists(_segment(dots), max_size=5)
    return st.tuples(segments, st.booleans()).map(
        lambda parts: "/" + "/".join(parts[0]) + ("/" if parts[1] and parts[0] else "")
    )


@st.composite
def signed_requests(draw: st.DrawFn, dots: bool = True) -> tuple[HttpRequest, str]:
    """(a request botocore signed, the access key it used)."""
    temporary = draw(st.booleans())
    request = sign(
        draw(methods),
        draw(paths(dots)),
        params=draw(params),
        headers=draw(headers) + draw(st.sampled_from([[], [("X-Amz-Target", _TARGET)]])),
        body=draw(bodies),
        access_key=TEMP_AKID if temporary else AKID,
        secret=TEMP_SECRET if temporary else SECRET,
        token=TOKEN if temporary else None,
    )
    return request, TEMP_AKID if temporary else AKID


@pytest.mark.catalogue("S11")
@SETTINGS
@given(signed_requests())
def test_every_botocore_signed_request_verifies(signed: tuple[HttpRequest, str]) -> None:
    request, access_key = signed
    verified = check(request)
    assert (verified.access_key_id, verified.region, verified.service) == (access_key, REGION, SERVICE)
    assert verified.signed_at == SIGNED_AT


@pytest.mark.catalogue("S11")
@SETTINGS
@given(
    methods.filter(lambda m: m != "POST"),
    paths(),
    st.dictionaries(param_text.filter(lambda k: not k.startswith("X-Amz-")), param_text, max_size=5),
    st.lists(st.tuples(header_names, header_values), max_size=3),
    st.integers(1, 604800),
    st.booleans(),
)
def test_every_botocore_presigned_request_verifies(
    method: str,
    path: str,
    query: dict[str, str],
    extra: list[tuple[str, str]],
    expires: int,
    temporary: bool,
) -> None:
    request = presign(
        method, path, params=query, headers=extra, expires=expires,
        access_key=TEMP_AKID if temporary else AKID,
        secret=TEMP_SECRET if temporary else SECRET,
        token=TOKEN if temporary else None,
    )
    assert check(request, now=SIGNED_AT + dt.timedelta(seconds=expires)).signed_at == SIGNED_AT


_PARTS = ["body", "header", "path", "query", "method", "date", "signature", "region"]


def _insert(text: str, at: int) -> str:
    # 'Z' is no separator, escape or whitespace: inserted anywhere (paths without dot
    # segments), it changes the canonical form.
    position = at % (len(text) + 1)
    return text[:position] + "Z" + text[position:]


def _custom_signed_header(request: HttpRequest) -> str | None:
    signed = header(request, "Authorization").split("SignedHeaders=")[1].split(",")[0].split(";")
    custom = [name for name in signed if name not in ("host", "x-amz-date", "x-amz-security-token")]
    return custom[0] if custom else None


@pytest.mark.catalogue("S11")
@SETTINGS
@given(signed_requests(dots=False), st.sampled_from(_PARTS), st.integers(0, 10_000))
def test_one_changed_byte_is_rejected(signed: tuple[HttpRequest, str], part: str, at: int) -> None:
    request, _ = signed
    tampered = _tamper(request, part, at)
    error = rejection(tampered, regions=(REGION, "eu-west-1"))
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH, error.message


def _tamper(request: HttpRequest, part: str, at: int) -> HttpRequest:
    if part == "body":
        body = request.body
        if not body:
            return with_(request, body=b"Z")
        index = at % len(body)
        return with_(request, body=body[:index] + bytes([body[index] ^ 1]) + body[index + 1:])
    if part == "header":
        name = _custom_signed_header(request)
        if name is not None:
            return with_(request, headers=_first_only(request.headers, name, at))
        part = "query"
    if part == "path":
        return with_(request, path=_insert(request.path, at))
    if part == "query":
        return with_(request, query_string=_insert(request.query_string, at))
    if part == "method":
        return with_(request, method="PUT" if request.method != "PUT" else "POST")
    if part == "date":
        return replace_header(request, "X-Amz-Date", "20260101T120001Z")
    authorization = header(request, "Authorization")
    if part == "signature":
        last = authorization[-1]
        flipped = "0" if last != "0" else "1"
        return replace_header(request, "Authorization", authorization[:-1] + flipped)
    return replace_header(request, "Authorization", authorization.replace(f"/{REGION}/", "/eu-west-1/"))


def _first_only(headers: Sequence[tuple[str, str]], name: str, at: int) -> list[tuple[str, str]]:
    changed: list[tuple[str, str]] = []
    done = False
    for n, v in headers:
        if not done and n.lower() == name:
            changed.append((n, _insert(v, at)))
            done = True
        else:
            changed.append((n, v))
    return changed


@pytest.mark.catalogue("S11")
@SETTINGS
@given(
    st.dictionaries(
        st.text(string.ascii_letters, min_size=1, max_size=6), param_text, min_size=1, max_size=4
    ),
    st.integers(0, 10_000),
)
def test_one_changed_byte_in_a_presigned_query_is_rejected(query: dict[str, str], at: int) -> None:
    request = presign(params=query)
    # Change an operation parameter, never the X-Amz-* signature parameters.
    operation, _, auth = request.query_string.partition("&X-Amz-")
    tampered = with_(request, query_string=_insert(operation, at) + "&X-Amz-" + auth)
    assert rejection(tampered).kind is AuthFailure.SIGNATURE_MISMATCH
