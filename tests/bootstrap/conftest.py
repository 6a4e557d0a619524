"""Fixtures of the bootstrap tests: fresh idpool servers from the testing kit (memory://, in
this process), so each test starts from an empty account. Helpers are in files.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from idpool.testing.kit import IdpoolServer, start_server


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., IdpoolServer]]:
    started: list[IdpoolServer] = []

    def start(**options: Any) -> IdpoolServer:
        options.setdefault("database_url", "memory://")
        options.setdefault("data_dir", tmp_path / f"server{len(started)}")
        running = start_server(**options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def server(servers: Callable[..., IdpoolServer]) -> IdpoolServer:
    return servers()
