"""`idpool migrate`: operators migrate once, before rolling nodes out."""

from __future__ import annotations

from typing import Any

import psycopg

from idpool.storage.migrations import MIGRATIONS
from tests.multinode.cluster import Cluster


def test_migrate_then_nodes_start_on_the_migrated_schema(cluster: Cluster, pg_url: str) -> None:
    out = cluster.cli("migrate")
    assert out.returncode == 0, out.stderr
    with psycopg.connect(pg_url) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [m.version for m in MIGRATIONS]
    again = cluster.cli("migrate")  # idempotent
    assert again.returncode == 0, again.stderr
    [node] = cluster.start(1)
    client: Any = cluster.client(node)
    assert client.list_identity_pools(MaxResults=1)["IdentityPools"] == []
