"""Two idpool nodes in this process, on one SQLite database, each with a clock of its own.

What makes them one service is what makes real nodes one: the database, the master key,
the root credentials and one issuer (``ISSUER``, the name a load balancer would have). Each
node is a real server on its own port (tests/support.py ``LiveServer``) and answers boto3
as a separate process would; only their clocks are set by the test (``SkewedClock``), which
is how the tests put nodes minutes apart without touching the machine's clock.

A plain module: the fault tests import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from idpool.app import build_services
from tests.support import LiveServer, make_settings

ISSUER = "https://idpool.lb.test"


class SkewedClock:
    """The real time, moved by ``offset`` seconds (set and changed by the test)."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.offset)


@contextmanager
def two_nodes(tmp: Path) -> Iterator[tuple[tuple[LiveServer, SkewedClock], tuple[LiveServer, SkewedClock]]]:
    """Nodes a and b on ``tmp``/shared.db, each with its own data dir and clock."""
    url = f"sqlite:///{tmp / 'shared.db'}"
    made = []
    try:
        for name in ("a", "b"):
            clock = SkewedClock()
            settings = make_settings(tmp / name, database_url=url, issuer=ISSUER)
            node = LiveServer(lambda port, s=settings, c=clock: build_services(s, clock=c))
            made.append((node.start(), clock))
        yield made[0], made[1]
    finally:
        for node, _ in made:
            node.stop()
