"""The repository stands alone: code, tests and docs cite public documents and the
project's own docs/, never notes that live outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(
    r"CONTRACT\.md|research/|research §|\bresearch:? [A-Z]{1,2}\d|ecosystem-security|aws-identity-pools|perf-anchors"
)
def project_files() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in ("src", "docs", "tests", "scripts", ".ci"):
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in ("", ".py", ".md", ".sh", ".mjs")]
    return [p for p in files if "node_modules" not in p.parts and p != Path(__file__).resolve()]


def test_nothing_cites_notes_outside_the_repository() -> None:
    citing = {
        f"{path.relative_to(ROOT)}:{number}": line.strip()
        for path in project_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    }
    assert citing == {}
