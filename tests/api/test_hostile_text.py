"""Hostile text through the API, as a client sends it (docs/SECURITY.md I01, I04, I07):
SQL and LIKE metacharacters are data, log lines stay one JSON object each, and a forged
Host header changes no URL idpool prints or signs."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.api.support import DEV, claims_of, code, name, new_pool, trust_for

SQL = ["' OR '1'='1", "'; DROP TABLE identities; --", 'a"b\\c', "%", "_", "%_%", "x%", "\\%", "[a-z]*", "NULL", "é\u0301 中 \U0001f600"]


@pytest.mark.catalogue("I01")
def test_sql_metacharacters_are_stored_and_returned_byte_for_byte(cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    ids = {}
    for user in SQL:  # developer user ids take any text
        ids[user] = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: user})["IdentityId"]
    assert len(set(ids.values())) == len(SQL)  # '%' did not match '_', nor "x%" everything starting with x
    for user, identity_id in ids.items():
        found = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=user)
        assert found["IdentityId"] == identity_id and found["DeveloperUserIdentifierList"] == [user]
    with pytest.raises(ClientError) as missing:  # a wildcard matches nothing it does not spell
        cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="%%")
    assert code(missing) == "ResourceNotFoundException"
    tags = {f"k{i}": value for i, value in enumerate(["' OR '1'='1", "%", "_", "--", "a;b"])}
    arn = f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}"
    cognito.tag_resource(ResourceArn=arn, Tags=tags)
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == tags


@pytest.mark.catalogue("I01")
def test_like_wildcards_in_a_path_prefix_match_only_themselves(live: Any) -> None:
    from tests.support import client

    iam = client(live, "iam")
    stem = name("p").replace("-", "")
    paths = {"under": f"/{stem}_x/", "percent": f"/{stem}%/", "plain": f"/{stem}ax/", "quote": f"/{stem}'q/"}
    roles = {}
    for kind, path in paths.items():
        roles[kind] = name(kind)
        iam.create_role(RoleName=roles[kind], Path=path, Description="it's 100% \"quoted\" -- ok",
                        AssumeRolePolicyDocument=trust_for("us-east-1:11111111-2222-3333-4444-555555555555"))

    def listed(prefix: str) -> set[str]:
        return {r["RoleName"] for r in iam.list_roles(PathPrefix=prefix)["Roles"]}

    assert listed(f"/{stem}_") == {roles["under"]}  # '_' is not "any one character"
    assert listed(f"/{stem}%") == {roles["percent"]}  # '%' is not "anything"
    assert listed(f"/{stem}'") == {roles["quote"]}
    assert listed(f"/{stem}") == set(roles.values())
    assert iam.get_role(RoleName=roles["quote"])["Role"]["Description"] == "it's 100% \"quoted\" -- ok"


HOSTILE_LOG_TEXT = "line\r\nInjected: {\"forged\": true}\x1b[31mred\x1b[0m\x07\u2028end"


@pytest.mark.catalogue("I04")
def test_hostile_text_in_logged_fields_leaves_one_json_line_per_record(live: Any, cognito: Any, caplog: pytest.LogCaptureFixture) -> None:
    from tests.support import client

    caplog.set_level(logging.DEBUG, logger="idpool")
    iam = client(live, "iam")
    role = name("Log")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_for("us-east-1:11111111-2222-3333-4444-555555555555"))
    bad_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "s", "Effect": "Allow", "Action": "s3:*", "Resource": "*", HOSTILE_LOG_TEXT: 1}]})
    with pytest.raises(ClientError) as refused:  # the refusal's detail is logged, quoting the member
        iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=bad_policy)
    assert code(refused) == "MalformedPolicyDocument"
    with pytest.raises(ClientError):  # a developer user id shows up nowhere but in its own errors
        cognito.lookup_developer_identity(IdentityPoolId="us-east-1:00000000-0000-0000-0000-000000000000",
                                          DeveloperUserIdentifier=HOSTILE_LOG_TEXT)
    target = "AWSCognitoIdentityService.Get\tId\x7f"  # an operation name the router does not know
    httpx.post(live.url + "/", content=b"{}", headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    records = [r.getMessage() for r in caplog.records if r.name.startswith("idpool")]
    assert any("Injected" in r and "MalformedPolicyDocument" in r for r in records)  # the hostile text was logged, escaped
    for line in records:
        assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\x07" not in line, repr(line)
        assert isinstance(json.loads(line), dict), line


@pytest.mark.catalogue("I07")
def test_a_forged_host_header_changes_no_issuer_or_url(live: Any, cognito: Any, public_cognito: Any) -> None:
    forged = {"Host": "evil.example"}
    discovery = httpx.get(live.url + "/.well-known/openid-configuration", headers=forged).json()
    assert discovery["issuer"] == live.url and discovery["jwks_uri"] == f"{live.url}/.well-known/jwks_uri"
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    guest = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    body = json.dumps({"IdentityId": guest}).encode()
    headers = {**forged, "X-Amz-Target": "AWSCognitoIdentityService.GetOpenIdToken",
               "Content-Type": "application/x-amz-json-1.1"}
    token = httpx.post(live.url + "/", content=body, headers=headers).json()["Token"]
    assert claims_of(token)[1]["iss"] == live.url
