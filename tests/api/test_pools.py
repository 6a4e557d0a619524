"""Identity pool configuration through a real boto3 client (step 1 of the seed)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import code, new_pool


def test_create_returns_the_pool_and_describe_agrees(cognito: Any) -> None:
    created = new_pool(cognito, AllowClassicFlow=True, SupportedLoginProviders={"graph.facebook.com": "123"},
                       IdentityPoolTags={"team": "blue"})
    pool_id = created["IdentityPoolId"]
    region, guid = pool_id.split(":")
    assert region == "us-east-1" and uuid.UUID(guid).hex == guid.replace("-", "") and guid == guid.lower()
    described = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    for key in ("IdentityPoolName", "AllowUnauthenticatedIdentities", "AllowClassicFlow",
                "SupportedLoginProviders", "DeveloperProviderName", "IdentityPoolTags"):
        assert described[key] == created[key]
    assert described["DeveloperProviderName"] == "login.example.app"
    assert described["IdentityPoolTags"] == {"team": "blue"}


def test_update_replaces_configuration_but_keeps_developer_provider(cognito: Any) -> None:
    pool = new_pool(cognito, AllowClassicFlow=True, SupportedLoginProviders={"graph.facebook.com": "123"})
    updated = cognito.update_identity_pool(
        IdentityPoolId=pool["IdentityPoolId"], IdentityPoolName="renamed", AllowUnauthenticatedIdentities=True
    )
    assert updated["IdentityPoolName"] == "renamed"
    assert updated["AllowUnauthenticatedIdentities"] is True
    assert updated["AllowClassicFlow"] is False  # replaced: omitted means default
    assert updated["SupportedLoginProviders"] == {}
    assert updated["DeveloperProviderName"] == "login.example.app"  # never changes once set


def test_developer_provider_name_can_be_set_later_but_never_changed(cognito: Any) -> None:
    pool = cognito.create_identity_pool(IdentityPoolName="later", AllowUnauthenticatedIdentities=False)
    assert "DeveloperProviderName" not in pool
    pool_id = pool["IdentityPoolId"]
    set_later = cognito.update_identity_pool(IdentityPoolId=pool_id, IdentityPoolName="later",
                                             AllowUnauthenticatedIdentities=False, DeveloperProviderName="dev.one")
    assert set_later["DeveloperProviderName"] == "dev.one"
    with pytest.raises(ClientError) as exc:
        cognito.update_identity_pool(IdentityPoolId=pool_id, IdentityPoolName="later",
                                     AllowUnauthenticatedIdentities=False, DeveloperProviderName="dev.two")
    assert code(exc) == "InvalidParameterException"
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["DeveloperProviderName"] == "dev.one"


def test_list_pages_through_every_pool_once(cognito: Any) -> None:
    made = {new_pool(cognito)["IdentityPoolId"] for _ in range(7)}
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"MaxResults": 3}
        if token:
            kwargs["NextToken"] = token
        page = cognito.list_identity_pools(**kwargs)
        assert len(page["IdentityPools"]) <= 3
        seen += [p["IdentityPoolId"] for p in page["IdentityPools"]]
        token = page.get("NextToken")
        if not token:
            break
    assert made <= set(seen)
    assert len(seen) == len(set(seen))
    paginated = [p["IdentityPoolId"] for page in cognito.get_paginator("list_identity_pools").paginate(
        PaginationConfig={"PageSize": 2}) for p in page["IdentityPools"]]
    assert sorted(paginated) == sorted(seen)


def test_delete_then_describe_is_not_found(cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    cognito.delete_identity_pool(IdentityPoolId=pool_id)
    with pytest.raises(ClientError) as exc:
        cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert code(exc) == "ResourceNotFoundException"
    assert pool_id in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        cognito.delete_identity_pool(IdentityPoolId=pool_id)
    assert code(exc) == "ResourceNotFoundException"


def test_tags_on_the_pool_arn(cognito: Any) -> None:
    pool_id = new_pool(cognito, IdentityPoolTags={"a": "1"})["IdentityPoolId"]
    arn = f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}"
    cognito.tag_resource(ResourceArn=arn, Tags={"b": "2", "a": "9"})
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "9", "b": "2"}
    cognito.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == {"b": "2"}
    with pytest.raises(ClientError) as exc:
        cognito.list_tags_for_resource(ResourceArn=arn.replace(pool_id, "us-east-1:" + str(uuid.uuid4())))
    assert code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        cognito.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v" for i in range(50)})
    assert code(exc) == "InvalidParameterException"


def test_roles_and_role_mappings(cognito: Any) -> None:
    pool_id = new_pool(cognito, SupportedLoginProviders={"graph.facebook.com": "123"})["IdentityPoolId"]
    roles = {"authenticated": "arn:aws:iam::123456789012:role/Auth",
             "unauthenticated": "arn:aws:iam::123456789012:role/Guest"}
    mapping = {"graph.facebook.com": {
        "Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
        "RulesConfiguration": {"Rules": [{"Claim": "locale", "MatchType": "Equals", "Value": "fr",
                                          "RoleARN": "arn:aws:iam::123456789012:role/French"}]}}}
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings=mapping)
    got = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert got["Roles"] == roles and got["RoleMappings"] == mapping
    with pytest.raises(ClientError) as exc:  # not a configured provider (aws-cdk#22951)
        cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings={
            "accounts.google.com": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
    assert code(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": "arn:aws:s3:::bucket-x"})
    assert code(exc) == "InvalidParameterException"
    assert cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == roles  # nothing changed


def test_principal_tag_attribute_map(cognito: Any) -> None:
    pool_id = new_pool(cognito, SupportedLoginProviders={"graph.facebook.com": "123"})["IdentityPoolId"]
    out = cognito.set_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName="graph.facebook.com",
                                                  UseDefaults=False, PrincipalTags={"dept": "department"})
    assert out["PrincipalTags"] == {"dept": "department"} and out["UseDefaults"] is False
    got = cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName="graph.facebook.com")
    assert got["PrincipalTags"] == {"dept": "department"}
    with pytest.raises(ClientError) as exc:
        cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName="unknown.example")
    assert code(exc) == "InvalidParameterException"


def test_validation_errors_reach_the_client_with_aws_codes(cognito: Any) -> None:
    # botocore checks only required/type/min; max and pattern are the server's job.
    with pytest.raises(ClientError) as exc:
        cognito.describe_identity_pool(IdentityPoolId="us-east-1_notAnIdentityPool")
    assert code(exc) == "ValidationException"
    assert "identityPoolId" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        cognito.create_identity_pool(IdentityPoolName="x" * 129, AllowUnauthenticatedIdentities=False)
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        cognito.list_identity_pools(MaxResults=61)
    assert code(exc) == "ValidationException"
