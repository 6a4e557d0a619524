"""Fixtures of the console tests: a console user signed in as root on the shared server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.console.support import ConsoleUser
from tests.support import LiveServer


@pytest.fixture
def root(live: LiveServer) -> Iterator[ConsoleUser]:
    user = ConsoleUser(live)
    user.sign_in()
    yield user
    user.close()


@pytest.fixture
def visitor(live: LiveServer) -> Iterator[ConsoleUser]:
    """Nobody signed in yet."""
    user = ConsoleUser(live)
    yield user
    user.close()
