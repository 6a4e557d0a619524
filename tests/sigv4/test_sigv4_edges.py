"""Edge cases S01-S08 of the attack catalogue, each with a control that passes.

Where a case needs a request that is validly signed yet breaks a rule (host not
signed, a lying X-Amz-Content-SHA256), botocore signs it, so the rejection can only
come from the rule, never from a broken signature.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sigv4_oracle import (
    AKID,
    REGION,
    SIGNED_AT,
    check,
    header,
    presign,
    rejection,
    replace_header,
    sign,
    signer_without,
    with_,
    with_authorization,
)

from idpool.sigv4 import AuthFailure, HttpRequest, SigningSecret, SigV4Error, is_signed

TARGET = ("X-Amz-Target", "AWSCognitoIdentityService.ListIdentityPools")
MINUTE = dt.timedelta(minutes=1)


# --- S01 unsigned -----------------------------------------------------------------------
@pytest.mark.catalogue("S01")
def test_unsigned_request_is_not_signed_and_verify_says_missing_token() -> None:
    request = HttpRequest("POST", "/", "", [("Host", "idpool.test"), TARGET], b"{}")
    assert not is_signed(request)
    assert rejection(request).kind is AuthFailure.MISSING_TOKEN
    assert SigV4Error.missing().kind is AuthFailure.MISSING_TOKEN


@pytest.mark.catalogue("S01")
def test_is_signed_sees_header_and_presign_forms() -> None:
    assert is_signed(sign())
    assert is_signed(presign())
    assert is_signed(HttpRequest("GET", "/", "X-Amz-Credential=x", [], b""))
    assert not is_signed(HttpRequest("GET", "/", "Action=GetCallerIdentity", [], b""))


# --- S02 / S03 key and secret -----------------------------------------------------------
@pytest.mark.catalogue("S02")
def test_unknown_access_key_is_unknown_key() -> None:
    error = rejection(sign(access_key="AKIAUNKNOWNKEY000000"))
    assert error.kind is AuthFailure.UNKNOWN_KEY
    assert error.message == "The security token included in the request is invalid."


@pytest.mark.catalogue("S02")
def test_junk_access_key_id_is_never_looked_up() -> None:
    asked: list[str] = []

    def lookup(access_key_id: str) -> SigningSecret | None:
        asked.append(access_key_id)
        return None

    request = with_authorization(sign(), r"Credential=AKIDEXAMPLE", "Credential=AKID\x01EXAMPLE")
    assert rejection(request, lookup=lookup).kind is AuthFailure.UNKNOWN_KEY
    assert asked == []


@pytest.mark.catalogue("S03")
def test_right_key_wrong_secret_is_signature_mismatch() -> None:
    error = rejection(sign(secret="not-the-secret"))
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH
    assert error.message.startswith("The request signature we calculated does not match")


# --- S04 clock --------------------------------------------------------------------------
@pytest.mark.catalogue("S04")
@pytest.mark.parametrize("offset", [
    dt.timedelta(minutes=4, seconds=59), -dt.timedelta(minutes=4, seconds=59),
    dt.timedelta(minutes=5), -dt.timedelta(minutes=5), dt.timedelta(0),
])
def test_within_five_minutes_either_way_verifies(offset: dt.timedelta) -> None:
    assert check(sign(), now=SIGNED_AT + offset).signed_at == SIGNED_AT


@pytest.mark.catalogue("S04")
def test_five_minutes_one_second_late_is_expired() -> None:
    error = rejection(sign(), now=SIGNED_AT + dt.timedelta(minutes=5, seconds=1))
    assert error.kind is AuthFailure.EXPIRED_REQUEST
    assert error.message == (
        "Signature expired: 20260101T120000Z is now earlier than 20260101T120001Z "
        "(20260101T120501Z - 5 min.)"
    )


@pytest.mark.catalogue("S04")
def test_five_minutes_one_second_early_is_not_yet_current() -> None:
    error = rejection(sign(), now=SIGNED_AT - dt.timedelta(minutes=5, seconds=1))
    assert error.kind is AuthFailure.EXPIRED_REQUEST
    assert error.message == (
        "Signature not yet current: 20260101T120000Z is still later than 20260101T115959Z "
        "(20260101T115459Z + 5 min.)"
    )


@pytest.mark.catalogue("S04")
def test_the_skew_is_configurable() -> None:
    late = SIGNED_AT + 10 * MINUTE
    assert rejection(sign(), now=late).kind is AuthFailure.EXPIRED_REQUEST
    assert check(sign(), now=late, max_skew=15 * MINUTE).signed_at == SIGNED_AT


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        check(sign(), now=SIGNED_AT.replace(tzinfo=None))


@pytest.mark.parametrize("value", ["2026-01-01T12:00:00Z", "20261301T120000Z", "20260101T120000", ""])
def test_malformed_x_amz_date_is_incomplete(value: str) -> None:
    request = replace_header(sign(), "X-Amz-Date", value)
    assert rejection(request).kind is AuthFailure.INCOMPLETE_SIGNATURE


# --- S05 replay -------------------------------------------------------------------------
@pytest.mark.catalogue("S05")
def test_replay_inside_the_window_verifies_and_after_it_expires() -> None:
    request = sign(headers=[TARGET], body=b"{}")
    assert check(request).access_key_id == check(request, now=SIGNED_AT + 4 * MINUTE).access_key_id
    assert rejection(request, now=SIGNED_AT + 6 * MINUTE).kind is AuthFailure.EXPIRED_REQUEST


@pytest.mark.catalogue("S05")
@pytest.mark.parametrize("change", [
    {"body": b'{"MaxResults": 60}'},
    {"query_string": "Action=DeleteRole"},
])
def test_replay_with_a_changed_part_is_rejected(change: dict[str, Any]) -> None:
    request = sign(headers=[TARGET], body=b'{"MaxResults": 10}')
    assert rejection(with_(request, **change)).kind is AuthFailure.SIGNATURE_MISMATCH


@pytest.mark.catalogue("S05")
@pytest.mark.parametrize("name, value", [
    ("Host", "elsewhere.test"), ("X-Amz-Target", "AWSCognitoIdentityService.DeleteIdentityPool"),
])
def test_replay_with_a_changed_host_or_target_is_rejected(name: str, value: str) -> None:
    request = replace_header(sign(headers=[TARGET]), name, value)
    assert rejection(request).kind is AuthFailure.SIGNATURE_MISMATCH


# --- S06 scope --------------------------------------------------------------------------
@pytest.mark.catalogue("S06")
def test_wrong_region_in_scope_is_rejected_and_named() -> None:
    error = rejection(sign(region="eu-west-1"))
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH
    # AWS's sentence, then what to set: the regions this server accepts
    assert error.message == f"Credential should be scoped to a valid region, not 'eu-west-1'. This server accepts: {REGION}."
    assert check(sign(region="eu-west-1"), regions=("eu-west-1", REGION)).region == "eu-west-1"


@pytest.mark.catalogue("S06")
def test_wrong_service_in_scope_is_rejected_and_named() -> None:
    error = rejection(sign(service="iam"), service="sts")
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH
    assert error.message == "Credential should be scoped to correct service: 'sts'."


@pytest.mark.catalogue("S06")
def test_wrong_terminator_is_rejected() -> None:
    request = with_authorization(sign(), r"/aws4_request", "/aws5_request")
    error = rejection(request)
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH
    assert "'aws4_request', not 'aws5_request'" in error.message


def test_scope_text_is_not_echoed_when_odd() -> None:
    request = with_authorization(sign(), r"/us-east-1/", "/<script>/")
    error = rejection(request)
    assert "<script>" not in error.message and "(not shown)" in error.message


# --- S07 malformed parts and other algorithms -------------------------------------------
@pytest.mark.catalogue("S07")
@pytest.mark.parametrize("credential", [
    "AKIDEXAMPLE/20260101/us-east-1/sts",  # four parts
    "AKIDEXAMPLE/20260101/us-east-1/sts/aws4_request/extra",  # six
    "AKIDEXAMPLE//us-east-1/sts/aws4_request",  # an empty part
    "AKIDEXAMPLE/2026011/us-east-1/sts/aws4_request",  # not YYYYMMDD
    "",
])
def test_malformed_credential_is_incomplete(credential: str) -> None:
    request = with_authorization(sign(), r"Credential=[^,]*", f"Credential={credential}")
    assert rejection(request).kind is AuthFailure.INCOMPLETE_SIGNATURE


@pytest.mark.catalogue("S07")
def test_scope_date_other_than_the_request_day_is_rejected() -> None:
    request = with_authorization(sign(), r"/20260101/", "/20251231/")
    error = rejection(request)
    assert error.kind is AuthFailure.SIGNATURE_MISMATCH
    assert "'20251231' != '20260101'" in error.message


@pytest.mark.catalogue("S07")
@pytest.mark.parametrize("algorithm", ["AWS4-ECDSA-P256-SHA256", "AWS4-HMAC-SHA512", "aws4-hmac-sha256"])
def test_other_algorithms_are_unsupported(algorithm: str) -> None:
    request = with_authorization(sign(), r"^AWS4-HMAC-SHA256", algorithm)
    assert rejection(request).kind is AuthFailure.UNSUPPORTED_ALGORITHM


@pytest.mark.catalogue("S07")
def test_sigv2_and_bearer_headers_are_unsupported() -> None:
    for value in ("AWS AKIDEXAMPLE:c2lnbmF0dXJl", "Bearer eyJhbGciOi"):
        request = replace_header(sign(), "Authorization", value)
        assert rejection(request).kind is AuthFailure.UNSUPPORTED_ALGORITHM


@pytest.mark.catalogue("S07")
def test_presigned_sigv4a_is_unsupported() -> None:
    request = presign()
    query = request.query_string.replace("=AWS4-HMAC-SHA256", "=AWS4-ECDSA-P256-SHA256")
    error = rejection(with_(request, query_string=query))
    assert error.kind is AuthFailure.UNSUPPORTED_ALGORITHM
    assert "4A" in error.message


@pytest.mark.catalogue("S07")
@pytest.mark.parametrize("pattern, replacement", [
    (r", Signature=[0-9a-f]+", ""),
    (r"SignedHeaders=[^,]*, ", ""),
    (r"Credential=", "Credentials="),
    (r", Signature=", ", Signature=abc, Signature="),
])
def test_authorization_missing_or_repeated_parts_is_incomplete(pattern: str, replacement: str) -> None:
    request = with_authorization(sign(), pattern, replacement)
    assert rejection(request).kind is AuthFailure.INCOMPLETE_SIGNATURE


def test_authorization_spacing_is_tolerated_as_aws_does() -> None:
    request = sign()
    parts = dict(re.findall(r"(\w+)=([^,\s]+)", header(request, "Authorization")))
    for value in (
        "AWS4-HMAC-SHA256 Credential={C},SignedHeaders={H},Signature={S}",
        "AWS4-HMAC-SHA256\tCredential = {C} ,  SignedHeaders={H},Signature={S} ",
        "AWS4-HMAC-SHA256   Signature={S}, Credential={C}, SignedHeaders={H},",
    ):
        text = value.format(C=parts["Credential"], H=parts["SignedHeaders"], S=parts["Signature"])
        assert check(replace_header(request, "Authorization", text)).access_key_id == AKID


@pytest.mark.parametrize(
    "signed", ["x-amz-date;host", "host;X-Amz-Date", "host;host;x-amz-date", "host;;x-amz-date"]
)
def test_signed_headers_must_be_lowercase_sorted_unique(signed: str) -> None:
    request = with_authorization(sign(), r"SignedHeaders=[^,]*", f"SignedHeaders={signed}")
    assert rejection(request).kind is AuthFailure.INCOMPLETE_SIGNATURE


# --- S08 what must be signed ------------------------------------------------------------
@pytest.mark.catalogue("S08")
@pytest.mark.parametrize("omitted, extra", [
    ("host", []), ("x-amz-date", []), ("x-amz-target", [TARGET]),
])
def test_validly_signed_but_required_header_unsigned_is_rejected(
    omitted: str, extra: list[tuple[str, str]]
) -> None:
    assert check(sign(headers=extra, signer=signer_without())).access_key_id == AKID  # control
    error = rejection(sign(headers=extra, signer=signer_without(omitted)))
    assert error.kind is AuthFailure.INCOMPLETE_SIGNATURE


@pytest.mark.catalogue("S08")
def test_signed_header_absent_from_the_request_is_rejected() -> None:
    request = replace_header(sign(headers=[("X-Custom", "v")]), "X-Custom", None)
    error = rejection(request)
    assert error.kind is AuthFailure.INCOMPLETE_SIGNATURE
    assert "'x-custom'" in error.message


def test_unsigned_extra_headers_are_ignored() -> None:
    request = sign(headers=[TARGET])
    unsigned = [("User-Agent", "curl/8"), ("X-Amz-User-Agent", "aws-sdk-js/3")]
    request = with_(request, headers=[*request.headers, *unsigned])
    assert check(request).access_key_id == AKID
