"""Under CI=true a missing PostgreSQL fails the run; it is never silently skipped (issue #4)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONE_POSTGRES_TEST = "tests/storage/test_store_availability.py"


def run_with(ci: str) -> subprocess.CompletedProcess[str]:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CI": ci, "IDPOOL_TEST_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:{port}/test"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "postgres",
                           ONE_POSTGRES_TEST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_unreachable_postgres_fails_under_ci_and_skips_elsewhere() -> None:
    under_ci = run_with("true")
    assert under_ci.returncode != 0
    assert "under CI=true the PostgreSQL tests must run" in under_ci.stdout
    local = run_with("false")
    assert local.returncode == 0, local.stdout[-2000:]
    assert "skipped" in local.stdout and "failed" not in local.stdout
