"""The console's TypeScript backend snippet, copied from the page as it is, bundled with esbuild
and run by Node against this server: it returns the user's identity id and token."""

from __future__ import annotations

import json
import os
import subprocess
from html import unescape
from pathlib import Path

import pytest

from tests.console.support import ConsoleUser, create_pool
from tests.sdk.node import JS_DIR, NODE_MODULES, NODE_TIMEOUT, require_packages
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client

pytestmark = pytest.mark.slow


def test_the_typescript_backend_snippet_runs_as_shown(root: ConsoleUser, live: LiveServer, tmp_path: Path) -> None:
    node = require_packages("esbuild", "@aws-sdk/client-cognito-identity")
    pool_id = create_pool(root, "Node Sample", developer="login.node.sample")
    page = root.get(f"/console/pools/{pool_id}/code").text
    snippet = unescape(page.split('id="backend-ts" data-language="typescript">')[1].split("</pre>")[0])
    (tmp_path / "backend.ts").write_text(snippet)
    (tmp_path / "main.ts").write_text(
        'import { tokenFor } from "./backend.ts";\ntokenFor("alice").then((answer) => console.log(JSON.stringify(answer)));\n')
    build_env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    subprocess.run([str(NODE_MODULES / ".bin" / "esbuild"), str(tmp_path / "main.ts"), "--bundle", "--platform=node",
                    "--format=cjs", "--log-level=warning", f"--outfile={tmp_path / 'main.cjs'}"],
                   cwd=JS_DIR, env=build_env, check=True, timeout=NODE_TIMEOUT)
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    run_env.update(AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
                   AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    done = subprocess.run([node, str(tmp_path / "main.cjs")], capture_output=True, text=True, env=run_env,
                          timeout=NODE_TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    answer = json.loads(done.stdout)
    found = client(live, "cognito-identity").lookup_developer_identity(IdentityPoolId=pool_id,
                                                                       DeveloperUserIdentifier="alice")
    assert answer["identityId"] == found["IdentityId"] and answer["token"].count(".") == 2
