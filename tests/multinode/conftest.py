"""Fixtures of this suite; their helpers are in cluster.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .cluster import Cluster, fresh_database


@pytest.fixture
def pg_url(postgres_admin_url: str) -> Iterator[str]:
    with fresh_database(postgres_admin_url) as url:
        yield url


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str) -> Iterator[Cluster]:
    """A PostgreSQL cluster with no nodes yet: ``cluster.start(n)``."""
    made = Cluster(tmp_path, pg_url)
    try:
        yield made
    finally:
        made.close()
