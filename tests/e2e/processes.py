"""`idpool serve` as a real process, for the end-to-end tests (a plain module: tests and the
conftest import from it)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "idpool"


class Served:
    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
        self.env.update(env or {})
        # stderr (one JSON line per request) goes to a file: a pipe nobody reads could fill and block
        self.log = tempfile.NamedTemporaryFile("w+", prefix="idpool-", suffix=".log", delete=False)  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--port", "0", "--data-dir", str(data_dir), *args],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=self.env,
        )
        self.banner = self._read_banner()
        match = re.search(r"listening on (http://\S+)", self.banner)
        assert match, self.banner
        self.url = match.group(1)
        self.exports = dict(re.findall(r"^export (\w+)=(\S+)$", self.banner, re.M))

    def _read_banner(self) -> str:
        assert self.proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("idpool exited: " + Path(self.log.name).read_text())
            lines.append(line.rstrip("\n"))
            if line.startswith("export AWS_REGION="):
                return "\n".join(lines)
        raise RuntimeError("no banner")

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("never healthy")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.stdout:
                self.proc.stdout.close()
            self.log.close()
            Path(self.log.name).unlink(missing_ok=True)
