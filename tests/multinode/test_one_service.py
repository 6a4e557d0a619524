"""Three ``idpool serve`` processes on one PostgreSQL database behave as one service.

A client spreads its calls over the nodes, as a load balancer would, and sees one
set of pools and identities, one key ring, one IAM. The bounds checked are the ones
docs/DEPLOYMENT.md states: a key rotation reaches every node within the key ring's
5 s refresh (asserted with slack, ~10 s), an IAM change applies on the next request.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from .cluster import (
    ISSUER,
    NO_RETRIES,
    Cluster,
    Node,
    all_identities,
    connect,
    failures_of,
    fresh_database,
    new_pool,
    together,
    verify_with_jwks,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROTATION_BOUND_SECONDS = 10.0  # the key ring refreshes every 5 s; the rest is slack for a busy 2-core box


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> Iterator[Cluster]:
    """Three nodes started at the same instant on an empty database (F08)."""
    with fresh_database(postgres_admin_url) as url:
        cluster = Cluster(tmp_path_factory.mktemp("three"), url)
        try:
            cluster.start(3)
            cluster.jwks_at_start = {node.name: node.jwks() for node in cluster.nodes}
            yield cluster
        finally:
            cluster.close()


def clients(cluster: Cluster, service: str = "cognito-identity", **config: Any) -> list[Any]:
    return [cluster.client(node, service, **config) for node in cluster.nodes]


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


@pytest.mark.catalogue("F08", "KR03")
def test_nodes_started_together_share_root_credentials_and_one_signing_key(three: Cluster) -> None:
    assert three.root is not None  # exactly one node generated and printed the secret
    assert {node.root_access_key_id() for node in three.nodes} == {three.root.access_key_id}
    jwks = list(three.jwks_at_start.values())
    assert len(jwks) == 3 and len(jwks[0]["keys"]) == 1 and all(doc == jwks[0] for doc in jwks)
    for node in three.nodes:  # the master key came from the environment; the state is in PostgreSQL
        assert list(node.data_dir.iterdir()) == []
        assert f"issuer   {ISSUER}" in node.banner


def test_a_node_with_another_master_key_refuses_to_start_and_changes_nothing(three: Cluster) -> None:
    jwks_before = three.nodes[0].jwks()
    env = {k: v for k, v in three.env.items() if k != "IDPOOL_MASTER_KEY"}  # falls back to its own master.key
    assert three.database_url is not None
    stray = Node("stray", three.workdir, ["--database-url", three.database_url, "--issuer", ISSUER], env)
    try:
        with pytest.raises(RuntimeError, match=r"exited 1.*wrong master key"):
            stray.wait_banner()
    finally:
        stray.stop()
    assert all(node.jwks() == jwks_before for node in three.nodes)


def test_pools_identities_and_tokens_are_the_same_on_every_node(three: Cluster) -> None:
    a, b, c = clients(three)
    pool_id = new_pool(a, "spread", AllowClassicFlow=True)
    assert b.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "spread"
    issued = a.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.multinode": "ada"})
    found = c.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="ada")
    assert found["IdentityId"] == issued["IdentityId"]
    # B accepts A's token as a login, and issues its own for the same identity
    again = b.get_open_id_token(IdentityId=issued["IdentityId"],
                                Logins={"cognito-identity.amazonaws.com": issued["Token"]})
    assert again["IdentityId"] == issued["IdentityId"]
    for node in three.nodes:  # and anyone can check either token with any node's JWKS
        for token in (issued["Token"], again["Token"]):
            claims = verify_with_jwks(node, token, pool_id)
            assert claims["sub"] == issued["IdentityId"] and claims["iss"] == ISSUER
    jwks = [node.jwks() for node in three.nodes]
    assert all(doc == jwks[0] for doc in jwks)


@pytest.mark.catalogue("KR01", "F07")
def test_a_key_rotation_reaches_every_node_and_old_tokens_keep_verifying(three: Cluster) -> None:
    cognito = clients(three)
    pool_id = new_pool(cognito[0], "rotation", AllowClassicFlow=True)
    before = [c.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.multinode": f"r{i}"})
              for i, c in enumerate(cognito)]
    old_kid = kid_of(before[0]["Token"])
    rotated = three.cli("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    match = re.search(r"active signing key is now (\S+)", rotated.stdout)
    assert match and match.group(1) != old_kid, rotated.stdout
    new_kid = match.group(1)
    deadline = time.monotonic() + ROTATION_BOUND_SECONDS
    for i, client in enumerate(cognito):
        assert signs_with(client, pool_id, f"r{i}", new_kid, deadline), f"{three.nodes[i].name} still signs with {old_kid}"
    jwks = [node.jwks() for node in three.nodes]
    assert {k["kid"] for k in jwks[0]["keys"]} >= {old_kid, new_kid} and all(doc == jwks[0] for doc in jwks)
    for old in before:  # tokens signed with the retired key still verify, everywhere
        for node, client in zip(three.nodes, cognito, strict=True):
            assert verify_with_jwks(node, old["Token"], pool_id)["sub"] == old["IdentityId"]
            login = {"cognito-identity.amazonaws.com": old["Token"]}
            assert client.get_open_id_token(IdentityId=old["IdentityId"], Logins=login)["IdentityId"] == old["IdentityId"]


def signs_with(client: Any, pool_id: str, user: str, kid: str, deadline: float) -> bool:
    """Whether a token issued by ``client``'s node carries ``kid`` before ``deadline``."""
    for _ in range(200):  # bounded in count as well as in time
        token = client.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                                Logins={"login.multinode": user})["Token"]
        if kid_of(token) == kid:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return False


