"""IAM, the simulator and the signing keys in the console; a limited IAM user sees and does only
what its policies allow, as through the API."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.console.support import ConsoleUser, text_of
from tests.support import LiveServer, client


def _trust(pool_id: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id}}}]})


def test_a_json_syntax_error_is_shown_where_it_is(root: ConsoleUser) -> None:
    root.get("/console/iam/roles/new")
    broken = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow" "Action": "x"}\n  ]\n}'
    page = root.submit("/console/iam/roles/new", {"name": "BrokenJson", "trust": broken})
    assert page.status_code == 400
    text = text_of(page.text)
    assert "Line 4, column 24: This policy contains invalid Json: Expecting ',' delimiter" in text
    assert '{"Effect": "Allow" "Action": "x"}' in text  # the line itself, quoted under the editor
    assert 'aria-invalid="true"' in page.text


def test_a_policy_iam_refuses_names_the_statement(root: ConsoleUser) -> None:
    root.get("/console/iam/roles/new")
    no_principal = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})
    page = root.submit("/console/iam/roles/new", {"name": "NoPrincipal", "trust": no_principal})
    assert page.status_code == 400
    assert "Missing required field Principal" in text_of(page.text)
    assert "Statement[0]" in text_of(page.text)  # where: the detail the log also gets


def test_roles_and_their_policies(root: ConsoleUser, live: LiveServer) -> None:
    iam = client(live, "iam")
    pool_id = client(live, "cognito-identity").create_identity_pool(
        IdentityPoolName="RolesPage", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    root.get(f"/console/iam/roles/new?pool={pool_id}")
    assert root.page is not None and pool_id in root.page.text  # the trust template names the pool
    made = root.submit("/console/iam/roles/new", {"name": "ConsoleMadeRole", "description": "made here"})
    assert "Role ConsoleMadeRole created." in made.text
    assert iam.get_role(RoleName="ConsoleMadeRole")["Role"]["Description"] == "made here"

    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cognito-identity:DescribeIdentityPool", "Resource": "*"}]})
    added = root.submit("/console/iam/roles/ConsoleMadeRole/policies", {"policy_name": "read-pools", "document": policy})
    assert "Policy read-pools saved." in added.text
    assert iam.get_role_policy(RoleName="ConsoleMadeRole", PolicyName="read-pools")["PolicyDocument"]["Statement"][0]["Resource"] == "*"

    bad = root.submit("/console/iam/roles/ConsoleMadeRole/policies", {"policy_name": "read-pools", "document": '{"Version": "2012-10-17"'})
    assert bad.status_code == 400 and "invalid Json" in text_of(bad.text)

    root.get("/console/iam/roles/ConsoleMadeRole")
    trust = root.submit("/console/iam/roles/ConsoleMadeRole/trust", {"trust": _trust(pool_id).replace(":aud", ":sub")})
    assert trust.status_code == 400  # a Cognito trust must pin aud
    assert "restrict cognito-identity.amazonaws.com:aud" in text_of(trust.text)

    confirm = root.get("/console/iam/roles/ConsoleMadeRole/delete")
    assert "Delete role ConsoleMadeRole?" in text_of(confirm.text)
    done = root.submit("/console/iam/roles/ConsoleMadeRole/delete")
    assert "Role ConsoleMadeRole deleted." in done.text  # its inline policy went first
    with pytest.raises(ClientError):
        iam.get_role(RoleName="ConsoleMadeRole")


@pytest.mark.catalogue("K01")
def test_a_new_secret_access_key_is_shown_once(root: ConsoleUser, live: LiveServer) -> None:
    root.get("/console/iam/users")
    root.submit("/console/iam/users", {"name": "console-keys"})
    shown = root.submit("/console/iam/users/console-keys/keys")
    assert shown.headers["cache-control"] == "no-store"
    key_id = shown.text.split('id="new-access-key-id">')[1].split("<")[0]
    secret = shown.text.split('id="new-secret-access-key">')[1].split("<")[0]
    assert key_id.startswith("AKIA") and len(secret) == 40
    later = root.get("/console/iam/users/console-keys").text
    assert key_id in later and secret not in later
    user = client(live, "sts", key=key_id, secret=secret)
    assert user.get_caller_identity()["Arn"].endswith(":user/console-keys")

    root.submit(f"/console/iam/users/console-keys/keys/{key_id}/status", {"status": "Inactive"})
    with pytest.raises(ClientError):
        user.get_caller_identity()
    root.get(f"/console/iam/users/console-keys/keys/{key_id}/delete")
    root.submit(f"/console/iam/users/console-keys/keys/{key_id}/delete")
    assert client(live, "iam").list_access_keys(UserName="console-keys")["AccessKeyMetadata"] == []

    root.get("/console/iam/users/console-keys/delete")
    root.submit("/console/iam/users/console-keys/delete")
    with pytest.raises(ClientError):
        client(live, "iam").get_user(UserName="console-keys")


# --- a limited user -------------------------------------------------------------------------
@pytest.fixture
def limited(live: LiveServer) -> Iterator[tuple[ConsoleUser, str, str]]:
    """An IAM user allowed to list pools and to describe (and list the identities of) one pool."""
    iam, cognito = client(live, "iam"), client(live, "cognito-identity")
    mine = cognito.create_identity_pool(IdentityPoolName="Limited Mine", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    theirs = cognito.create_identity_pool(IdentityPoolName="Limited Theirs", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    arn = f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{mine}"
    iam.create_user(UserName="console-limited")
    iam.put_user_policy(UserName="console-limited", PolicyName="one-pool", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "List", "Effect": "Allow", "Action": "cognito-identity:ListIdentityPools", "Resource": "*"},
            {"Sid": "Mine", "Effect": "Allow", "Action": ["cognito-identity:DescribeIdentityPool",
                                                           "cognito-identity:ListIdentities"], "Resource": arn}]}))
    key = iam.create_access_key(UserName="console-limited")["AccessKey"]
    user = ConsoleUser(live)
    user.sign_in(key["AccessKeyId"], key["SecretAccessKey"])
    yield user, mine, theirs
    user.close()
    iam.delete_access_key(UserName="console-limited", AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName="console-limited", PolicyName="one-pool")
    iam.delete_user(UserName="console-limited")


def test_a_limited_user_sees_what_it_may(limited: tuple[ConsoleUser, str, str]) -> None:
    user, mine, _ = limited
    pools = user.get("/console/pools")
    assert pools.status_code == 200
    listed = pools.text
    while "Limited Mine" not in listed:  # the shared server may hold more than a page of pools
        more = re.search(r'href="(/console/pools\?next=[^"]+)">Next page', listed)
        assert more, "the pool is on no page of the list"
        listed = user.get(html.unescape(more.group(1))).text
    assert user.get(f"/console/pools/{mine}").status_code == 200
    assert user.get(f"/console/pools/{mine}/identities").status_code == 200


@pytest.mark.parametrize("path", ["/console/pools/{theirs}", "/console/iam/roles", "/console/iam/users", "/console/keys"])
def test_a_limited_user_is_told_what_is_not_allowed(limited: tuple[ConsoleUser, str, str], path: str) -> None:
    user, _, theirs = limited
    page = user.get(path.format(theirs=theirs))
    assert page.status_code == 403
    text = text_of(page.text)
    assert "Not allowed" in text
    assert "User: arn:aws:iam::123456789012:user/console-limited is not authorized to perform:" in text


def test_a_limited_user_cannot_create_a_pool(limited: tuple[ConsoleUser, str, str], live: LiveServer) -> None:
    user, _, _ = limited
    user.get("/console/pools/new")
    page = user.submit("/console/pools/new", {"name": "Not Mine To Make", "developer": "login.nope"})
    assert page.status_code == 403
    assert "is not authorized to perform: cognito-identity:CreateIdentityPool on resource: *" in text_of(page.text)
    names = [p["IdentityPoolName"] for p in client(live, "cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]]
    assert "Not Mine To Make" not in names


def test_pass_role_is_checked_when_the_console_assigns_roles(limited: tuple[ConsoleUser, str, str], live: LiveServer) -> None:
    """SetIdentityPoolRoles' iam:PassRole check comes along: the console runs the API's handler."""
    iam = client(live, "iam")
    user, mine, _ = limited
    arn = iam.create_role(RoleName="LimitedPassRole", AssumeRolePolicyDocument=_trust(mine))["Role"]["Arn"]
    iam.put_user_policy(UserName="console-limited", PolicyName="set-roles", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["cognito-identity:SetIdentityPoolRoles",
        "cognito-identity:GetIdentityPoolRoles"], "Resource": "*"}]}))
    try:
        user.get(f"/console/pools/{mine}/roles")
        page = user.submit(f"/console/pools/{mine}/roles", {"authenticated": arn})
        assert page.status_code == 403
        assert f"iam:PassRole on resource: {arn}" in text_of(page.text)
    finally:
        iam.delete_user_policy(UserName="console-limited", PolicyName="set-roles")


# --- the simulator and the keys ----------------------------------------------------------
def test_the_simulator_answers_with_the_deciding_statement(root: ConsoleUser, live: LiveServer) -> None:
    iam, cognito = client(live, "iam"), client(live, "cognito-identity")
    pool_id = cognito.create_identity_pool(IdentityPoolName="Simulated", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    other = cognito.create_identity_pool(IdentityPoolName="Not Simulated", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    iam.create_role(RoleName="SimulatedRole", AssumeRolePolicyDocument=_trust(pool_id))
    iam.put_role_policy(RoleName="SimulatedRole", PolicyName="own-pool", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "OwnPool", "Effect": "Allow", "Action": "cognito-identity:DescribeIdentityPool",
        "Resource": "arn:aws:cognito-identity:*:*:identitypool/${cognito-identity.amazonaws.com:aud}"}]}))

    def ask(resource_pool: str) -> str:
        root.get("/console/iam/simulate")
        page = root.submit("/console/iam/simulate", {
            "subject": "role", "name": "SimulatedRole", "identity_id": "us-east-1:00000000-0000-4000-8000-000000000001",
            "pool_id": pool_id, "amr": "authenticated", "action": "cognito-identity:DescribeIdentityPool",
            "resource": f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{resource_pool}"})
        assert page.status_code == 200
        return text_of(page.text)

    allowed = ask(pool_id)
    assert "Allowed" in allowed and "is allowed by OwnPool of policy 'own-pool'" in allowed
    assert "assumed-role/SimulatedRole/CognitoIdentityCredentials" in allowed
    denied = ask(other)
    assert "Denied" in denied and "No statement in the identity-based policies ('own-pool') allows" in denied


def test_a_user_without_the_permission_cannot_simulate(limited: tuple[ConsoleUser, str, str]) -> None:
    user, _, _ = limited
    user.get("/console/iam/simulate")
    page = user.submit("/console/iam/simulate", {"subject": "user", "name": "console-limited",
                                                 "action": "iam:ListUsers", "resource": "*"})
    assert page.status_code == 403
    assert "iam:SimulatePrincipalPolicy on resource: arn:aws:iam::123456789012:user/console-limited" in text_of(page.text)
    # whether a role exists is not told to someone who may not simulate it
    page = user.submit("/console/iam/simulate", {"subject": "role", "name": "NoSuchRoleAnywhere"})
    assert page.status_code == 403


def test_simulating_a_missing_role_says_so(root: ConsoleUser) -> None:
    root.get("/console/iam/simulate")
    page = root.submit("/console/iam/simulate", {"subject": "role", "name": "NoSuchRoleAnywhere",
                                                 "action": "s3:GetObject", "resource": "*"})
    assert page.status_code == 404
    assert "The role with name NoSuchRoleAnywhere cannot be found." in text_of(page.text)


def test_keys_are_listed_and_rotated(root: ConsoleUser, live: LiveServer) -> None:
    def published() -> set[str]:
        return {key["kid"] for key in httpx.get(f"{live.url}/.well-known/jwks_uri").json()["keys"]}

    before = root.get("/console/keys").text
    active = before.split('<code>')[1].split('</code>')[0]
    assert active in published() and "Active" in before
    root.get("/console/keys/rotate")
    page = root.submit("/console/keys/rotate")
    new_kid = text_of(page.text).split("Signing key ")[1].split(" is now active")[0]
    assert new_kid != active
    assert "Retired, verifying" in text_of(page.text)
    jwks = published()
    assert new_kid in jwks and active in jwks  # the old key still verifies its tokens
