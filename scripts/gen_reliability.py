"""Write the generated parts of docs/reliability.md: the catalogue table and the crash figures.

The table comes from the catalogue (``tests/catalogue.py``: every case, what it means, its
declared state) and from the tests themselves: pytest collects the suite, and every test
carrying ``@pytest.mark.catalogue(...)`` is listed under the cases it names. The figures
come from the last run of ``bench/crash_under_load.py`` (``bench/results/crash_under_load.json``).
Everything between the BEGIN/END GENERATED comments is replaced; the prose around them is
written by hand.

    python scripts/gen_reliability.py          # rewrite docs/reliability.md
    python scripts/gen_reliability.py --check  # exit 1 if it is stale (tests/unit/test_reliability_doc.py)
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.catalogue import AREAS, CASES, HOLDS, NOT_BUILT, STATES, Case, area_of  # noqa: E402

OUTPUT = ROOT / "docs" / "reliability.md"
FIGURES = ROOT / "bench" / "results" / "crash_under_load.json"
_BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) .*?-->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)", re.S)


class _Collector:
    """A pytest plugin: the tests carrying each catalogue id (parametrized cases counted once)."""

    def __init__(self) -> None:
        self.tests: dict[str, set[str]] = defaultdict(set)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            for mark in item.iter_markers("catalogue"):
                for case_id in mark.args:
                    self.tests[case_id].add(item.nodeid.split("[", 1)[0])


def collect() -> dict[str, list[str]]:
    """Catalogue id -> the tests that carry it, by collecting the whole suite (nothing runs)."""
    collector = _Collector()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", str(ROOT / "tests")], plugins=[collector])
    if status != 0:
        raise SystemExit(f"collecting the tests failed ({status}):\n{out.getvalue()[-3000:]}")
    return {case_id: sorted(tests) for case_id, tests in collector.tests.items()}


def check_states(tests: Mapping[str, Sequence[str]]) -> list[str]:
    """What contradicts the declared states: a case said to hold that no test covers, a case
    said not built that a test claims, an id no case has."""
    problems = [f"{i} is declared '{HOLDS}' but no test carries it" for i, c in CASES.items() if c.state == HOLDS and not tests.get(i)]
    problems += [f"{i} is declared '{NOT_BUILT}' but tests claim it: {', '.join(tests[i])}"
                 for i, c in CASES.items() if c.state == NOT_BUILT and tests.get(i)]
    problems += [f"unknown catalogue id {i}" for i in tests if i not in CASES]
    problems += [f"{i} has no known state {c.state!r}" for i, c in CASES.items() if c.state not in STATES]
    return problems


def render_catalogue(tests: Mapping[str, Sequence[str]]) -> str:
    counts = {state: sum(1 for c in CASES.values() if c.state == state) for state in STATES}
    summary = ", ".join(f"{n} {state}" for state, n in counts.items() if n)
    lines = [f"{len(CASES)} cases: {summary}.", ""]
    for area, title in AREAS.items():
        lines += [f"### {title} ({area})", "", "| Id | Case | Expected | State | Tests |", "|---|---|---|---|---|"]
        lines += [_row(case, tests.get(case.id, ())) for case in CASES.values() if area_of(case.id) == area]
        lines.append("")
    return "\n".join(lines)


def _row(case: Case, tests: Sequence[str]) -> str:
    state = f"**{case.state}**" if case.state != HOLDS else case.state
    if case.note:
        state += f": {case.note}"
    listed = "<br>".join(f"`{t}`" for t in tests) or "none"
    return f"| {case.id} | {_cell(case.case)} | {_cell(case.expected)} | {_cell(state)} | {listed} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_figures(figures: Mapping[str, Any] | None) -> str:
    if not figures:
        return "No run recorded yet: `python bench/crash_under_load.py` writes bench/results/crash_under_load.json.\n"
    lines = [
        f"Recorded {figures['recorded']} on {figures['machine']}: `{figures['command']}`.",
        "",
        "| Signal | Storage | Round | Load | Acknowledged | Present after restart | Lost | Unacknowledged but present | Exit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in figures["runs"]:
        lines.append(
            f"| {run['signal']} | {run['storage']} | {run['round']} | {run['load']} | {run['acknowledged']} "
            f"| {run['present']} | {run['lost']} | {run['unacknowledged_present']} | {run['exit']} |"
        )
    return "\n".join(lines) + "\n"


def render(document: str, tests: Mapping[str, Sequence[str]], figures: Mapping[str, Any] | None) -> str:
    """``document`` with each generated block replaced by its fresh content."""
    blocks = {"catalogue": render_catalogue(tests), "crash-figures": render_figures(figures)}
    seen: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in blocks:
            raise SystemExit(f"unknown generated block {name!r} in {OUTPUT.name}")
        seen.add(name)
        return match.group(1) + blocks[name] + match.group(4)

    text = _BLOCK.sub(fill, document)
    if seen != set(blocks):
        raise SystemExit(f"{OUTPUT.name} lacks the generated blocks {sorted(set(blocks) - seen)}")
    return text


def main(argv: list[str]) -> int:
    tests = collect()
    problems = check_states(tests)
    if problems:
        print("the catalogue and the tests disagree:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    figures = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.exists() else None
    current = OUTPUT.read_text(encoding="utf-8")
    text = render(current, tests, figures)
    if "--check" in argv:
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run python scripts/gen_reliability.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