@pytest.mark.catalogue("S14")
def test_temporary_credentials_from_one_node_work_on_another_and_iam_changes_apply_at_once(three: Cluster) -> None:
    a, b, c = three.nodes
    cognito_a, iam_a = three.client(a, "cognito-identity"), three.client(a, "iam")
    pool_id = new_pool(cognito_a, "creds")
    role_arn = cognito_role(iam_a, pool_id, "multinode-auth")
    cognito_a.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role_arn})
    issued = cognito_a.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                                Logins={"login.multinode": "grace"})
    creds = cognito_a.get_credentials_for_identity(
        IdentityId=issued["IdentityId"], Logins={"cognito-identity.amazonaws.com": issued["Token"]})["Credentials"]
    temp = (creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"])
    for node in (b, c):
        caller = connect(node, "sts", *temp).get_caller_identity()
        assert caller["Arn"].endswith(":assumed-role/multinode-auth/CognitoIdentityCredentials")
        assert connect(node, "cognito-identity", *temp).describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id
    iam_a.delete_role_policy(RoleName="multinode-auth", PolicyName="multinode")
    for node in (b, c):  # no cache lets the revoked permission linger on another node
        with pytest.raises(ClientError) as denied:
            connect(node, "cognito-identity", *temp, **NO_RETRIES).describe_identity_pool(IdentityPoolId=pool_id)
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def cognito_role(iam: Any, pool_id: str, name: str) -> str:
    """A role Cognito's enhanced flow may assume for ``pool_id``, written as for AWS."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
    }]}
    permissions = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Resource": "*",
        "Action": ["sts:GetCallerIdentity", "cognito-identity:DescribeIdentityPool",
                   "cognito-identity:SetIdentityPoolRoles", "cognito-identity:GetCredentialsForIdentity"],
    }]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="multinode", PolicyDocument=json.dumps(permissions))
    return str(role["Arn"])


@pytest.mark.catalogue("F04")
def test_fifty_concurrent_first_logins_over_all_nodes_make_one_identity(three: Cluster) -> None:
    cognito = clients(three, **NO_RETRIES)  # every call must succeed on its own
    pool_id = new_pool(cognito[0], "race")
    results = together(50, lambda i: cognito[i % 3].get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.multinode": "same-new-user"}))
    assert not (failures := failures_of(results, *three.nodes)), "\n".join(failures)
    ids = {r["IdentityId"] for r in results if not isinstance(r, BaseException)}
    assert len(ids) == 1
    assert [i["IdentityId"] for i in all_identities(cognito[1], pool_id)] == list(ids)
    for client in cognito:
        found = client.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="same-new-user")
        assert found["IdentityId"] in ids


def test_without_one_shared_issuer_a_token_from_one_node_is_refused_by_another(cluster: Cluster) -> None:
    """Why docs/DEPLOYMENT.md insists on --issuer: each node's default issuer is its own URL."""
    a, b = cluster.start(2, issuer=None)
    cognito_a, cognito_b = cluster.client(a, **NO_RETRIES), cluster.client(b, **NO_RETRIES)
    pool_id = new_pool(cognito_a, "issuers", AllowClassicFlow=True)
    issued = cognito_a.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                                Logins={"login.multinode": "eve"})
    assert jwt.decode(issued["Token"], options={"verify_signature": False})["iss"] == a.url
    with pytest.raises(ClientError) as refused:
        cognito_b.get_open_id_token(IdentityId=issued["IdentityId"],
                                    Logins={"cognito-identity.amazonaws.com": issued["Token"]})
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    login = {"cognito-identity.amazonaws.com": issued["Token"]}  # its own node still takes it
    assert cognito_a.get_open_id_token(IdentityId=issued["IdentityId"], Logins=login)["IdentityId"] == issued["IdentityId"]
