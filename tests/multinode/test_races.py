"""Two ``idpool serve`` processes on one PostgreSQL database, raced from two clients:
each call goes to its own node, so the two transactions really overlap in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from idpool.identity_pools.pools import MAX_POOLS_PER_ACCOUNT
from idpool.storage.open import open_store
from tests.storage.records import new_pool as pool_record

from .cluster import NO_RETRIES, Cluster, failures_of, fresh_database, new_pool, together
from .test_one_service import cognito_role

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DEV = "login.multinode"
COGNITO = "cognito-identity.amazonaws.com"
MERGE_ROUNDS = 20
QUOTA_ROOM = 10
QUOTA_CALLERS = 40


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str) -> Iterator[Cluster]:
    with fresh_database(postgres_admin_url) as url:
        cluster = Cluster(tmp_path_factory.mktemp("two"), url)
        try:
            cluster.start(2)
            yield cluster
        finally:
            cluster.close()


def test_chained_merges_on_two_nodes_never_strand_a_user(two: Cluster) -> None:
    """a->b on one node and b->c on the other at once: all three end on c's enabled identity."""
    a_node, b_node = two.nodes
    cognito = [two.client(node, **NO_RETRIES) for node in two.nodes]
    pool_id = new_pool(cognito[0], "merges")
    role_arn = cognito_role(two.client(a_node, "iam"), pool_id, "merge-auth")
    cognito[0].set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role_arn})

    def token(user: str) -> dict[str, Any]:
        return dict(cognito[0].get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: user}))

    expected: dict[str, str] = {}
    for round_ in range(MERGE_ROUNDS):
        a, b, c = (f"{n}{round_}" for n in "abc")
        ids = {user: token(user)["IdentityId"] for user in (a, b, c)}
        chain = [(a, b), (b, c)]
        results = together(2, lambda i: cognito[i].merge_developer_identities(
            SourceUserIdentifier=chain[i][0], DestinationUserIdentifier=chain[i][1],
            DeveloperProviderName=DEV, IdentityPoolId=pool_id))
        assert not (failures := failures_of(results, a_node, b_node)), "\n".join(failures)
        expected.update({user: ids[c] for user in (a, b, c)})

    for user, identity_id in expected.items():
        issued = token(user)
        assert issued["IdentityId"] == identity_id, user
        creds = cognito[1].get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO: issued["Token"]})
        assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_pools_created_at_once_on_two_nodes_stop_exactly_at_the_limit(two: Cluster, tmp_path: Path) -> None:
    """40 CreateIdentityPool calls spread over both nodes with room for 10: exactly 10 succeed."""
    assert two.database_url is not None
    account = two.client(two.nodes[0], "sts").get_caller_identity()["Account"]
    store = open_store(two.database_url, tmp_path, migrate=False)
    try:
        room = MAX_POOLS_PER_ACCOUNT - QUOTA_ROOM - store.count_pools(account)
        for _ in range(room):  # fill the account to near the limit directly: it is quick
            store.create_pool(pool_record(account))
        cognito = [two.client(node, **NO_RETRIES) for node in two.nodes]
        results = together(QUOTA_CALLERS, lambda i: cognito[i % 2].create_identity_pool(
            IdentityPoolName=f"late_{i}", AllowUnauthenticatedIdentities=False))
        refused = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(e, ClientError) and e.response["Error"]["Code"] == "LimitExceededException"
                   for e in refused), failures_of(refused, *two.nodes)
        assert len(results) - len(refused) == QUOTA_ROOM
        assert store.count_pools(account) == MAX_POOLS_PER_ACCOUNT
    finally:
        for pool in store.list_pools(account, MAX_POOLS_PER_ACCOUNT * 2):  # leave the module's cluster usable
            store.delete_pool(pool.pool_id)
        store.close()
