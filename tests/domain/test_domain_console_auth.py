"""The auth pieces the console stands on, on the real services: a key pair signs in (and stops
signing in), ``Authorizer.explain`` is the decision ``authorize`` acts on, and a simulated
Cognito session meets the same condition keys and policy variables as a real one."""

from __future__ import annotations

import json

import pytest

from idpool import errors
from idpool.app import Services
from idpool.auth.principal import Principal
from idpool.auth.simulation import role_session_principal, user_principal
from idpool.clock import FixedClock
from idpool.model import IdentityPool

from .fixed import ACCOUNT, REGION

SUB = "cognito-identity.amazonaws.com:sub"


def _policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_a_key_pair_signs_in_as_its_user_until_the_key_goes(services: Services, clock: FixedClock) -> None:
    services.iam.create_user(ACCOUNT, "alice")
    key = services.iam.create_access_key(ACCOUNT, "alice")
    principal = services.sign_in.sign_in(key.key.access_key_id, key.secret_access_key, clock.now())
    assert (principal.kind, principal.name, principal.arn) == ("user", "alice", f"arn:aws:iam::{ACCOUNT}:user/alice")
    wrong = key.secret_access_key[:-1] + ("x" if key.secret_access_key[-1] != "x" else "y")
    with pytest.raises(errors.NotAuthorized, match="not valid"):
        services.sign_in.sign_in(key.key.access_key_id, wrong, clock.now())
    assert services.sign_in.resume(key.key.access_key_id, clock.now()) is not None
    services.iam.set_access_key_status(ACCOUNT, "alice", key.key.access_key_id, "Inactive")
    assert services.sign_in.resume(key.key.access_key_id, clock.now()) is None
    with pytest.raises(errors.NotAuthorized):
        services.sign_in.sign_in(key.key.access_key_id, key.secret_access_key, clock.now())


def test_root_signs_in_and_temporary_keys_never_do(services: Services, clock: FixedClock) -> None:
    root = services.root
    assert services.sign_in.sign_in(root.access_key_id, root.secret_access_key, clock.now()).kind == "root"
    with pytest.raises(errors.NotAuthorized):
        services.sign_in.sign_in("ASIA" + root.access_key_id[4:], root.secret_access_key, clock.now())
    assert services.sign_in.resume("ASIAANYTHINGATALL000", clock.now()) is None


@pytest.mark.parametrize("action, resource", [
    ("cognito-identity:DescribeIdentityPool", "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/a"),
    ("cognito-identity:DescribeIdentityPool", "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/b"),
    ("cognito-identity:DeleteIdentityPool", "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/a"),
    ("iam:ListUsers", "*"),
    ("sts:GetCallerIdentity", "*"),
])
def test_explain_is_the_decision_authorize_acts_on(services: Services, action: str, resource: str) -> None:
    services.iam.create_user(ACCOUNT, "bob")
    services.iam.put_user_policy(ACCOUNT, "bob", "pools", _policy(
        {"Sid": "Read", "Effect": "Allow", "Action": "cognito-identity:Describe*", "Resource": "*"},
        {"Sid": "NotB", "Effect": "Deny", "Action": "*", "Resource": "arn:aws:cognito-identity:*:*:identitypool/b"}))
    bob = user_principal(services.iam.get_user(ACCOUNT, "bob"))
    decision = services.authorizer.explain(bob, action, resource)
    try:
        services.authorizer.authorize(bob, action, resource)
        authorized = True
    except errors.AccessDenied:
        authorized = False
    assert decision.allowed == authorized
    if decision.effect == "ExplicitDeny":
        assert decision.statement == "NotB"


def test_root_is_explained_as_root(services: Services) -> None:
    root = Principal(kind="root", account_id=ACCOUNT, arn=f"arn:aws:iam::{ACCOUNT}:root", user_id=ACCOUNT,
                     name="root", access_key_id=services.root.access_key_id)
    decision = services.authorizer.explain(root, "iam:DeleteRole", "*")
    assert decision.allowed and "root" in decision.reason


def test_a_simulated_cognito_session_resolves_its_policy_variables(services: Services, pool: IdentityPool,
                                                                   clock: FixedClock) -> None:
    role = services.iam.get_role(ACCOUNT, "authenticated-role")
    services.iam.put_role_policy(ACCOUNT, role.name, "own-prefix", _policy(
        {"Sid": "Own", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::notes/${" + SUB + "}/*"},
        {"Sid": "Authenticated", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::notes",
         "Condition": {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}))
    me = f"{REGION}:11111111-1111-4111-8111-111111111111"
    session = role_session_principal(services.iam.get_role(ACCOUNT, role.name), clock.now(), identity_id=me,
                                     pool_id=pool.pool_id, amr=["authenticated"])
    assert session.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.name}/CognitoIdentityCredentials"
    explain = services.authorizer.explain
    assert explain(session, "s3:GetObject", f"arn:aws:s3:::notes/{me}/a.txt").statement == "Own"
    assert not explain(session, "s3:GetObject", f"arn:aws:s3:::notes/{REGION}:someone-else/a.txt").allowed
    assert explain(session, "s3:ListBucket", "arn:aws:s3:::notes").statement == "Authenticated"
    guest = role_session_principal(services.iam.get_role(ACCOUNT, role.name), clock.now(), identity_id=me,
                                   pool_id=pool.pool_id, amr=["unauthenticated"])
    denied = explain(guest, "s3:ListBucket", "arn:aws:s3:::notes")
    assert not denied.allowed and "condition" in denied.reason
