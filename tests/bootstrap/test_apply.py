"""``idpool apply`` through the AWS APIs against a real idpool: the plan of a dry run, the
setup it creates (and that clients can use), idempotency, updates limited to what the file
says, and refusals that name the resource."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from idpool.bootstrap.apply import apply
from idpool.bootstrap.aws import Clients
from idpool.bootstrap.document import load, parse, read_text
from idpool.bootstrap.errors import BootstrapError
from idpool.bootstrap.report import Report
from idpool.testing.kit import IdpoolServer

from .files import DEV, EXAMPLE, minimal_pool, trust

PLAN = [
    '+ identity pool "MyApp": create',
    '+ role "MyApp_Auth_Role": create',
    '+ role "MyApp_Auth_Role": inline policy "own-pool"',
    '+ role "MyApp_Pro_Role": create',
    '+ role "MyApp_Pro_Role": inline policy "pro-features"',
    '~ identity pool "MyApp": roles and role mappings',
    '~ identity pool "MyApp": principal tags of login.myapp.example',
    '+ user "ci": create',
    '+ user "ci": inline policy "read-pools"',
    '+ user "ci": access key',
]


def run(server: IdpoolServer, raw: Any = None, *, dry_run: bool = False) -> Report:
    document = load(EXAMPLE) if raw is None else parse(raw)
    return apply(document, Clients.from_session(server.session()), Report(dry_run=dry_run))


def example() -> dict[str, Any]:
    return copy.deepcopy(read_text(EXAMPLE.read_text()))


def test_a_dry_run_shows_the_plan_and_changes_nothing(server: IdpoolServer) -> None:
    report = run(server, dry_run=True)
    assert [c.line() for c in report.changes] == PLAN
    assert report.summary() == "Plan: 4 to create, 0 to update, 0 unchanged. Nothing was changed (dry run)."
    assert server.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"] == []
    assert server.client("iam").list_roles()["Roles"] == []
    assert server.client("iam").list_users()["Users"] == []


def test_apply_creates_a_setup_clients_can_use(server: IdpoolServer) -> None:
    report = run(server)
    assert [c.line() for c in report.changes][:-1] == PLAN[:-1]
    assert report.summary() == "Applied: 4 created, 0 updated, 0 unchanged."
    cognito = server.client("cognito-identity")
    [listed] = cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
    pool_id = listed["IdentityPoolId"]
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert (pool["DeveloperProviderName"], pool["AllowUnauthenticatedIdentities"], pool["IdentityPoolTags"]) == (
        DEV, False, {"team": "web"})
    trust_policy = server.client("iam").get_role(RoleName="MyApp_Auth_Role")["Role"]["AssumeRolePolicyDocument"]
    assert trust_policy["Statement"][0]["Condition"]["StringEquals"] == {"cognito-identity.amazonaws.com:aud": pool_id}

    # the role mapping picks the role from the backend's principal tag, as the file says
    public = boto3.client("cognito-identity", endpoint_url=server.endpoint_url, region_name=server.region,
                          config=Config(signature_version=UNSIGNED))
    for plan, role in (("pro", "MyApp_Pro_Role"), ("free", "MyApp_Auth_Role")):
        issued = cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={DEV: f"user-on-{plan}"}, PrincipalTags={"plan": plan})
        creds = public.get_credentials_for_identity(
            IdentityId=issued["IdentityId"], Logins={"cognito-identity.amazonaws.com": issued["Token"]})["Credentials"]
        sts = boto3.client("sts", endpoint_url=server.endpoint_url, region_name=server.region,
                           aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                           aws_session_token=creds["SessionToken"])
        assert sts.get_caller_identity()["Arn"].endswith(f":assumed-role/{role}/CognitoIdentityCredentials")

    # the CI user's new key works, within its policy
    [key] = report.new_access_keys
    assert (key.user, key.access_key_id) == ("ci", report.changes[-1].text.split()[2])
    ci = boto3.client("cognito-identity", endpoint_url=server.endpoint_url, region_name=server.region,
                      aws_access_key_id=key.access_key_id, aws_secret_access_key=key.secret_access_key)
    assert ci.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "MyApp"
    with pytest.raises(ClientError, match="AccessDenied"):
        ci.list_identity_pools(MaxResults=5)


def test_a_second_apply_changes_nothing_and_says_so(server: IdpoolServer) -> None:
    run(server)
    for dry_run in (False, True):
        again = run(server, dry_run=dry_run)
        assert again.changes == [] and again.new_access_keys == []
        assert again.summary() == "No changes: all 4 resources of the file are as it describes them."
    assert len(server.client("iam").list_access_keys(UserName="ci")["AccessKeyMetadata"]) == 1


def test_apply_changes_what_the_file_says_and_nothing_else(server: IdpoolServer) -> None:
    run(server)
    iam = server.client("iam")
    iam.tag_role(RoleName="MyApp_Pro_Role", Tags=[{"Key": "owner", "Value": "ops"}])  # the file gives no tags
    raw = example()
    pool, auth, pro = raw["identity_pools"][0], raw["roles"][0], raw["roles"][1]
    pool.update(allow_classic_flow=True, tags={"team": "mobile", "cost": "1"})
    pool["roles"]["unauthenticated"] = "arn:aws:iam::000000000000:role/Elsewhere"
    auth["description"] = "everyone signed in"
    auth["policies"] = {"describe": pro["policies"]["pro-features"]}
    raw["users"][0]["access_keys"] = 2
    report = run(server, raw)
    assert [c.line() for c in report.changes][:-1] == [
        '~ identity pool "MyApp": allow_classic_flow false -> true',
        '~ identity pool "MyApp": tags cost, team',
        '~ role "MyApp_Auth_Role": description',
        '+ role "MyApp_Auth_Role": inline policy "describe"',
        '- role "MyApp_Auth_Role": inline policy "own-pool"',
        '~ identity pool "MyApp": roles',
    ]
    assert report.changes[-1].line().startswith('+ user "ci": access key AKIA')
    assert report.summary() == "Applied: 0 created, 3 updated, 1 unchanged."
    pool_id = server.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"][0]["IdentityPoolId"]
    roles = server.client("cognito-identity").get_identity_pool_roles(IdentityPoolId=pool_id)
    assert roles["Roles"]["unauthenticated"] == "arn:aws:iam::000000000000:role/Elsewhere"
    assert roles["RoleMappings"][DEV]["Type"] == "Rules"  # the file still says so: kept
    assert iam.list_role_policies(RoleName="MyApp_Auth_Role")["PolicyNames"] == ["describe"]
    assert iam.list_role_tags(RoleName="MyApp_Pro_Role")["Tags"] == [{"Key": "owner", "Value": "ops"}]
    assert len(iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]) == 2
    raw["users"][0]["access_keys"] = 1  # apply never deletes a key
    assert run(server, raw).changes == []


def test_a_pool_is_found_by_its_id_then_by_its_name(server: IdpoolServer) -> None:
    cognito = server.client("cognito-identity")
    existing = cognito.create_identity_pool(IdentityPoolName="MyApp", AllowUnauthenticatedIdentities=True)
    report = run(server, {"version": 1, "identity_pools": [minimal_pool("MyApp")]})
    assert [c.line() for c in report.changes] == [
        '~ identity pool "MyApp": allow_unauthenticated_identities true -> false']
    renamed = {"version": 1, "identity_pools": [minimal_pool("Renamed", id=existing["IdentityPoolId"])]}
    assert [c.line() for c in run(server, renamed).changes] == ['~ identity pool "Renamed": name \'MyApp\' -> \'Renamed\'']
    cognito.create_identity_pool(IdentityPoolName="Twin", AllowUnauthenticatedIdentities=False)
    cognito.create_identity_pool(IdentityPoolName="Twin", AllowUnauthenticatedIdentities=False)
    with pytest.raises(BootstrapError, match=r'identity pool "Twin": 2 pools of this account have that name; give '
                                             r"the file the id of the one to manage"):
        run(server, {"version": 1, "identity_pools": [minimal_pool("Twin")]})


def test_a_pool_id_the_account_does_not_have_is_created_anew(server: IdpoolServer) -> None:
    gone = "us-east-1:00000000-0000-4000-8000-000000000000"
    report = run(server, {"version": 1, "identity_pools": [minimal_pool("MyApp", id=gone)]})
    assert [c.line() for c in report.changes] == [
        f'+ identity pool "MyApp": create (the file\'s id {gone} is not in this account: a new id is chosen)']


def test_what_a_server_refuses_stops_apply_with_one_line_naming_the_resource(server: IdpoolServer) -> None:
    unpinned = trust("MyApp")
    del unpinned["Statement"][0]["Condition"]
    raw = {"version": 1, "identity_pools": [minimal_pool("MyApp")], "roles": [{"name": "Loose", "trust_policy": unpinned}]}
    with pytest.raises(BootstrapError, match=r'^role "Loose": create: MalformedPolicyDocument: .+aud'):
        run(server, raw)
    assert server.client("iam").list_roles()["Roles"] == []
    assert len(server.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]) == 1  # done before

    server.client("iam").create_user(UserName="ci", Path="/robots/")
    with pytest.raises(BootstrapError, match=r'user "ci": its path is /robots/, the file says /; apply does not move'):
        run(server, {"version": 1, "users": [{"name": "ci"}]})


def test_identities_in_a_file_are_left_to_import(server: IdpoolServer) -> None:
    identity = {"id": "us-east-1:00000000-0000-4000-8000-000000000001", "logins": {DEV: ["alice"]}}
    raw = {"version": 1, "identity_pools": [minimal_pool("MyApp", developer_provider_name=DEV, identities=[identity])]}
    report = run(server, raw)
    assert report.notes == ["1 identities left out: the AWS APIs cannot choose an IdentityId, so only `idpool import` "
                            "writes identities"]
    pool_id = server.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"][0]["IdentityPoolId"]
    assert server.client("cognito-identity").list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"] == []


def test_policies_compare_as_json_values(server: IdpoolServer) -> None:
    run(server)
    iam = server.client("iam")
    document = iam.get_role_policy(RoleName="MyApp_Auth_Role", PolicyName="own-pool")["PolicyDocument"]
    iam.put_role_policy(RoleName="MyApp_Auth_Role", PolicyName="own-pool",
                        PolicyDocument=json.dumps(document, indent=4, sort_keys=True))  # same value, other text
    assert run(server).changes == []
