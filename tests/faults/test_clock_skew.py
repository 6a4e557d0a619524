"""Nodes whose clocks disagree (F06 in docs/reliability.md), through boto3 as clients call them.

Within the tolerance, everything issued by one node works on the other: OpenID tokens
(checked against `iat` with a 60 s leeway), temporary credentials (their `Expiration` set
by the issuing node, checked by the other) and SigV4 (each node allows 5 minutes between a
request's time and its own). Past the tolerance, a token fresh from a node ahead is refused
by a node behind (`iat` in its future) with the service's usual 4xx until that node's clock
reaches it; nothing answers a 500.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.api.support import COGNITO, allow, trust_for
from tests.faults.nodes import two_nodes
from tests.support import LiveServer, client

DEV = "login.skew"


def unsigned(node: LiveServer, service: str) -> Any:
    return boto3.client(service, endpoint_url=node.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def setup_pool(node: LiveServer) -> tuple[str, str]:
    """A pool whose authenticated role may call sts:GetCallerIdentity; (pool id, role ARN)."""
    cognito, iam = client(node, "cognito-identity"), client(node, "iam")
    pool_id = cognito.create_identity_pool(IdentityPoolName="skew", AllowUnauthenticatedIdentities=False,
                                           DeveloperProviderName=DEV)["IdentityPoolId"]
    role = iam.create_role(RoleName="Skew", AssumeRolePolicyDocument=trust_for(pool_id))["Role"]["Arn"]
    iam.put_role_policy(RoleName="Skew", PolicyName="p", PolicyDocument=allow(["cognito-identity:DescribeIdentityPool"]))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role})
    return pool_id, role


def exchange(issuer: LiveServer, verifier: LiveServer, pool_id: str, role: str, user: str) -> None:
    """A token from ``issuer`` turned into credentials on ``verifier`` (both flows), used on ``issuer``."""
    issued = client(issuer, "cognito-identity").get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEV: user})
    enhanced = unsigned(verifier, "cognito-identity").get_credentials_for_identity(
        IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})["Credentials"]
    basic = unsigned(verifier, "sts").assume_role_with_web_identity(
        RoleArn=role, RoleSessionName=user, WebIdentityToken=issued["Token"])["Credentials"]
    for key, secret, token in ((enhanced["AccessKeyId"], enhanced["SecretKey"], enhanced["SessionToken"]),
                               (basic["AccessKeyId"], basic["SecretAccessKey"], basic["SessionToken"])):
        as_role = client(issuer, "cognito-identity", key=key, secret=secret, token=token)
        assert as_role.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id


@pytest.mark.catalogue("F06")
def test_nodes_55_seconds_apart_accept_each_others_tokens_and_credentials(tmp_path: Path) -> None:
    with two_nodes(tmp_path) as ((ahead, ahead_clock), (behind, behind_clock)):
        ahead_clock.offset, behind_clock.offset = 27.5, -27.5
        pool_id, role = setup_pool(ahead)
        exchange(ahead, behind, pool_id, role, "from-the-node-ahead")  # iat 55 s in the verifier's future
        exchange(behind, ahead, pool_id, role, "from-the-node-behind")


@pytest.mark.catalogue("F06")
def test_past_the_leeway_a_node_behind_refuses_fresh_tokens_with_a_4xx(tmp_path: Path) -> None:
    with two_nodes(tmp_path) as ((ahead, ahead_clock), (behind, behind_clock)):
        ahead_clock.offset, behind_clock.offset = 90, -90  # three minutes apart, SigV4 still within 5 minutes of each
        pool_id, role = setup_pool(ahead)
        exchange(behind, ahead, pool_id, role, "old-enough")  # tokens from the node behind are in the past: fine
        issued = client(ahead, "cognito-identity").get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={DEV: "too-fresh"})
        with pytest.raises(ClientError) as refused:
            unsigned(behind, "cognito-identity").get_credentials_for_identity(
                IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
        with pytest.raises(ClientError) as refused:
            unsigned(behind, "sts").assume_role_with_web_identity(RoleArn=role, RoleSessionName="fresh",
                                                                  WebIdentityToken=issued["Token"])
        assert refused.value.response["Error"]["Code"] == "InvalidIdentityToken"
        behind_clock.offset = 90 - 55  # the clocks agree again within the leeway: the same token works
        unsigned(behind, "cognito-identity").get_credentials_for_identity(
            IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
