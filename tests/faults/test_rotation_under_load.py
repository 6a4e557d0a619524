"""Signing keys rotated while tokens flow between nodes (F07 in docs/reliability.md): two
``idpool serve`` processes on one PostgreSQL database, clients turning tokens from one node
into credentials on the other in both directions, and ``idpool keys rotate`` run several
times meanwhile. No valid token is refused, and tokens signed with several keys went by.

Rotations here are two seconds apart: a node that meets a kid it does not know reloads its
key ring at once, at most once a second (docs/reliability.md says what faster rotations do).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.api.support import COGNITO, trust_for
from tests.multinode.cluster import Cluster, Node, fresh_database, new_pool

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.catalogue("F07", "KR01")]

CLIENTS = 4
MAX_ROUNDS = 400  # per client, each round one token each way; clients stop once the rotations are done
ROTATIONS = 4
BETWEEN_ROTATIONS = 2.0  # seconds


@pytest.fixture
def pair(tmp_path: Path, postgres_admin_url: str) -> Iterator[Cluster]:
    with fresh_database(postgres_admin_url) as url:
        cluster = Cluster(tmp_path, url)
        try:
            cluster.start(2)
            yield cluster
        finally:
            cluster.close()


class Traffic:
    def __init__(self, cluster: Cluster, pool_id: str, role: str) -> None:
        self.cluster, self.pool_id, self.role = cluster, pool_id, role
        self.failures: list[str] = []
        self.kids: set[str] = set()
        self.exchanged = 0
        self.lock = threading.Lock()
        self.done = threading.Event()

    def client(self, i: int) -> None:
        nodes = self.cluster.nodes
        signed = {node.name: self.cluster.client(node) for node in nodes}
        public = {node.name: (unsigned(node, "cognito-identity"), unsigned(node, "sts")) for node in nodes}
        for n in range(MAX_ROUNDS):
            if self.done.is_set():
                return
            for issuer, verifier in ((nodes[0], nodes[1]), (nodes[1], nodes[0])):
                try:
                    issued = signed[issuer.name].get_open_id_token_for_developer_identity(
                        IdentityPoolId=self.pool_id, Logins={"login.multinode": f"c{i}-{n}"})
                    cognito, sts = public[verifier.name]
                    cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
                    sts.assume_role_with_web_identity(RoleArn=self.role, RoleSessionName=f"c{i}-{n}",
                                                      WebIdentityToken=issued["Token"])
                except Exception as exc:  # every failure is reported by the test
                    with self.lock:
                        self.failures.append(f"{issuer.name}->{verifier.name}: {type(exc).__name__}: {exc}")
                    continue
                with self.lock:
                    self.kids.add(jwt.get_unverified_header(issued["Token"])["kid"])
                    self.exchanged += 1


def unsigned(node: Node, service: str) -> Any:
    return boto3.client(service, endpoint_url=node.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def test_no_valid_token_fails_while_keys_rotate_under_load(pair: Cluster) -> None:
    cognito, iam = pair.client(pair.nodes[0]), pair.client(pair.nodes[0], "iam")
    pool_id = new_pool(cognito, "rotating")
    role = iam.create_role(RoleName="Rotating", AssumeRolePolicyDocument=trust_for(pool_id))["Role"]["Arn"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role})
    traffic = Traffic(pair, pool_id, role)
    threads = [threading.Thread(target=traffic.client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    rotated: list[Any] = []
    for _ in range(ROTATIONS):
        time.sleep(BETWEEN_ROTATIONS)
        rotated.append(pair.cli("keys", "rotate"))
    time.sleep(BETWEEN_ROTATIONS * 3)  # past every node's 5 s refresh: the last key signs too
    traffic.done.set()
    for thread in threads:
        thread.join(timeout=300)
    assert all(r.returncode == 0 for r in rotated), [r.stderr for r in rotated]
    assert not traffic.failures, traffic.failures[:5]
    last = re.search(r"active signing key is now (\S+)", rotated[-1].stdout)
    assert last and last.group(1) in traffic.kids, (rotated[-1].stdout, traffic.kids)  # the traffic outlasted the rotations
    assert len(traffic.kids) >= 3, traffic.kids  # and spanned several (a key active for less than a node's 5 s
    # refresh may sign nothing: nodes follow a rotation within that refresh)
    print(f"{traffic.exchanged} tokens exchanged across nodes, signed by {len(traffic.kids)} keys, {ROTATIONS} rotations")
