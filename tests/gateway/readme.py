"""The README's section "Authorized requests to your own API", taken apart for the tests
that run it: the service, the role policy, the TypeScript and Python frontends and the
middleware block, with the example URLs swapped for the test's servers.

A plain module: tests import from it, never from each other.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
TITLE = "## Authorized requests to your own API"
IDPOOL_URL = "http://127.0.0.1:8740"
API_URL = "http://127.0.0.1:8750/prod"


def section() -> str:
    text = README.read_text()
    start = text.index(TITLE)
    return text[start:text.index("\n## ", start)]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(), re.S)


def service() -> str:
    return blocks("python")[0]


def python_frontend(api_url: str) -> str:
    return blocks("python")[1].replace(API_URL, api_url)


def middleware() -> str:
    return blocks("python")[2]


def typescript_frontend(idpool_url: str, api_url: str) -> str:
    (code,) = blocks("ts")
    assert IDPOOL_URL in code and API_URL in code
    return code.replace(f'"{IDPOOL_URL}"', json.dumps(idpool_url)).replace(f'"{API_URL}"', json.dumps(api_url))


def role_policy() -> str:
    """The policy document of the `aws iam put-role-policy` step."""
    for block in blocks("sh"):
        found = re.search(r"--policy-document '(.*?)'", block, re.S)
        if found:
            return found.group(1)
    raise AssertionError("the README's role policy step is gone")
