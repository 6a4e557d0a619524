"""Fuzz targets: the parsers that read what a client sends, each fed raw bytes, each allowed
to fail only in the way its callers handle (P06 in tests/catalogue.py).

Every target takes one ``bytes`` input and returns ``ACCEPTED`` or ``REFUSED`` when the parser
answered or refused it in its documented way; any other exception is a crash. The same functions serve
the coverage-guided fuzzer (``scripts/fuzz.py`` with atheris) and the replay of the inputs
kept in ``tests/fuzz/regressions/<target>/`` (``test_fuzz.py``), so a crash found once is
tried again on every run.

* ``json_codec``: awsJson1_1 routing and decoding of every Cognito Identity operation
  (only ``ProtocolError``, the codec's AWS error).
* ``query_codec``: Query routing and decoding of every STS and IAM operation, from the form
  body and the query string (only ``ProtocolError``).
* ``sigv4``: SigV4 verification of a whole request, headers, query and body, starting from
  one botocore signed (only ``SigV4Error``).
* ``jwt``: OpenID token verification by a key ring (only ``KeysError``: invalid, expired,
  unknown kid).
* ``policy``: IAM policy documents of each kind, then their evaluation against a request
  (only ``MalformedPolicyDocument``; a parsed policy always gives a ``Decision``).

A plain module: ``scripts/fuzz.py`` and the tests import it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import get_args

from idpool.errors import MalformedPolicyDocument
from idpool.keys import KeyRing, KeysError, Sealer, generate_signing_key
from idpool.policy import Effect, Request, evaluate, evaluate_trust, parse_policy
from idpool.protocols import ProtocolError, route, service_model
from idpool.sigv4 import HttpRequest, SigV4Error, verify
from tests.sigv4.sigv4_oracle import REGION, SERVICE, SIGNED_AT, TEMP_AKID, TEMP_SECRET, TOKEN, keyring, sign

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
ISSUER = "https://idpool.fuzz.test"
_COGNITO_OPERATIONS = sorted(service_model("cognito-identity").operation_names)
_TARGET_FORMS = ("AWSCognitoIdentityService.{}", "com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.{}", "{}")
_SCOPES = ("", "sts", "iam", "cognito-identity", "s3")


ACCEPTED, REFUSED = "accepted", "refused"


def json_codec(data: bytes) -> str:
    if len(data) < 2:
        return REFUSED
    name = _COGNITO_OPERATIONS[data[0] % len(_COGNITO_OPERATIONS)]
    target = _TARGET_FORMS[data[1] % len(_TARGET_FORMS)].format(name)
    headers = {"content-type": "application/x-amz-json-1.1", "x-amz-target": target}
    try:
        route("POST", headers, data[2:], "").parse()
    except ProtocolError:
        return REFUSED
    return ACCEPTED


def query_codec(data: bytes) -> str:
    if not data:
        return REFUSED
    scope = _SCOPES[data[0] % len(_SCOPES)]
    query, _, body = data[1:].partition(b"\n")
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    if scope:
        headers["authorization"] = f"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{scope}/aws4_request, SignedHeaders=host, Signature=00"
    try:
        route("POST", headers, body, query.decode("latin-1")).parse()
    except ProtocolError:
        return REFUSED
    return ACCEPTED


def sigv4(data: bytes) -> str:
    """The input is a request: ``Name: value`` header lines, a blank line, the query string
    on one line, then the body (``signed_request`` writes a valid one)."""
    head, _, rest = data.partition(b"\n\n")
    query, _, body = rest.partition(b"\n")
    lines = head.decode("latin-1").split("\n")
    headers = [(name, value.strip()) for name, sep, value in (line.partition(":") for line in lines) if sep]
    request = HttpRequest("POST", "/", query.decode("latin-1"), headers, body)
    try:
        verify(request, service=SERVICE, allowed_regions={REGION}, lookup=keyring(), now=SIGNED_AT)
    except SigV4Error:
        return REFUSED
    return ACCEPTED


def signed_request() -> bytes:
    """A request botocore signed (with a session token), in the ``sigv4`` target's format."""
    request = sign(params={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, body=b"Action=GetCallerIdentity",
                   access_key=TEMP_AKID, secret=TEMP_SECRET, token=TOKEN)
    head = "\n".join(f"{name}: {value}" for name, value in request.headers)
    return f"{head}\n\n{request.query_string}\n".encode("latin-1") + request.body


def jwt(data: bytes) -> str:
    try:
        _ring().verify(data.decode("latin-1"), now=NOW, issuer=ISSUER)
    except KeysError:
        return REFUSED
    return ACCEPTED


@functools.cache
def _ring() -> KeyRing:
    sealer = Sealer(bytes(range(32)))
    return KeyRing([generate_signing_key("us-east-11", sealer, NOW)], sealer)


def valid_token() -> str:
    """A token the ring accepts: the seed the fuzzer mutates from."""
    claims = {"iss": ISSUER, "sub": "us-east-1:0d3c7a9b-8e21-4f6a-b5c4-7e9f1a2b3c4d", "aud": "us-east-1:fuzz",
              "amr": ["authenticated"], "iat": int(NOW.timestamp()) - 5, "exp": int(NOW.timestamp()) + 600}
    return _ring().sign(claims)


_KINDS = ("identity", "trust", "session")
POOL = "us-east-1:2d0b4b1e-8f5a-4c3e-9b7d-0c1e2f3a4b5c"
_REQUEST = Request(
    action="sts:AssumeRoleWithWebIdentity",
    resource="arn:aws:iam::123456789012:role/fuzz",
    context={"cognito-identity.amazonaws.com:aud": POOL, "cognito-identity.amazonaws.com:amr": ["authenticated"],
             "aws:CurrentTime": NOW, "aws:SourceIp": "192.0.2.1", "aws:username": "fuzz*"},
    principal={"Federated": "cognito-identity.amazonaws.com"},
)


def policy(data: bytes) -> str:
    if not data:
        return REFUSED
    kind = _KINDS[data[0] % len(_KINDS)]
    try:
        document = parse_policy(data[1:].decode("utf-8", "replace"), kind)
    except MalformedPolicyDocument:
        return REFUSED
    decision = evaluate_trust(_REQUEST, document) if kind == "trust" else evaluate(_REQUEST, [("fuzz", document)])
    assert decision.effect in get_args(Effect), decision
    return ACCEPTED


TARGETS: dict[str, Callable[[bytes], str]] = {
    "json_codec": json_codec, "query_codec": query_codec, "sigv4": sigv4, "jwt": jwt, "policy": policy,
}


def seeds(target: str) -> list[bytes]:
    """Valid inputs to start from (each is ``ACCEPTED``): coverage-guided mutation finds the
    edges from there."""
    statements = [{"Effect": "Allow", "Action": ["sts:AssumeRoleWithWebIdentity", "s3:Get*"],
                   "Resource": "arn:aws:s3:::b/${aws:username}/*",
                   "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"},
                                 "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                                 "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "auth*"}}},
                  {"Sid": "d", "Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::b/?"}]
    trust = [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
              "Action": "sts:AssumeRoleWithWebIdentity",
              "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": POOL},
                            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]
    documents = [json.dumps({"Version": "2012-10-17", "Statement": s}).encode() for s in (statements, trust, statements)]
    return {
        "json_codec": [bytes([_COGNITO_OPERATIONS.index("GetId"), 0]) + b'{"IdentityPoolId":"us-east-1:ab","Logins":{"a":"b"}}',
                       bytes([_COGNITO_OPERATIONS.index("SetIdentityPoolRoles"), 0]) + json.dumps({
                           "IdentityPoolId": "us-east-1:ab", "Roles": {"authenticated": "arn:aws:iam::1:role/r"},
                           "RoleMappings": {"p": {"Type": "Rules", "RulesConfiguration": {"Rules": [
                               {"Claim": "c", "MatchType": "Equals", "Value": "v", "RoleARN": "arn:aws:iam::1:role/r"}]}}}}).encode()],
        "query_codec": [b"\x00\nAction=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/r"
                        b"&RoleSessionName=fuzz&WebIdentityToken=abcd&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/p",
                        b"\x02Action=TagRole&Version=2010-05-08\nRoleName=r&Tags.member.1.Key=k&Tags.member.1.Value=v"],
        "sigv4": [signed_request()],
        "jwt": [valid_token().encode()],
        "policy": [bytes([i]) + document for i, document in enumerate(documents)],
    }[target]
