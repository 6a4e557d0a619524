"""docs/COVERAGE.md lists every modelled operation as implemented or not, and is fresh."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from idpool.protocols import service_model

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_coverage.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_coverage", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_coverage = load_script()


def rows(text: str) -> dict[str, list[str]]:
    """Operation -> [access, state] for every table row."""
    table = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in table if cells[0].strip() != "Operation"}


def test_every_operation_in_scope_is_listed_with_its_state() -> None:
    text = gen_coverage.render({"cognito-identity": {"GetId"}, "sts": None, "iam": {"GetRole", "CreateGroup"}})
    listed = rows(text)
    assert set(service_model("cognito-identity").operation_names) <= set(listed)
    assert set(service_model("sts").operation_names) <= set(listed)
    assert set(service_model("iam").operation_names) <= set(listed)  # IAM too: every operation, with its state
    assert listed["GetId"] == ["public", "implemented"]
    assert listed["DescribeIdentity"] == ["signed", "not implemented"]
    assert listed["AssumeRoleWithWebIdentity"] == ["public", "not implemented"]
    assert listed["CreateGroup"] == ["signed", "implemented"]
    assert listed["DeleteGroup"] == ["signed", "not implemented"]
    total = len(service_model("iam").operation_names)
    assert f"2 of {total} listed operations implemented." in text


def test_adapter_handlers_name_only_modelled_operations() -> None:
    handlers = {service: gen_coverage.implemented(service) for service in gen_coverage.ADAPTERS}
    for service, names in handlers.items():
        assert names <= set(service_model(service).operation_names), service


def test_docs_coverage_table_is_fresh() -> None:
    handlers = {service: gen_coverage.implemented(service) for service in gen_coverage.ADAPTERS}
    expected = gen_coverage.render(handlers)
    assert gen_coverage.OUTPUT.read_text(encoding="utf-8") == expected, "run: python scripts/gen_coverage.py"
