"""Partitions: a server answering for a China or GovCloud region forms every ARN in that
region's partition (aws-cn, aws-us-gov), as AWS does (issue #12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from idpool.app import build_services
from idpool.arns import partition_of
from tests.api.support import DEV, allow, code, name, trust_for
from tests.support import LiveServer, client, make_settings

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def china(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("china")
    server = LiveServer(lambda port: build_services(make_settings(
        tmp, port=port, region="cn-north-1", issuer=f"http://127.0.0.1:{port}")))
    server.start()
    yield server
    server.stop()


def test_region_names_the_partition() -> None:
    assert [partition_of(r) for r in ("us-east-1", "eu-west-3", "cn-north-1", "cn-northwest-1",
                                      "us-gov-west-1", "us-gov-east-1")] == [
        "aws", "aws", "aws-cn", "aws-cn", "aws-us-gov", "aws-us-gov"]


def test_settings_accept_china_and_govcloud_regions(tmp_path: Path) -> None:
    for region in ("cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1"):
        assert make_settings(tmp_path, region=region).region == region


def test_every_arn_is_in_the_servers_partition(china: LiveServer) -> None:
    iam, sts = client(china, "iam", region="cn-north-1"), client(china, "sts", region="cn-north-1")
    cognito = client(china, "cognito-identity", region="cn-north-1")
    assert sts.get_caller_identity()["Arn"] == f"arn:aws-cn:iam::{ACCOUNT}:root"
    user = iam.create_user(UserName=name("u"))["User"]
    assert user["Arn"].startswith(f"arn:aws-cn:iam::{ACCOUNT}:user/")
    pool_id = cognito.create_identity_pool(IdentityPoolName="p", AllowUnauthenticatedIdentities=False,
                                           DeveloperProviderName=DEV)["IdentityPoolId"]
    assert pool_id.startswith("cn-north-1:")
    role = iam.create_role(RoleName=name("Auth"), AssumeRolePolicyDocument=trust_for(pool_id))["Role"]
    assert role["Arn"] == f"arn:aws-cn:iam::{ACCOUNT}:role/{role['RoleName']}"
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="p", PolicyDocument=allow(
        ["cognito-identity:DescribeIdentityPool"], f"arn:aws-cn:cognito-identity:cn-north-1:{ACCOUNT}:identitypool/*"))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role["Arn"]})
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "mei"})
    creds = cognito.get_credentials_for_identity(
        IdentityId=token["IdentityId"], Logins={"cognito-identity.amazonaws.com": token["Token"]})["Credentials"]
    me = as_creds_in(china, "sts", creds).get_caller_identity()
    assert me["Arn"] == f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/CognitoIdentityCredentials"
    described = as_creds_in(china, "cognito-identity", creds).describe_identity_pool(IdentityPoolId=pool_id)
    assert described["IdentityPoolId"] == pool_id  # the policy's aws-cn pool ARN matched


def test_an_arn_of_another_partition_is_refused(china: LiveServer) -> None:
    iam, sts = client(china, "iam", region="cn-north-1"), client(china, "sts", region="cn-north-1")
    role = iam.create_role(RoleName=name("R"), AssumeRolePolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",'
        f' "Principal": {{"AWS": "arn:aws-cn:iam::{ACCOUNT}:root"}}}}]}}'))["Role"]
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ops")["AssumedRoleUser"]
    assert assumed["Arn"] == f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/ops"
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role["Arn"].replace("arn:aws-cn:", "arn:aws:"), RoleSessionName="ops")
    assert code(exc) == "ValidationError"


def as_creds_in(live: LiveServer, service: str, creds: dict[str, Any]) -> Any:
    return client(live, service, key=creds["AccessKeyId"], secret=creds["SecretKey"], token=creds["SessionToken"],
                  region="cn-north-1")
