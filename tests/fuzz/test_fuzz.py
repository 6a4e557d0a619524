"""Coverage-guided fuzzing of the parsers (P06 in tests/catalogue.py; targets in targets.py).

Every run replays the targets' seeds (each must be accepted: the fuzzer starts from valid
input) and every input kept in ``regressions/<target>/`` (each must be answered or refused,
never crash). The slow tests run atheris on each target for a bounded number of inputs and
time; ``scripts/fuzz.py`` runs as long as asked, and writes what crashes into
``regressions/`` so that it becomes one of the replayed cases here.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.targets import ACCEPTED, REFUSED, TARGETS, seeds

ROOT = Path(__file__).resolve().parents[2]
KEPT = Path(__file__).with_name("regressions")
RUNS, SECONDS = 200_000, 12  # per target in CI: whichever comes first
ALSO = {"json_codec": ("R04",), "query_codec": ("R05",), "sigv4": ("S07", "S11"), "jwt": ("J07",), "policy": ("R06",)}


def kept(target: str) -> list[Path]:
    folder = KEPT / target
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


@pytest.mark.catalogue("P06")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_seed_is_accepted(target: str) -> None:
    outcomes = [TARGETS[target](seed) for seed in seeds(target)]
    assert outcomes and set(outcomes) == {ACCEPTED}, outcomes


@pytest.mark.catalogue("P06")
@pytest.mark.parametrize(("target", "path"), [(t, p) for t in sorted(TARGETS) for p in kept(t)],
                         ids=lambda v: v.name if isinstance(v, Path) else v)
def test_kept_inputs_are_answered_or_refused(target: str, path: Path) -> None:
    assert TARGETS[target](path.read_bytes()) in (ACCEPTED, REFUSED)


def test_every_target_has_kept_inputs() -> None:
    """The regression folders exist with at least one input each, so the replay above runs."""
    assert {t: len(kept(t)) for t in TARGETS if not kept(t)} == {}


@pytest.mark.slow
@pytest.mark.fuzz
@pytest.mark.parametrize("target", [pytest.param(t, marks=pytest.mark.catalogue("P06", *ALSO[t])) for t in sorted(TARGETS)])
def test_a_bounded_fuzzing_run_finds_no_crash(target: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fuzz.py"), target, f"--runs={RUNS}", f"--seconds={SECONDS}",
         f"--corpus={tmp_path / 'corpus'}", f"--artifacts={artifacts}"],
        capture_output=True, text=True, timeout=SECONDS * 10 + 120, cwd=ROOT, env=dict(os.environ),
    )
    crashes = sorted((artifacts / target).iterdir()) if (artifacts / target).is_dir() else []
    found = {p.name: base64.b64encode(p.read_bytes()[:2000]).decode() for p in crashes}
    assert done.returncode == 0 and not found, (
        f"atheris found crashing inputs (base64) {found}; save each as tests/fuzz/regressions/{target}/<name>, "
        f"fix the bug, commit both. Output:\n{done.stderr[-4000:]}"
    )
    assert "Done" in done.stderr, done.stderr[-2000:]  # the run reached its bound
