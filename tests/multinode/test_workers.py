"""``idpool serve --workers 2``: two worker processes behind one port, on SQLite and PostgreSQL.

Which worker served a request is read from /proc, without adding anything to idpool:
the server side of a kept-alive connection is a socket (found in /proc/net/tcp by
the client's port) held open by exactly one worker process (found in /proc/<pid>/fd).
Workers are the serve process's children started by multiprocessing's spawn (its
resource tracker is a child too, and is not one).
"""

from __future__ import annotations

import http.client
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .cluster import NO_RETRIES, Cluster, Node, all_identities, child_pids, failures_of, new_pool, together, worker_pids

pytestmark = pytest.mark.slow

ROUNDS = 20  # bounded: rounds of concurrent connections until both workers have answered one
PER_ROUND = 8
STARTS = 4  # node starts in the /health contract test


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Cluster, Node, set[int]]]:
    url = None if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    cluster = Cluster(tmp_path, url)
    try:
        (node,) = cluster.start(1, "--workers", "2")
        pids = worker_pids(node)
        assert len(pids) == 2, pids
        # /health is answered by whichever worker takes the connection, so one 200 says
        # nothing about the other worker (test_once_health_is_200_no_worker_is_still_starting).
        wait_until_each_worker_is_healthy(node, pids)
        yield cluster, node, pids
    finally:
        cluster.close()


def test_both_workers_serve_and_concurrent_calls_all_succeed(workers: tuple[Cluster, Node, set[int]]) -> None:
    cluster, node, pids = workers
    cognito = cluster.client(node, **NO_RETRIES)
    pool_id = new_pool(cognito, "workers", AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)
    served_by: set[int] = set()
    for _ in range(ROUNDS):
        rounds = together(PER_ROUND, lambda i: guest_token_and_worker(node, pool_id))
        assert not (failures := failures_of(rounds, node)), "\n".join(failures)
        served_by |= {pid for pid in rounds if isinstance(pid, int)}
        if len(served_by) >= 2:
            break
    assert served_by == pids

    def mixed(i: int) -> Any:
        if i % 4 == 0:
            return cognito.describe_identity_pool(IdentityPoolId=pool_id)
        return cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                               Logins={"login.multinode": f"user-{i}"})

    results = together(32, lambda t: [mixed(t * 5 + k) for k in range(5)])
    assert not (failures := failures_of(results, node)), "\n".join(failures)
    developer = [i for i in all_identities(cognito, pool_id) if i.get("Logins")]
    assert len(developer) == sum(1 for i in range(160) if i % 4)  # one identity per distinct user


@pytest.mark.catalogue("F04")
def test_fifty_concurrent_first_logins_over_two_workers_make_one_identity(
    workers: tuple[Cluster, Node, set[int]],
) -> None:
    cluster, node, _ = workers
    cognito = cluster.client(node, **NO_RETRIES)
    pool_id = new_pool(cognito, "workers_race")
    results = together(50, lambda i: cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.multinode": "same-new-user"}))
    assert not (failures := failures_of(results, node)), "\n".join(failures)
    assert len({r["IdentityId"] for r in results if not isinstance(r, BaseException)}) == 1
    assert len(all_identities(cognito, pool_id)) == 1


def test_once_health_is_200_no_worker_is_still_starting(tmp_path: Path) -> None:
    """docs/DEPLOYMENT.md §4: /health answers 200 once the node serves API calls. A load balancer takes
    the node in at its first 200; requests right after it must not meet a worker that
    answers 503 "starting". The race is between the two workers' start-ups, so each
    start of a node is one try (bounded: STARTS of them)."""
    for start in range(STARTS):
        cluster = Cluster(tmp_path / f"start-{start}", None)
        cluster.workdir.mkdir()
        try:
            (node,) = cluster.start(1, "--workers", "2")  # returns at the first /health 200
            statuses = together(20, lambda i: httpx.get(node.url + "/.well-known/jwks_uri", timeout=10).status_code)
            assert statuses == [200] * 20, f"start {start}: {Counter(statuses)} right after /health said 200"
        finally:
            cluster.close()


# --- which worker answered ------------------------------------------------------------------------
def wait_until_each_worker_is_healthy(node: Node, pids: set[int], seconds: float = 30) -> None:
    healthy: set[int] = set()
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds / 0.05)):  # bounded in count and in time
        answers = together(PER_ROUND, lambda i: health_and_worker(node))
        healthy |= {answer[0] for answer in answers if isinstance(answer, tuple) and answer[1] and answer[0]}
        if healthy >= pids or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert healthy >= pids, f"workers {pids - healthy} never answered /health 200: {node.log()[-2000:]}"


def health_and_worker(node: Node) -> tuple[int | None, bool]:
    conn, client_port = open_connection(node)
    try:
        conn.request("GET", "/health")
        response = conn.getresponse()
        response.read()
        return socket_owner(node, client_port), response.status == 200
    finally:
        conn.close()


def guest_token_and_worker(node: Node, pool_id: str) -> int | None:
    """GetId then GetOpenIdToken (unsigned, as a browser sends them) on one kept-alive
    connection; the pid of the process holding the server side of that connection."""
    conn, client_port = open_connection(node)
    try:
        identity_id = call(conn, "GetId", {"IdentityPoolId": pool_id})["IdentityId"]
        assert call(conn, "GetOpenIdToken", {"IdentityId": identity_id})["Token"].count(".") == 2
        return socket_owner(node, client_port)
    finally:
        conn.close()


def open_connection(node: Node) -> tuple[http.client.HTTPConnection, int]:
    host, port = node.url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.connect()
    assert conn.sock is not None
    return conn, int(conn.sock.getsockname()[1])


def call(conn: http.client.HTTPConnection, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": f"AWSCognitoIdentityService.{operation}"}
    conn.request("POST", "/", body=json.dumps(body), headers=headers)
    response = conn.getresponse()
    payload = response.read()
    assert response.status == 200, payload
    return dict(json.loads(payload))


def socket_owner(node: Node, client_port: int) -> int | None:
    inode = server_socket_inode(int(node.url.rsplit(":", 1)[1]), client_port)
    owners = [pid for pid in child_pids(node.pid) if holds_socket(pid, inode)]
    assert len(owners) <= 1, owners
    return owners[0] if owners else None


def server_socket_inode(server_port: int, client_port: int) -> str:
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return fields[9]
    raise AssertionError(f"no server socket for client port {client_port}")


def holds_socket(pid: int, inode: str) -> bool:
    wanted = f"socket:[{inode}]"
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process is gone
        return False
    for fd in fds:
        try:
            if str(fd.readlink()) == wanted:
                return True
        except OSError:  # closed while we looked
            continue
    return False
