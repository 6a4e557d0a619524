"""Faults in a PostgreSQL deployment: the database goes away, a node dies (F02, F03).

The outage is played by the loopback TCP proxy of the storage tests standing between
idpool and PostgreSQL: ``down()`` cuts every connection and refuses new ones, as a
stopped server or a network partition would. The shared PostgreSQL server itself
is never touched.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.exceptions
import httpx
import pytest
from botocore.exceptions import ClientError
from storage.tcp_proxy import TcpProxy  # tests/storage, importable as pytest puts tests/ on sys.path

from .cluster import NO_RETRIES, Cluster, Node, all_identities, new_pool, with_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

RECOVERY_SECONDS = 60.0  # a generous bound on self-healing; the test reports how long it took
LEAKS = ("Traceback", 'File "', "psycopg", "postgresql://", "sqlstate")


def eventually(check: Callable[[], bool], seconds: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds / every) + 1):  # bounded in count and in time
        if check():
            return True
        if time.monotonic() > deadline:
            break
        time.sleep(every)
    return False


def raw_get_id(node: Node, pool_id: str) -> httpx.Response:
    """GetId exactly as a browser SDK sends it (unsigned awsJson1_1)."""
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityService.GetId"}
    return httpx.post(node.url + "/", content=json.dumps({"IdentityPoolId": pool_id}), headers=headers, timeout=30)


@pytest.mark.catalogue("F03")
def test_a_database_outage_gives_retryable_errors_and_heals_without_a_restart(tmp_path: Path, pg_url: str) -> None:
    target = urlsplit(pg_url)
    proxy = TcpProxy((target.hostname or "127.0.0.1", target.port or 5432))
    proxy.up()
    cluster = Cluster(tmp_path, with_port(pg_url, proxy.port))
    try:
        (node,) = cluster.start(1)
        cognito = cluster.client(node, **NO_RETRIES)
        pool_id = new_pool(cognito, "outage", AllowUnauthenticatedIdentities=True)
        before = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                                  Logins={"login.multinode": "before"})
        proxy.down()
        try:
            assert_outage_answers(cluster, node, pool_id)
        finally:
            proxy.up()
        started = time.monotonic()
        assert eventually(lambda: node.health() == 200, RECOVERY_SECONDS), node.log()[-2000:]
        assert eventually(lambda: succeeds(cognito, pool_id, "after"), RECOVERY_SECONDS), node.log()[-2000:]
        print(f"recovered {time.monotonic() - started:.1f} s after PostgreSQL came back")
        found = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="before")
        assert found["IdentityId"] == before["IdentityId"]
        assert node.proc.poll() is None  # the same process healed: no restart
        assert cluster.root is not None and cluster.root.secret_access_key not in node.log()
    finally:
        cluster.close()
        proxy.down()


def assert_outage_answers(cluster: Cluster, node: Node, pool_id: str) -> None:
    """While the database is unreachable: 5xx in the service's own error shape, retryable
    by botocore's own rules, nothing internal on the wire, and /health 503."""
    raw = raw_get_id(node, pool_id)
    assert 500 <= raw.status_code <= 599, raw.text
    assert set(raw.json()) == {"__type", "message"} and raw.headers.get("x-amzn-requestid"), raw.text
    assert not any(leak in raw.text for leak in LEAKS), raw.text
    patient = cluster.client(node, retries={"mode": "standard", "total_max_attempts": 2})
    with pytest.raises(ClientError) as failed:
        patient.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.multinode": "during"})
    meta = failed.value.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] >= 500 and meta["RetryAttempts"] == 1, failed.value.response  # botocore retried it
    assert eventually(lambda: node.health() == 503, 15), "/health kept answering 200 during the outage"


def succeeds(client: Any, pool_id: str, user: str) -> bool:
    try:
        client.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.multinode": user})
        return True
    except ClientError as exc:
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] >= 500, exc.response
        return False


# --- kill -9 under write load -----------------------------------------------------------------
WRITERS = 6
USERS_PER_WRITER = 40
KILL_AFTER_ACKS = 60  # of WRITERS * USERS_PER_WRITER: the kill lands mid-load
GONE = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)


class Load:
    """Writers doing GetOpenIdTokenForDeveloperIdentity for users of their own, each
    starting on the doomed node and failing over to the survivor when it stops answering."""

    def __init__(self, clients: list[Any], pool_id: str) -> None:
        self.clients, self.pool_id = clients, pool_id
        self.acked: dict[str, str] = {}
        self.failed_over: dict[int, str] = {}  # writer -> the error that made it switch
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()
        self.enough = threading.Event()

    def writer(self, w: int) -> None:
        node = 0
        try:
            for n in range(USERS_PER_WRITER):
                node = self.write(w, f"w{w}-u{n}", node)
        except Exception as exc:  # reported by the test
            with self.lock:
                self.errors.append(exc)

    def write(self, w: int, user: str, node: int) -> int:
        for _ in range(3):  # bounded: the first node, then the survivor
            try:
                issued = self.clients[node].get_open_id_token_for_developer_identity(
                    IdentityPoolId=self.pool_id, Logins={"login.multinode": user})
            except GONE as exc:
                self.failed_over.setdefault(w, type(exc).__name__)
                node = 1
                continue
            with self.lock:
                self.acked[user] = issued["IdentityId"]
                if len(self.acked) >= KILL_AFTER_ACKS:
                    self.enough.set()
            return node
        raise AssertionError(f"{user} was never acknowledged")


@pytest.mark.catalogue("F02")
def test_acknowledged_writes_survive_a_node_killed_under_load(cluster: Cluster) -> None:
    doomed, survivor = cluster.start(2)
    pool_id = new_pool(cluster.client(doomed), "crash")
    clients = [cluster.client(node, **NO_RETRIES, connect_timeout=2, read_timeout=15) for node in (doomed, survivor)]
    load = Load(clients, pool_id)
    threads = [threading.Thread(target=load.writer, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    assert load.enough.wait(timeout=60), load.errors
    doomed.kill()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads) and not load.errors, load.errors[:3]
    assert len(load.failed_over) == WRITERS, load.failed_over  # every writer lost its node and carried on
    assert len(load.acked) == WRITERS * USERS_PER_WRITER
    reader = cluster.client(survivor)
    for user, identity_id in load.acked.items():
        found = reader.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=user)
        assert found["IdentityId"] == identity_id, user
    stored = {i["IdentityId"] for i in all_identities(reader, pool_id)}
    assert stored == set(load.acked.values())  # no lost identity, and no duplicate from a retried write
