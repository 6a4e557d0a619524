"""Running the Node scripts of tests/js from Python: JSON in on stdin, JSON out on stdout.

Without node, npm or the installed packages a test skips and says what to do; under
``CI=true`` it fails instead, so CI can never pass by skipping these."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
NODE_MODULES = JS_DIR / "node_modules"
NODE_TIMEOUT = 90  # seconds for one script run, all its SDK calls included


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail under CI where every tool must be present."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def require_packages(*packages: str) -> str:
    """The path of ``node``, once node and the named npm packages are installed."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        unavailable("node and npm are needed for the JavaScript SDK tests (apt-get install nodejs npm)")
    missing = [p for p in packages if not (NODE_MODULES / p / "package.json").is_file()]
    if missing:
        unavailable(f"npm packages {', '.join(missing)} are not installed: run `npm ci` in {JS_DIR}")
    return node


def run_node(script: str, payload: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    """Run ``tests/js/<script>`` with ``payload`` on stdin; its stdout parsed as JSON."""
    node = require_packages("@aws-sdk/credential-providers", "@aws-sdk/client-sts",
                            "@aws-sdk/client-cognito-identity", "aws-sdk")
    # No ambient AWS configuration reaches the SDKs: only what the test passes.
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    run_env.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
                   AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE="1", **(env or {}))
    done = subprocess.run(
        [node, str(JS_DIR / script)], input=json.dumps(payload), capture_output=True, text=True,
        cwd=JS_DIR, env=run_env, timeout=NODE_TIMEOUT, check=False,
    )
    assert done.returncode == 0, f"{script} failed ({done.returncode}):\n{done.stderr[-4000:]}"
    return json.loads(done.stdout)
