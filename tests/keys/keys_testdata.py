"""Constants shared by the idpool.keys tests."""

from __future__ import annotations

import datetime as dt

ISSUER = "http://idpool.test:4566"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
