"""bench/run.py, the throughput benchmark, with the smallest budget: it must keep running and
keep writing a well-formed table (no timing is asserted: speed is judged from the published
run, docs/benchmarks.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ["goitfdi-returning", "goitfdi-new", "gcfi-developer", "getid-guest", "lookup-developer",
              "list-identities", "caller-root", "caller-temporary"]
NUMBER = r"[\d,]+(?:\.\d+)?"


def _rows(text: str, columns: int) -> list[list[str]]:
    """The table rows of ``text`` with ``columns`` cells, headers and rules left out."""
    found = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == columns and not set(cells[0]) <= {"-"}:
            found.append(cells)
    return found[1:] if found else []


@pytest.mark.slow
def test_a_tiny_run_writes_every_operation_into_the_generated_block(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nprose kept\n\n<!-- bench:begin (old) -->\nSTALE\n<!-- bench:end -->\n\ntail kept\n")
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent)) is not None
    backends = "sqlite,moto" if moto else "sqlite"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--seconds", "0.2", "--warmup", "0.05", "--reps", "1",
         "--concurrency", "2", "--backends", backends, "--workers", "1", "--identities", "3",
         "--ceiling-seconds", "0.2", "--out", str(out)],
        capture_output=True, text=True, timeout=240, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"load average before: \(.+\)", done.stdout) and re.search(r"load average after: \(.+\)", done.stdout)
    text = out.read_text()
    assert text.startswith("# Benchmarks\n\nprose kept\n") and text.endswith("\n\ntail kept\n") and "STALE" not in text
    assert "`python bench/run.py --seconds 0.2" in text  # the exact command is written down
    ceilings = _rows(text, 3)
    assert [row[0] for row in ceilings][: len(backends.split(","))] == backends.split(",")
    assert all(re.fullmatch(NUMBER, cell) for row in ceilings for cell in row[1:3] if row[0] in backends)
    results = _rows(text, 11)
    for backend in backends.split(","):
        listed = {row[1]: row for row in results if row[0] == backend}
        assert sorted(listed) == sorted(OPERATIONS), backend
        for row in listed.values():
            assert row[2] == "2"
            assert all(re.fullmatch(NUMBER, cell) for cell in row[3:8]), row
            assert float(row[3].replace(",", "")) > 0, row
            if backend == "sqlite":
                assert row[8] == "0", row  # every answer of idpool a 2xx (moto lacks some operations)
    assert {row[0] for row in _rows(text, 3) if row[0] in backends} == set(backends.split(","))
