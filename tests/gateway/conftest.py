"""Fixtures of the gateway tests: a live idpool (tests/conftest.py), a real upstream, the
gateway in front of it, and the notes app's identities (helpers in tests/gateway/support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.support import AsgiThread, Notes, Upstream, build_notes, running_gateway, running_upstream
from tests.support import LiveServer


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[Upstream, AsgiThread]]:
    with running_upstream() as pair:
        yield pair


@pytest.fixture(scope="module")
def gateway(live: LiveServer, upstream: tuple[Upstream, AsgiThread]) -> Iterator[AsgiThread]:
    with running_gateway(live, upstream[1].url) as server:
        yield server


@pytest.fixture(scope="module")
def notes(live: LiveServer) -> Notes:
    return build_notes(live)
