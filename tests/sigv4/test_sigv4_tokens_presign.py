"""Payload (S09, S10), canonical forms (S11), session tokens (S12), presigned requests,
the Date header and the signing-key cache; each case with a control that passes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any
from urllib.parse import quote

import pytest
from sigv4_oracle import (
    AKID,
    REGION,
    SECRET,
    SIGNED_AT,
    TEMP_AKID,
    TEMP_SECRET,
    TOKEN,
    check,
    header,
    keyring,
    presign,
    rejection,
    replace_header,
    sign,
    signer_without,
    with_,
)

from idpool.sigv4 import AuthFailure, HttpRequest, SigningSecret, SigV4Error, session_token, verify
from idpool.sigv4.canonical import signing_key

TARGET = ("X-Amz-Target", "AWSCognitoIdentityService.ListIdentityPools")
MINUTE = dt.timedelta(minutes=1)


# --- S09 / S10 payload ------------------------------------------------------------------
@pytest.mark.catalogue("S09")
def test_content_sha256_that_lies_about_the_body_is_rejected() -> None:
    # botocore signs the claimed hash without looking at the body: a valid signature
    # over a body that is not the one sent.
    claimed = hashlib.sha256(b'{"other": true}').hexdigest()
    request = sign(headers=[("X-Amz-Content-SHA256", claimed)], body=b"{}")
    error = rejection(request)
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH
    assert "x-amz-content-sha256" in error.message


def test_honest_content_sha256_verifies() -> None:
    request = sign(headers=[("X-Amz-Content-SHA256", hashlib.sha256(b"{}").hexdigest())], body=b"{}")
    assert check(request).access_key_id == AKID


@pytest.mark.catalogue("S09")
def test_unsigned_payload_is_rejected() -> None:
    request = sign(body=b"{}", context={"payload_signing_enabled": False})
    assert header(request, "X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD"
    error = rejection(request)
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH
    assert "signed payloads only" in error.message


@pytest.mark.catalogue("S10")
def test_body_swapped_under_a_valid_signature_is_rejected() -> None:
    request = sign(headers=[TARGET], body=b'{"IdentityPoolId": "a"}')
    tampered = with_(request, body=b'{"IdentityPoolId": "b"}')
    assert rejection(tampered).kind is AuthFailure.SIGNATURE_MISMATCH


# --- S11 canonicalization ---------------------------------------------------------------
@pytest.mark.catalogue("S11")
def test_repeated_headers_are_joined_in_order_received() -> None:
    request = sign(headers=[("My-Header", "a"), ("My-Header", "b")])
    assert check(request).access_key_id == AKID
    rest = [(n, v) for n, v in request.headers if n != "My-Header"]
    swapped = with_(request, headers=[*rest, ("My-Header", "b"), ("My-Header", "a")])
    assert rejection(swapped).kind is AuthFailure.SIGNATURE_MISMATCH


@pytest.mark.catalogue("S11")
def test_header_name_case_and_value_whitespace_are_canonical() -> None:
    request = sign(headers=[("My-Header", "a b")])
    rest = [(n, v) for n, v in request.headers if n != "My-Header"]
    assert check(with_(request, headers=[*rest, ("MY-HEADER", "  a \t  b ")])).access_key_id == AKID


@pytest.mark.catalogue("S11")
def test_two_authorization_headers_are_rejected() -> None:
    request = sign()
    for second in (header(request, "Authorization"), "AWS4-HMAC-SHA256 Credential=x"):
        doubled = with_(request, headers=[*request.headers, ("authorization", second)])
        assert rejection(doubled).kind is AuthFailure.INCOMPLETE_SIGNATURE


@pytest.mark.catalogue("S11")
@pytest.mark.parametrize("name", ["Host", "X-Amz-Date", "X-Amz-Target"])
def test_repeated_single_valued_headers_are_rejected(name: str) -> None:
    request = sign(headers=[TARGET])
    doubled = with_(request, headers=[*request.headers, (name, header(request, name))])
    assert rejection(doubled).kind is AuthFailure.INCOMPLETE_SIGNATURE


def test_query_encoding_variants_verify_as_their_decoded_values() -> None:
    request = sign("GET", params=[("name", "a b~c/d")])
    assert request.query_string == "name=a+b~c%2Fd"  # botocore sends form encoding
    for variant in ("name=a%20b%7Ec%2fd", "name=a+b%7ec%2Fd"):
        assert check(with_(request, query_string=variant)).access_key_id == AKID
    plus_sign = with_(request, query_string="name=a%2Bb~c%2Fd")  # '+' itself, not a space
    assert rejection(plus_sign).kind is AuthFailure.SIGNATURE_MISMATCH


# --- S12 session tokens -----------------------------------------------------------------
def temporary(**kwargs: Any) -> HttpRequest:
    return sign(access_key=TEMP_AKID, secret=TEMP_SECRET, **kwargs)


def test_temporary_key_with_its_token_verifies() -> None:
    verified = check(temporary(token=TOKEN))
    assert verified.secret.session_token == TOKEN and verified.access_key_id == TEMP_AKID


def test_temporary_key_with_token_added_after_signing_verifies() -> None:
    assert check(replace_header(temporary(), "X-Amz-Security-Token", TOKEN)).access_key_id == TEMP_AKID


@pytest.mark.catalogue("S12")
def test_temporary_key_without_token_is_invalid_token() -> None:
    error = rejection(temporary())
    assert error.kind is AuthFailure.INVALID_TOKEN
    assert error.message == "The security token included in the request is invalid."


@pytest.mark.catalogue("S12")
def test_temporary_key_with_another_sessions_token_is_invalid_token() -> None:
    assert rejection(temporary(token=TOKEN[:-1] + "X")).kind is AuthFailure.INVALID_TOKEN
    assert rejection(replace_header(temporary(token=TOKEN), "X-Amz-Security-Token", TOKEN + "x")).kind \
        is AuthFailure.INVALID_TOKEN


@pytest.mark.catalogue("S12")
def test_long_term_key_with_a_token_is_invalid_token() -> None:
    assert rejection(sign(token=TOKEN)).kind is AuthFailure.INVALID_TOKEN
    empty = replace_header(sign(), "X-Amz-Security-Token", "")
    assert rejection(empty).kind is AuthFailure.INVALID_TOKEN


@pytest.mark.catalogue("S12")
def test_token_in_header_and_query_is_rejected() -> None:
    request = temporary(token=TOKEN)
    doubled = with_(request, query_string="X-Amz-Security-Token=" + quote(TOKEN, safe=""))
    assert rejection(doubled).kind is AuthFailure.INCOMPLETE_SIGNATURE


def test_presigned_temporary_key_carries_its_token_in_the_query() -> None:
    request = presign(access_key=TEMP_AKID, secret=TEMP_SECRET, token=TOKEN)
    assert "X-Amz-Security-Token=" in request.query_string
    assert check(request).secret.session_token == TOKEN


def test_session_token_reads_the_token_as_verify_does() -> None:
    assert session_token(sign()) is None
    assert session_token(temporary(token=TOKEN)) == TOKEN
    assert session_token(presign(access_key=TEMP_AKID, secret=TEMP_SECRET, token=TOKEN)) == TOKEN
    bare = HttpRequest("GET", "/", "X-Amz-Security-Token=a+b%2Bc", [], b"")
    assert session_token(bare) == "a b+c"  # form decoding, as the canonical query reads it
    doubled = with_(temporary(token=TOKEN), query_string="X-Amz-Security-Token=x")
    with pytest.raises(SigV4Error) as raised:
        session_token(doubled)
    assert raised.value.kind is AuthFailure.INCOMPLETE_SIGNATURE


# --- presigned requests -----------------------------------------------------------------
def test_presigned_request_expires_after_x_amz_expires() -> None:
    request = presign(params={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, expires=60)
    assert check(request, now=SIGNED_AT + dt.timedelta(seconds=60)).access_key_id == AKID
    error = rejection(request, now=SIGNED_AT + dt.timedelta(seconds=61))
    assert error.kind is AuthFailure.EXPIRED_REQUEST
    assert error.message.startswith("Request has expired")
    assert rejection(request, now=SIGNED_AT - 6 * MINUTE).kind is AuthFailure.EXPIRED_REQUEST


def test_presigned_form_post_moves_its_body_into_the_query() -> None:
    request = presign("POST", data={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    assert "Action=GetCallerIdentity" in request.query_string and request.body == b""
    assert check(request).access_key_id == AKID
    assert rejection(with_(request, body=b"Action=DeleteRole")).kind is AuthFailure.SIGNATURE_MISMATCH


@pytest.mark.parametrize("expires", ["0", "604801", "-1", "60s", ""])
def test_presign_expires_out_of_range_is_incomplete(expires: str) -> None:
    request = presign()
    query = re.sub(r"X-Amz-Expires=\d+", f"X-Amz-Expires={expires}", request.query_string)
    assert rejection(with_(request, query_string=query)).kind is AuthFailure.INCOMPLETE_SIGNATURE


@pytest.mark.parametrize(
    "name", ["X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Credential"]
)
def test_presign_parameter_missing_or_repeated_is_incomplete(name: str) -> None:
    request = presign()
    value = re.search(rf"{name}=([^&]*)", request.query_string)
    assert value is not None
    dropped = re.sub(rf"&?{name}=[^&]*", "", request.query_string)
    repeated = f"{request.query_string}&{name}={value.group(1)}"
    for query in (dropped, repeated):
        assert rejection(with_(request, query_string=query)).kind is AuthFailure.INCOMPLETE_SIGNATURE


def test_presign_and_authorization_header_together_are_rejected() -> None:
    request = presign()
    both = with_(request, headers=[*request.headers, ("Authorization", header(sign(), "Authorization"))])
    assert rejection(both).kind is AuthFailure.INCOMPLETE_SIGNATURE


# --- the Date header --------------------------------------------------------------------
def test_date_header_carries_the_time_when_there_is_no_x_amz_date() -> None:
    request = sign(headers=[("Date", "placeholder")])  # botocore rewrites it as an HTTP date
    assert header(request, "Date") == "Thu, 01 Jan 2026 12:00:00 -0000"
    assert not any(name.lower() == "x-amz-date" for name, _ in request.headers)
    assert check(request).signed_at == SIGNED_AT
    error = rejection(sign(headers=[("Date", "x")], signer=signer_without("date")))
    assert error.kind is AuthFailure.INCOMPLETE_SIGNATURE


@pytest.mark.parametrize("value, ok", [
    ("Thu, 01 Jan 2026 12:00:00 GMT", True),
    ("20260101T120000Z", True),
    ("Thu, 01 Jan 2026 13:00:00 +0100", False),
    ("yesterday", False),
])
def test_date_header_forms(value: str, ok: bool) -> None:
    request = replace_header(sign(headers=[("Date", "x")]), "Date", value)
    # The instant is the signed one, so only the form decides: the signature was made
    # over the ISO form of that instant and the header value 'value'.
    error = rejection(request)
    expected = AuthFailure.SIGNATURE_MISMATCH if ok else AuthFailure.INCOMPLETE_SIGNATURE
    assert error.kind is expected


def test_no_date_at_all_is_incomplete() -> None:
    request = replace_header(sign(), "X-Amz-Date", None)
    assert rejection(request).kind is AuthFailure.INCOMPLETE_SIGNATURE


# --- the signing-key cache --------------------------------------------------------------
def test_signing_keys_are_cached_per_secret_day_region_and_service() -> None:
    signing_key.cache_clear()
    request = sign()
    check(request)
    check(request)
    check(sign(region="eu-west-1"), regions=("eu-west-1",))
    info = signing_key.cache_info()
    assert (info.hits, info.currsize) == (1, 2)
    assert signing_key.cache_parameters()["maxsize"] is not None


def test_verify_takes_keyword_arguments_only() -> None:
    with pytest.raises(TypeError):
        verify(sign(), "sts", {REGION}, keyring(), SIGNED_AT)  # type: ignore[call-arg]


def test_verified_carries_the_secret_the_lookup_returned() -> None:
    secret = SigningSecret(SECRET)
    verified = check(sign(), lookup={AKID: secret}.get)
    assert verified.secret is secret
