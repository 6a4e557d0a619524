"""The README's walkthrough is run as written, so it stays true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT_KEY, ROOT_SECRET

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    """The walkthrough's blocks: "The seed, step by step" (later sections have their own tests)."""
    text = README.read_text()
    start = text.index("## The seed, step by step")
    seed = text[start:text.index("\n## ", start)]
    return re.findall(r"```python\n(.*?)```", seed, re.S)


def test_readme_has_the_walkthrough() -> None:
    assert python_blocks(), "README.md lost its Python walkthrough"


def test_readme_python_blocks_run_in_order(live: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each block continues the one before, as a reader follows them."""
    for service in ("COGNITO_IDENTITY", "STS", "IAM"):  # as the README recommends and the banner prints
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", live.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROOT_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    namespace: dict[str, Any] = {}
    for index, block in enumerate(python_blocks()):
        exec(compile(block, f"README.md block {index}", "exec"), namespace)
    assert namespace["caller"].endswith(":assumed-role/MyApp_Auth_Role/CognitoIdentityCredentials")
