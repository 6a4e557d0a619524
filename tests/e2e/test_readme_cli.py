"""The README's shell walkthrough, run with the AWS CLI against a real `idpool serve` with
the banner's variables exported: the steps work as written, in order, and set the
shell variables ($POOL, $IDENTITY, $TOKEN) each later step uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough_shell() -> str:
    text = README.read_text()
    start = text.index("## The seed, step by step")
    seed = text[start:text.index("\n## ", start)]
    return "\n".join(re.findall(r"```sh\n(.*?)```", seed, re.DOTALL))


def test_the_readme_shell_steps_run_as_written(serve: Any, tmp_path: Path) -> None:
    served = serve()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    env.update(served.exports)  # what a reader pastes from the banner
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_PAGER="", PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    script = walkthrough_shell()
    assert "$IDENTITY" in script and "$TOKEN" in script
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script + '\necho "IDENTITY=$IDENTITY"'],
                         check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    identity = re.search(r"^IDENTITY=(\S+)$", run.stdout, re.MULTILINE)
    assert identity and re.fullmatch(r"us-east-1:[0-9a-f-]{36}", identity.group(1))
    assert '"AccessKeyId": "ASIA' in run.stdout  # the last step: temporary credentials for the frontend
