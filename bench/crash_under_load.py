"""Acknowledged writes against what a restarted idpool finds, after ``kill -9`` or SIGTERM
under write load: the figures in docs/reliability.md ("Crash figures").

    python bench/crash_under_load.py                       # SQLite, 3 rounds per signal
    python bench/crash_under_load.py --postgres-url postgresql://postgres@127.0.0.1:5432/test
    python bench/crash_under_load.py --rounds 5 --writers 16 --out bench/results/crash_under_load.json

Each round starts ``idpool serve`` (its own data dir; with --postgres-url, a database of its
own), lets --writers threads call GetOpenIdTokenForDeveloperIdentity for users of their own
for --load-seconds (no retries: a write is acknowledged when its 200 arrived), sends the
signal, restarts idpool on the same data and looks every user up. "Lost" counts acknowledged
writes not found (it must be 0); "unacknowledged but present" counts calls that got no
answer although their write was committed (a crash between commit and answer: the client
retries, and this call is idempotent per user). A measurement, not a test: the test suite
checks the same guarantees (tests/faults, tests/multinode) without timing anything.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.exceptions
import httpx
import psycopg
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
KEY, SECRET = "AKIABENCHCRASHLOAD01", "bench-crash-secret-0123456789abcdefghij"
DEV = "login.bench"
SIGNALS = {"kill -9": signal.SIGKILL, "SIGTERM": signal.SIGTERM}


@dataclass
class Round:
    acked: dict[str, str] = field(default_factory=dict)  # user -> identity id
    unanswered: set[str] = field(default_factory=set)  # users whose call got no answer
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--load-seconds", type=float, default=3.0)
    parser.add_argument("--postgres-url", help="also run on PostgreSQL (a database is created per round)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "crash_under_load.json")
    args = parser.parse_args(argv)
    storages = ["sqlite"] + (["postgres"] if args.postgres_url else [])
    runs = []
    for storage in storages:
        for name, signum in SIGNALS.items():
            for number in range(1, args.rounds + 1):
                run = one_round(storage, args.postgres_url, signum, args.writers, args.load_seconds)
                run.update(signal=name, storage=storage, round=number)
                print(json.dumps(run), flush=True)
                runs.append(run)
    shown = ["<url>" if "://" in arg else arg for arg in argv]  # a database URL may carry a password
    command = " ".join(["python bench/crash_under_load.py", *shown])
    result = {
        "recorded": dt.date.today().isoformat(),
        "machine": f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "command": command,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 1 if any(run["lost"] for run in runs) else 0


def one_round(storage: str, postgres_url: str | None, signum: int, writers: int, load_seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        database_url, drop = (None, None) if storage == "sqlite" else new_database(str(postgres_url))
        env = server_env(database_url)
        try:
            server = start(data_dir, env, Path(tmp) / "first.log")
            url = server_url(Path(tmp) / "first.log", server)
            pool_id = client(url).create_identity_pool(IdentityPoolName="crash", AllowUnauthenticatedIdentities=False,
                                                       DeveloperProviderName=DEV)["IdentityPoolId"]
            state = Round()
            threads = [threading.Thread(target=writer, args=(url, pool_id, w, state)) for w in range(writers)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            time.sleep(load_seconds)
            server.send_signal(signum)
            exit_code = server.wait(timeout=120)
            elapsed = time.monotonic() - started
            state.stop.set()
            for thread in threads:
                thread.join(timeout=120)
            again = start(data_dir, env, Path(tmp) / "second.log")
            try:
                present = lookup(server_url(Path(tmp) / "second.log", again), pool_id, state)
            finally:
                again.send_signal(signal.SIGTERM)
                again.wait(timeout=120)
        finally:
            if drop:
                drop()
    acked = len(state.acked)
    return {
        "load": f"{writers} writers, {acked / elapsed:.0f} acknowledged/s",
        "acknowledged": acked,
        "present": present["acked_present"],
        "lost": acked - present["acked_present"],
        "unacknowledged_present": present["unanswered_present"],
        "exit": exit_code,
    }


def writer(url: str, pool_id: str, w: int, state: Round) -> None:
    cognito = client(url)
    for n in range(100_000):  # bounded; the signal ends it long before
        if state.stop.is_set():
            return
        user = f"w{w}-{n}"
        try:
            out = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: user})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
            with state.lock:
                state.unanswered.add(user)
            return  # the server is going or gone
        with state.lock:
            state.acked[user] = out["IdentityId"]


def lookup(url: str, pool_id: str, state: Round) -> dict[str, int]:
    cognito = client(url)

    def found(user: str) -> str | None:
        try:
            return str(cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=user)["IdentityId"])
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise

    return {
        "acked_present": sum(1 for user, identity in state.acked.items() if found(user) == identity),
        "unanswered_present": sum(1 for user in state.unanswered if found(user) is not None),
    }


def client(url: str) -> Any:
    return boto3.client("cognito-identity", endpoint_url=url, region_name="us-east-1", aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET,
                        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2,
                                      read_timeout=60, max_pool_connections=64))


def server_env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    env.update(IDPOOL_MASTER_KEY=base64.b64encode(secrets.token_bytes(32)).decode(), IDPOOL_ROOT_ACCESS_KEY_ID=KEY,
               IDPOOL_ROOT_SECRET_ACCESS_KEY=SECRET, IDPOOL_LOG_LEVEL="warning")
    if database_url:
        env["IDPOOL_DATABASE_URL"] = database_url
    return env


def start(data_dir: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "idpool", "serve", "--port", "0", "--data-dir", str(data_dir)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)


def server_url(log: Path, server: subprocess.Popen[bytes]) -> str:
    for _ in range(600):
        text = log.read_text(errors="replace")
        match = re.search(r"listening on (http://\S+)", text)
        if match and healthy(match.group(1)):
            return match.group(1)
        if server.poll() is not None:
            raise SystemExit(f"idpool exited:\n{text}")
        time.sleep(0.1)
    raise SystemExit("idpool printed no address")


def healthy(url: str) -> bool:
    """/health answers 200 once the node serves API calls (it answers 503 while starting)."""
    try:
        return httpx.get(url + "/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def new_database(admin_url: str) -> tuple[str, Any]:
    name = f"idpool_bench_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}")), drop


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
