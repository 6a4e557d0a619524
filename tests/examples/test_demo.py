"""scripts/demo as a user runs it (the Python part; the shell wrapper only prepares the
virtualenv): everything comes up, the printed users can sign in and keep notes through
the gateway, Ctrl-C stops every process, and a second run keeps the first one's data."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.examples.support import EXAMPLES, WEB, example
from tests.sdk.node import unavailable

pytestmark = pytest.mark.slow
DEMO = EXAMPLES.parent / "scripts" / "demo.py"
WRAPPER = EXAMPLES.parent / "scripts" / "demo"


class Demo:
    def __init__(self, folder: Path, *, wrapper: bool = False) -> None:
        """``wrapper``: run ``scripts/demo`` itself, as the README says, on this test's virtualenv
        (it installs the ``demo`` extra there when its stamp says so, then runs demo.py)."""
        command = [str(WRAPPER)] if wrapper else [sys.executable, str(DEMO)]
        env = {**os.environ, "IDPOOL_VENV": sys.prefix} if wrapper else os.environ.copy()
        self.proc = subprocess.Popen([*command, "--dir", str(folder), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        assert self.proc.stdout is not None
        self.lines: list[str] = []
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        printed = "".join(self.lines)
        found = {k: re.search(p, printed) for k, p in {
            "app": r"open (http://\S+)", "idpool": r"idpool\s+(http://\S+)", "api": r"gateway\s+(http://\S+)"}.items()}
        if not all(found.values()):
            self.stop()
            raise AssertionError(f"scripts/demo did not start:\n{printed}")
        self.urls = {k: m.group(1) for k, m in found.items() if m}
        self.users = dict(re.findall(r"user (\w+)\s+password (\S+)", printed))

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        rest, _ = self.proc.communicate(timeout=60)
        return self.proc.returncode, rest


def notes(demo: Demo, capsys: pytest.CaptureFixture[str], user: str, *command: str) -> object:
    example("frontend-python", "notes").main(demo.urls["app"], demo.urls["api"], user, demo.users[user], *command)
    return json.loads(capsys.readouterr().out)


def test_the_demo_runs_the_whole_app_and_stops_on_ctrl_c(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    if not (WEB / "node_modules").exists():
        unavailable(f"npm packages are not installed: run `npm ci` in {WEB}")
    demo = Demo(tmp_path / "demo")
    try:
        assert set(demo.users) == {"alice", "bob"}
        page = httpx.get(demo.urls["app"])
        assert page.status_code == 200 and '<script type="module" src="app.js">' in page.text
        assert httpx.get(f"{demo.urls['app']}/app.js").status_code == 200
        monkeypatch.setenv("AWS_ENDPOINT_URL", demo.urls["idpool"])
        assert notes(demo, capsys, "alice", "write", "hello", "from the demo") == {"id": "hello", "text": "from the demo"}
        assert notes(demo, capsys, "bob", "list") == {"notes": []}
    finally:
        code, rest = demo.stop()
    assert code == 0 and rest.strip().endswith("stopped."), rest
    for url in demo.urls.values():
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=2)

    again = Demo(tmp_path / "demo", wrapper=True)  # the same folder: the same pool, users and notes
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", again.urls["idpool"])  # idpool's port changes between runs
        assert notes(again, capsys, "alice", "read", "hello") == {"id": "hello", "text": "from the demo"}
    finally:
        assert again.stop()[0] == 0
