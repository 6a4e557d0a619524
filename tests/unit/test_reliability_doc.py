"""docs/reliability.md is generated from the catalogue and the tests' markers, and is fresh."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.catalogue import CASES, HOLDS, NOT_BUILT

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_reliability.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reliability", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load_script()
SKELETON = ("# t\n<!-- BEGIN GENERATED: catalogue (x) -->\nSTALE-TEXT\n<!-- END GENERATED: catalogue -->\nprose\n"
            "<!-- BEGIN GENERATED: crash-figures (y) -->\n<!-- END GENERATED: crash-figures -->\n")


def test_every_case_is_listed_with_its_tests_and_state() -> None:
    tests = {"J01": ["tests/keys/test_x.py::test_a", "tests/api/test_y.py::test_b"]}
    text = gen.render(SKELETON, tests, None)
    assert text.startswith("# t\n") and "\nprose\n" in text and "STALE-TEXT" not in text  # only the blocks change
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ") and "---" not in line}
    assert set(CASES) <= set(rows)
    assert "`tests/keys/test_x.py::test_a`<br>`tests/api/test_y.py::test_b`" in rows["J01"]
    for case in CASES.values():
        assert case.state in rows[case.id]
    assert "No run recorded yet" in text


def test_states_must_agree_with_the_tests() -> None:
    covered = {case_id: ["t"] for case_id in CASES}
    holding_uncovered = next(c for c in CASES.values() if c.state == HOLDS).id
    problems = gen.check_states({k: v for k, v in covered.items() if k != holding_uncovered})
    assert any(holding_uncovered in p and "no test carries it" in p for p in problems)
    assert gen.check_states({**covered, "Z99": ["t"]}) == ["unknown catalogue id Z99"] + [
        f"{i} is declared '{NOT_BUILT}' but tests claim it: t" for i, c in CASES.items() if c.state == NOT_BUILT]


def test_a_state_other_than_holds_says_why() -> None:
    assert all(case.note for case in CASES.values() if case.state != HOLDS)


def test_crash_figures_are_rendered_from_a_run() -> None:
    figures = {"recorded": "2026-12-02", "machine": "2 CPUs", "command": "python bench/crash_under_load.py", "runs": [
        {"signal": "kill -9", "storage": "sqlite", "round": 1, "load": "8 writers", "acknowledged": 10, "present": 10,
         "lost": 0, "unacknowledged_present": 1, "exit": -9}]}
    text = gen.render(SKELETON, {}, figures)
    assert "| kill -9 | sqlite | 1 | 8 writers | 10 | 10 | 0 | 1 | -9 |" in text


def test_docs_reliability_is_fresh() -> None:
    """Collects the whole suite in a process of its own (the markers as they are now)."""
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_case_is_described_in_security_md() -> None:
    text = (ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    assert [case_id for case_id in CASES if not re.search(rf"\| (?:\w+, )?{case_id}\b", text)] == []
