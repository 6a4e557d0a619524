"""AWS's SigV4 test-suite cases, re-authored from the behaviours the suite names.

Each case is the suite's documented example setting (key ``AKIDEXAMPLE``, date
20150830T123600Z, region us-east-1, service ``service``, host
example.amazonaws.com) and the request the case describes. Nothing is copied: the
expected canonical request and signature come from botocore's signer at test time,
and ours must produce the same canonical request and accept the signature.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from sigv4_oracle import AKID, SECRET, check, header, keyring, replace_header, sign

from idpool.sigv4 import HttpRequest, SigningSecret
from idpool.sigv4.canonical import (
    canonical_header_value,
    canonical_query,
    canonical_request,
    canonical_uri,
    payload_hash,
    query_pairs,
)

AT = dt.datetime(2015, 8, 30, 12, 36, 0, tzinfo=dt.UTC)
HOST = "example.amazonaws.com"
EXAMPLE: dict[str, Any] = {"service": "service", "region": "us-east-1", "at": AT, "host": HOST}
VERIFY: dict[str, Any] = {"service": "service", "regions": ("us-east-1",), "now": AT}
UNRESERVED = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
FORM = "application/x-www-form-urlencoded"

# name -> keyword arguments for sign(): what the suite case's request carries.
CASES: dict[str, dict[str, Any]] = {
    "get-vanilla": {"method": "GET"},
    "get-vanilla-query-order-key-case": {"method": "GET", "query": "Param2=value2&Param1=value1"},
    "get-vanilla-query-order-key": {
        "method": "GET", "params": [("Param1", "value2"), ("Param1", "Value1")]},
    "get-vanilla-query-order-value": {
        "method": "GET", "params": [("Param1", "value2"), ("Param1", "value1")]},
    "get-vanilla-query-unreserved": {"method": "GET", "params": [(UNRESERVED, UNRESERVED)]},
    "get-vanilla-utf8-query": {"method": "GET", "params": [("\u1234", "bar")]},
    "get-vanilla-empty-query-value": {"method": "GET", "params": [("Param1", "")]},
    "get-header-key-duplicate": {"method": "GET", "headers": [
        ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")]},
    "get-header-value-order": {"method": "GET", "headers": [
        ("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"),
        ("My-Header1", "value2")]},
    "get-header-value-trim": {"method": "GET", "headers": [
        ("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')]},
    "get-header-value-multiline": {"method": "GET", "headers": [
        ("My-Header1", "value1\n  value2\n     value3")]},
    "get-space": {"method": "GET", "path": "/example space/"},
    "get-slash": {"method": "GET", "path": "//"},
    "get-slashes": {"method": "GET", "path": "//example//"},
    "get-slash-dot-slash": {"method": "GET", "path": "/./"},
    "get-slash-pointless-dot": {"method": "GET", "path": "/./example"},
    "get-relative": {"method": "GET", "path": "/example/.."},
    "get-relative-relative": {"method": "GET", "path": "/example1/example2/../.."},
    "get-unreserved": {"method": "GET", "path": "/" + UNRESERVED},
    "get-utf8": {"method": "GET", "path": "/\u1234"},
    "post-vanilla": {"method": "POST"},
    "post-vanilla-query": {"method": "POST", "query": "Param1=value1"},
    "post-header-key-case": {"method": "POST", "headers": [("MY-HEADER1", "value1")]},
    "post-header-key-sort": {"method": "POST", "headers": [("My-Header1", "value1")]},
    "post-header-value-case": {"method": "POST", "headers": [("My-Header1", "VALUE1")]},
    "post-x-www-form-urlencoded": {"method": "POST", "headers": [("Content-Type", FORM)],
                                   "body": b"Param1=value1"},
    "post-x-www-form-urlencoded-parameters": {"method": "POST", "body": b"Param1=value1",
                                              "headers": [("Content-Type", f"{FORM}; charset=utf8")]},
    "post-sts-header-before": {"method": "POST", "token": "AQoDYXdzEPT//////////wEXAMPLEtc764"},
}


def _signed(case: dict[str, Any]) -> tuple[HttpRequest, str]:
    """The wire request for a case, and the canonical request botocore signed."""
    seen: list[str] = []
    original = SigV4Auth.canonical_request

    def spy(self: SigV4Auth, request: Any) -> str:
        seen.append(original(self, request))
        return seen[-1]

    with mock.patch.object(SigV4Auth, "canonical_request", spy):
        request = sign(**EXAMPLE, **case)
    return request, seen[-1]


def _ours(request: HttpRequest) -> str:
    """Our canonical request for the wire request, from its own SignedHeaders."""
    signed = header(request, "Authorization").split("SignedHeaders=")[1].split(",")[0].split(";")
    values = {name: [v for n, v in request.headers if n.lower() == name] for name in signed}
    return canonical_request(
        request.method,
        canonical_uri(request.path),
        canonical_query(query_pairs(request.query_string)),
        [(name, canonical_header_value(values[name])) for name in signed],
        payload_hash(request.body),
    )


def _lookup(case: dict[str, Any]) -> Any:
    return keyring({AKID: SigningSecret(SECRET, case.get("token"))})


@pytest.mark.parametrize("name", sorted(CASES))
def test_canonical_request_matches_botocore(name: str) -> None:
    request, botocore_canonical = _signed(CASES[name])
    assert _ours(request) == botocore_canonical


@pytest.mark.catalogue("S11")
@pytest.mark.parametrize("name", sorted(CASES))
def test_suite_case_verifies(name: str) -> None:
    request, _ = _signed(CASES[name])
    verified = check(request, lookup=_lookup(CASES[name]), **VERIFY)
    assert verified.signed_at == AT


@pytest.mark.catalogue("S11")
def test_canonical_forms_are_the_ones_the_suite_names() -> None:
    # The facts the suite states for these cases, independent of any signer.
    assert canonical_uri("/example space/") == "/example%20space/"
    assert canonical_uri("//example//") == "/example/"
    assert canonical_uri("/example1/example2/../..") == "/"
    assert canonical_uri("/./example") == "/example"
    assert canonical_uri("/\u1234".encode().decode("latin-1")) == "/%E1%88%B4"
    assert canonical_query(query_pairs("Param1=value2&Param1=Value1")) == "Param1=Value1&Param1=value2"
    assert canonical_header_value([' "a   b   c"']) == '"a b c"'
    assert canonical_header_value(["value1\n  value2\n     value3"]) == "value1 value2 value3"
    values = ["value4", "value1", "value3", "value2"]
    assert canonical_header_value(values) == "value4,value1,value3,value2"


def test_session_token_added_after_signing_verifies() -> None:
    # post-sts-header-after: the token travels unsigned; it must still be the right one.
    token = "AQoDYXdzEPT//////////wEXAMPLEtc764"
    request, _ = _signed({"method": "POST"})
    request = replace_header(request, "X-Amz-Security-Token", token)
    assert check(request, lookup=_lookup({"token": token}), **VERIFY).access_key_id == "AKIDEXAMPLE"
