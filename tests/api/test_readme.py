"""The README's walkthrough is run as written, so it stays true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT_KEY, ROOT_SECRET

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_the_walkthrough() -> None:
    assert python_blocks(), "README.md lost its Python walkthrough"


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_block_runs(index: int, live: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", live.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROOT_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    exec(compile(python_blocks()[index], f"README.md block {index}", "exec"), {})
