"""The client libraries load none of the server: a user's frontend or backend that imports
them gets boto3 and nothing of idpool's web, storage or domain code (import-linter keeps
the source apart; this checks what a fresh interpreter really loads)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_the_client_libraries_loads_nothing_of_the_server() -> None:
    probe = ("import json, sys, idpool.credentials, idpool.developer; "
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('idpool', 'starlette', 'uvicorn', 'psycopg', 'sqlite3', 'cryptography'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == ["idpool", "idpool.credentials", "idpool.developer"]
