"""The Cognito audience pin on role trust policies, when written and when evaluated.

A trust statement that lets a Cognito web identity assume the role must pin
`cognito-identity.amazonaws.com:aud` to exact identity pool ids, whatever its principal says
(`"*"`, `{"AWS": "*"}` and `{"Federated": "*"}` admit Cognito web identities too). Written
policies that do not are refused (MalformedPolicyDocument); stored ones from before the rule
still load, but such a statement never lets a Cognito web identity in.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from idpool.errors import MalformedPolicyDocument
from idpool.policy import Request, evaluate_trust, parse_policy
from idpool.policy.document import COGNITO_AUD_REQUIRED

COGNITO = "cognito-identity.amazonaws.com"
AUD = f"{COGNITO}:aud"
AMR = f"{COGNITO}:amr"
POOL = "us-east-1:2d0b4b1e-8f5a-4c3e-9b7d-0c1e2f3a4b5c"
OTHER_POOL = "us-east-1:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"  # same region: a wildcard there would match it


def trust(principal: Any, condition: dict[str, Any] | None, action: Any = "sts:AssumeRoleWithWebIdentity") -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


FED = {"Federated": COGNITO}

UNPINNED = [
    pytest.param(trust("*", None), id="principal star, no condition"),
    pytest.param(trust({"AWS": "*"}, None), id="AWS star, no condition"),
    pytest.param(trust({"Federated": "*"}, None), id="Federated star, no condition"),
    pytest.param(trust({"AWS": "*"}, None, "sts:*"), id="AWS star, sts:*"),
    pytest.param(trust("*", {"ForAnyValue:StringLike": {AMR: "authenticated"}}), id="principal star, amr only"),
    pytest.param(trust(FED, {"StringLike": {AUD: "*:*"}}), id="StringLike *:*"),
    pytest.param(trust(FED, {"StringLike": {AUD: "us-east-1:*"}}), id="StringLike every pool of a region"),
    pytest.param(trust(FED, {"StringLike": {AUD: "*-*"}}), id="StringLike *-*"),
    pytest.param(trust(FED, {"StringLike": {AUD: POOL[:-1] + "?"}}), id="StringLike one ? in the id"),
    pytest.param(trust(FED, {"StringLike": {AUD: "us-east-1:????????-????-????-????-????????????"}}),
                 id="StringLike ? for every digit"),
    pytest.param(trust({"Federated": "*"}, {"StringLike": {AUD: [POOL, "us-east-1:*"]}}),
                 id="one wildcard among exact ids"),
    pytest.param(trust(FED, {"StringEquals": {AUD: "${cognito-identity.amazonaws.com:aud}"}}),
                 id="policy variable naming the token's own aud"),
    pytest.param(trust(FED, {"StringLike": {AUD: "us-east-1:${aws:username, '*'}"}}), id="policy variable in an id"),
    pytest.param(trust(FED, {"ForAllValues:StringEquals": {AUD: POOL}}), id="ForAllValues holds when aud is absent"),
    pytest.param(trust(FED, {"StringEqualsIfExists": {AUD: POOL}}), id="IfExists holds when aud is absent"),
    pytest.param(trust(FED, {"StringNotEquals": {AUD: POOL}}), id="negated operator"),
    pytest.param(trust(FED, {"StringEquals": {AUD: "my-identity-pool"}}), id="a name, not a pool id"),
    pytest.param(trust(FED, {"StringEquals": {AUD: f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{POOL}"}}),
                 id="the pool ARN, not its id"),
    pytest.param(trust(FED, {"StringEquals": {AUD: []}}), id="no value at all"),
    pytest.param(trust(FED, {"StringLike": {f"{COGNITO}:sub": f"{POOL.split(':')[0]}:*"}}), id="sub, not aud"),
]

PINNED = [
    pytest.param(trust(FED, {"StringEquals": {AUD: POOL}}), id="StringEquals"),
    pytest.param(trust(FED, {"StringLike": {AUD: POOL}}), id="StringLike without wildcards"),
    pytest.param(trust(FED, {"StringEqualsIgnoreCase": {AUD: POOL.upper()}}), id="StringEqualsIgnoreCase"),
    pytest.param(trust(FED, {"ForAnyValue:StringEquals": {AUD: [POOL, "eu-west-1:0e1d2c3b-4a59-4687-9504-a3b2c1d0e9f8"]}}),
                 id="ForAnyValue:StringEquals, two pools"),
    pytest.param(trust(FED, {"ForAnyValue:StringLike": {AUD: POOL}}), id="ForAnyValue:StringLike"),
    pytest.param(trust(FED, {"StringLike": {"Cognito-Identity.amazonaws.com:AUD": POOL}}), id="key in another case"),
    pytest.param(trust("*", {"StringEquals": {AUD: POOL}}), id="principal star, pinned"),
    pytest.param(trust({"AWS": "*"}, {"StringEquals": {AUD: POOL}}, "sts:AssumeRole*"), id="AWS star, pinned"),
    pytest.param(trust({"Federated": "*"}, {"StringEquals": {AUD: POOL}, "StringLike": {AUD: "*"}}),
                 id="Federated star, a pin and a wildcard on aud (ANDed)"),
]


@pytest.mark.catalogue("A04")
@pytest.mark.parametrize("text", UNPINNED)
def test_unpinned_trust_is_refused_when_written(text: str) -> None:
    with pytest.raises(MalformedPolicyDocument) as caught:
        parse_policy(text, "trust")
    assert caught.value.message == COGNITO_AUD_REQUIRED
    detail = caught.value.detail or ""
    assert detail.startswith("Statement[0]") and AUD in detail
    assert AUD in caught.value.wire_message


@pytest.mark.parametrize("text", PINNED)
def test_pinned_trust_is_accepted(text: str) -> None:
    parse_policy(text, "trust")


def test_the_detail_says_what_is_wrong() -> None:
    cases = {
        trust("*", None): 'Principal "*"',
        trust({"Federated": "*"}, None): '"Federated": "*"',
        trust(FED, {"StringLike": {AUD: "us-east-1:*"}}): "'us-east-1:*' is not an identity pool id",
        trust(FED, {"ForAllValues:StringEquals": {AUD: POOL}}): "ForAllValues:StringEquals cannot pin",
    }
    for text, says in cases.items():
        with pytest.raises(MalformedPolicyDocument) as caught:
            parse_policy(text, "trust")
        assert says in (caught.value.detail or ""), caught.value.detail


def web_identity(aud: str, amr: tuple[str, ...] = ("authenticated",)) -> Request:
    return Request("sts:AssumeRoleWithWebIdentity", None, {AUD: aud, AMR: list(amr), f"{COGNITO}:sub": aud},
                   principal={"Federated": COGNITO})


@pytest.mark.catalogue("A04")
@pytest.mark.parametrize("text", UNPINNED)
def test_a_stored_unpinned_trust_still_loads_but_lets_no_web_identity_in(text: str) -> None:
    """A role written before the rule: reading it back must not fail, and evaluation enforces
    the rule instead, so a token of another pool (or of any pool) is refused."""
    stored = parse_policy(text, "trust", stored=True)
    for aud in (OTHER_POOL, POOL):
        decision = evaluate_trust(web_identity(aud), stored)
        assert not decision.allowed
        assert AUD in decision.reason, decision.reason


@pytest.mark.catalogue("A04", "J10")
@pytest.mark.parametrize("text", PINNED)
def test_a_pinned_trust_admits_its_pool_only(text: str) -> None:
    document = parse_policy(text, "trust", stored=True)
    assert evaluate_trust(web_identity(POOL), document).allowed
    assert not evaluate_trust(web_identity(OTHER_POOL), document).allowed


def test_the_rule_concerns_cognito_web_identities_only() -> None:
    legacy = parse_policy(trust("*", None, "sts:*"), "trust", stored=True)
    user = Request("sts:AssumeRole", None, principal={"AWS": "arn:aws:iam::123456789012:user/alice"})
    assert evaluate_trust(user, legacy).allowed
    other_idp = Request("sts:AssumeRoleWithWebIdentity", None, principal={"Federated": "accounts.google.com"})
    assert evaluate_trust(other_idp, legacy).allowed


def test_a_pinned_statement_still_counts_next_to_an_unpinned_one() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"},
        {"Sid": "Pinned", "Effect": "Allow", "Principal": FED, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {AUD: POOL}}}]})
    with pytest.raises(MalformedPolicyDocument):
        parse_policy(text, "trust")
    stored = parse_policy(text, "trust", stored=True)
    decision = evaluate_trust(web_identity(POOL), stored)
    assert decision.allowed and decision.statement == "Pinned"
    assert not evaluate_trust(web_identity(OTHER_POOL), stored).allowed
