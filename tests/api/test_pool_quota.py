"""CreateIdentityPool's quota (1,000 identity pools per account), through boto3, with
calls arriving at once: exactly as many succeed as there is room for, the rest get
LimitExceededException, and deleting a pool makes room again.

A server of its own, so the pools filling its account do not crowd other tests'.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from idpool.identity_pools.pools import MAX_POOLS_PER_ACCOUNT
from tests.storage.racing import errors, race
from tests.storage.records import new_pool
from tests.support import LiveServer, client, make_settings

ACCOUNT = "123456789012"
ROOM = 4
CALLERS = 12


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    from idpool.app import build_services

    live = LiveServer(lambda port: build_services(make_settings(tmp_path, port=port)))
    live.start()
    yield live
    live.stop()


def create(cognito: Any, name: str) -> str:
    return str(cognito.create_identity_pool(IdentityPoolName=name, AllowUnauthenticatedIdentities=False)["IdentityPoolId"])


def every_pool(cognito: Any) -> list[str]:
    pages = cognito.get_paginator("list_identity_pools").paginate(MaxResults=60)
    return [p["IdentityPoolId"] for page in pages for p in page["IdentityPools"]]


def test_pools_created_at_once_near_the_limit_stop_exactly_at_it(server: LiveServer) -> None:
    for _ in range(MAX_POOLS_PER_ACCOUNT - ROOM):  # the account is nearly full (set up directly: it is quick)
        server.services.store.create_pool(new_pool(ACCOUNT))
    callers = [client(server, "cognito-identity") for _ in range(CALLERS)]
    results = race(CALLERS, lambda i: create(callers[i], f"late_{i}"))
    refused = errors(results)
    assert len(results) - len(refused) == ROOM
    assert all(isinstance(e, ClientError) and e.response["Error"]["Code"] == "LimitExceededException"
               for e in refused), refused
    cognito = callers[0]
    pools = every_pool(cognito)
    assert len(pools) == MAX_POOLS_PER_ACCOUNT
    with pytest.raises(ClientError) as full:
        create(cognito, "one_too_many")
    assert full.value.response["Error"]["Code"] == "LimitExceededException"
    assert "limit of 1000" in full.value.response["Error"]["Message"]
    cognito.delete_identity_pool(IdentityPoolId=pools[0])  # room for one again
    create(cognito, "room_again")
    with pytest.raises(ClientError):
        create(cognito, "full_again")
