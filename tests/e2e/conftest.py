"""Real `idpool serve` processes, started as a user would start them."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import Served


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    started: list[Served] = []

    def start(*args: str, data_dir: Path | None = None, env: dict[str, str] | None = None) -> Served:
        served = Served(data_dir or tmp_path / "data", *args, env=env)
        started.append(served)
        served.wait_healthy()
        return served

    yield start
    for served in started:
        served.stop(signal.SIGKILL)
