"""Quotas and metrics shared by every process of a service: ``--workers 2`` on one SQLite file,
two nodes on PostgreSQL, and two nodes counting in Redis. Real ``idpool serve`` processes;
each call on a connection of its own, so the calls spread over the workers and nodes.

The quota windows are a day long (aligned on midnight UTC), so a burst always lands in one."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .cluster import NO_RETRIES, Cluster, Node, new_pool, together

LIMIT, CALLS = 12, 20
pytestmark = pytest.mark.slow


def quota_file(tmp: Path, per: str) -> str:
    path = tmp / "quotas.toml"
    path.write_text(f'[[quota]]\noperation = "cognito-identity:GetId"\nper = "{per}"\nlimit = {LIMIT}\nwindow = 86400\n')
    return str(path)


def get_id(node: Node, pool_id: str) -> int:
    """An unsigned GetId on a fresh connection (any worker may take it); the HTTP status."""
    response = httpx.post(node.url + "/", json={"IdentityPoolId": pool_id}, timeout=30, headers={
        "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityService.GetId"})
    assert response.status_code in (200, 400), response.text
    assert response.status_code == 200 or response.json()["__type"] == "TooManyRequestsException", response.text
    return response.status_code


def get_id_calls(node: Node, metrics: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    return sum(s.value for family in text_string_to_metric_families(metrics) for s in family.samples
               if s.name == "idpool_requests_total" and s.labels.get("operation") == "GetId")


def guest_pool(cluster: Cluster, node: Node) -> str:
    return new_pool(cluster.client(node, **NO_RETRIES), "quotas", AllowUnauthenticatedIdentities=True)


@pytest.mark.catalogue("R01")
def test_two_workers_share_one_count_and_one_set_of_metrics(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path, None)  # SQLite: the workers count in the store
    try:
        (node,) = cluster.start(1, "--workers", "2", "--quotas", quota_file(tmp_path, "source"))
        pool_id = guest_pool(cluster, node)
        statuses = together(CALLS, lambda i: get_id(node, pool_id))
        assert sorted(statuses) == [200] * LIMIT + [400] * (CALLS - LIMIT)  # type: ignore[type-var]
        # every scrape, whichever worker answers it, sees every worker's calls
        for _ in range(6):
            assert get_id_calls(node, httpx.get(node.url + "/metrics", timeout=30).text) == CALLS
    finally:
        cluster.close()


@pytest.mark.catalogue("R01")
def test_two_postgresql_nodes_share_one_count(cluster: Cluster, tmp_path: Path) -> None:
    nodes = cluster.start(2, "--quotas", quota_file(tmp_path, "source"))
    pool_id = guest_pool(cluster, nodes[0])
    statuses = together(CALLS, lambda i: get_id(nodes[i % 2], pool_id))
    assert sorted(statuses) == [200] * LIMIT + [400] * (CALLS - LIMIT)  # type: ignore[type-var]
    served = [get_id_calls(n, httpx.get(n.url + "/metrics", timeout=30).text) for n in nodes]
    assert sum(served) == CALLS and all(served)  # each node reports its own calls


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The Redis at 127.0.0.1:6379 (IDPOOL_TEST_REDIS_URL). Under CI=true it must be there."""
    import redis

    url = os.environ.get("IDPOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis at IDPOOL_TEST_REDIS_URL is unreachable ({exc}); under CI=true the Redis tests must run")
        pytest.skip(f"Redis at IDPOOL_TEST_REDIS_URL is unreachable ({exc})")
    yield url


@pytest.mark.catalogue("R01")
def test_two_nodes_share_one_count_in_redis(cluster: Cluster, tmp_path: Path, redis_url: str) -> None:
    account = f"9{secrets.randbelow(10**11):011d}"  # per account: no count of another run is in this Redis
    nodes = cluster.start(2, "--quotas", quota_file(tmp_path, "account"), "--redis-url", redis_url,
                          "--account-id", account)
    pool_id = guest_pool(cluster, nodes[0])
    statuses = together(CALLS, lambda i: get_id(nodes[i % 2], pool_id))
    assert sorted(statuses) == [200] * LIMIT + [400] * (CALLS - LIMIT)  # type: ignore[type-var]
    import redis

    keys = redis.Redis.from_url(redis_url).keys(f"idpool:q:account:86400:cognito-identity:GetId:{account}:*")
    assert len(keys) == 1 and 0 < redis.Redis.from_url(redis_url).ttl(keys[0]) <= 86400

