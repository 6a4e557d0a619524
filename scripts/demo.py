"""`scripts/demo`: the complete example on one machine, from nothing.

Starts `idpool serve` (data in --dir, ./.idpool-demo by default), sets up the identity pool
with its developer provider name and the two roles through the AWS APIs (the same calls
work against AWS), starts the notes API with `idpool gateway` in front of it, builds the
TypeScript page when needed (npm ci, esbuild) and serves it with the app's backend. Prints
the URL and two demo users; Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
WEB = EXAMPLES / "frontend-web"
BIN = Path(sys.executable).parent
REGION, ACCOUNT, API_ID, STAGE = "us-east-1", "000000000000", "notes", "prod"
POOL_NAME, DEVELOPER = "notes_demo", "login.notes.demo"
USERS = {"alice": "alice-demo-password", "bob": "bob-demo-password"}

sys.path.insert(0, str(EXAMPLES / "notes-api"))
from policies import guest_policy, trust_policy, user_policy  # noqa: E402 - the example's own module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Processes:
    """What the demo started, stopped in reverse order."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=log, stderr=log, cwd=ROOT)
        self.running.append((name, proc))
        return proc

    def stop(self) -> None:
        for _, proc in reversed(self.running):
            if proc.poll() is None:
                proc.terminate()
        for name, proc in reversed(self.running):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop in 15 s: killing it", file=sys.stderr)
                proc.kill()


def wait_for(url: str, procs: Processes, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for started, proc in procs.running:
            if proc.poll() is not None:
                raise SystemExit(f"{started} exited with {proc.returncode}; see {procs.logs / started}.log")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not answer at {url} within {timeout:.0f} s; see {procs.logs / name}.log")


def root_keys(data: Path) -> dict[str, str]:
    """The demo server's root keys: made once, kept (owner-only) in the demo's folder."""
    path = data / "root-keys.json"
    if not path.exists():
        path.write_text(json.dumps({"IDPOOL_ROOT_ACCESS_KEY_ID": "AKIA" + secrets.token_hex(8).upper(),
                                    "IDPOOL_ROOT_SECRET_ACCESS_KEY": secrets.token_urlsafe(30)}))
        path.chmod(0o600)
    return dict(json.loads(path.read_text()))


def set_up(endpoint: str, keys: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The pool and its roles, as an admin sets them up on AWS; and the backend's own IAM
    user, allowed GetOpenIdTokenForDeveloperIdentity on this pool and nothing else."""
    session = boto3.session.Session(aws_access_key_id=keys["IDPOOL_ROOT_ACCESS_KEY_ID"],
                                    aws_secret_access_key=keys["IDPOOL_ROOT_SECRET_ACCESS_KEY"], region_name=REGION)
    cognito, iam = session.client("cognito-identity", endpoint_url=endpoint), session.client("iam", endpoint_url=endpoint)
    pools = cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
    pool_id = next((p["IdentityPoolId"] for p in pools if p["IdentityPoolName"] == POOL_NAME), None)
    if pool_id is None:
        pool_id = cognito.create_identity_pool(IdentityPoolName=POOL_NAME, AllowUnauthenticatedIdentities=True,
                                               DeveloperProviderName=DEVELOPER)["IdentityPoolId"]
    roles = {"authenticated": ("notes-user", user_policy), "unauthenticated": ("notes-guest", guest_policy)}
    for amr, (role, policy) in roles.items():
        ensure(lambda role=role, amr=amr: iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(pool_id, amr)))
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=trust_policy(pool_id, amr))
        iam.put_role_policy(RoleName=role, PolicyName="notes", PolicyDocument=policy(REGION, ACCOUNT, API_ID, STAGE))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        amr: f"arn:aws:iam::{ACCOUNT}:role/{role}" for amr, (role, _) in roles.items()})

    ensure(lambda: iam.create_user(UserName="notes-backend"))
    iam.put_user_policy(UserName="notes-backend", PolicyName="tokens", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
            "Resource": f"arn:aws:cognito-identity:{REGION}:{ACCOUNT}:identitypool/{pool_id}"}]}))
    for old in iam.list_access_keys(UserName="notes-backend")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="notes-backend", AccessKeyId=old["AccessKeyId"])
    key = iam.create_access_key(UserName="notes-backend")["AccessKey"]
    return pool_id, {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def ensure(create: Any) -> None:
    """Create something unless it exists (a second run of the demo keeps the first's data)."""
    try:
        create()
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise


def build_page() -> Path:
    """npm ci when node_modules is missing, then esbuild when the bundle is older than its sources."""
    dist = WEB / "dist"
    if not (WEB / "node_modules" / ".bin" / "esbuild").exists():
        print("installing the page's npm packages (npm ci)...", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB, check=True)
    sources = [WEB / "src" / "app.ts", WEB / "index.html", WEB / "package-lock.json"]
    bundle = dist / "app.js"
    if not bundle.exists() or bundle.stat().st_mtime < max(s.stat().st_mtime for s in sources):
        print("building the page (esbuild)...", flush=True)
        subprocess.run(["npm", "run", "--silent", "build"], cwd=WEB, check=True)
    return dist


def interrupted(*_: object) -> None:
    """SIGTERM stops the demo as Ctrl-C does."""
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path(".idpool-demo"), help="demo data [./.idpool-demo]")
    parser.add_argument("--port", type=int, default=8080, help="the app's port [8080]; 0 picks a free one")
    parser.add_argument("--token-seconds", type=int, default=900, help="OpenID token duration [900]")
    args = parser.parse_args()
    data = args.dir.resolve()
    (data / "logs").mkdir(parents=True, exist_ok=True)
    page = build_page()

    procs = Processes(data / "logs")
    signal.signal(signal.SIGTERM, interrupted)
    try:
        keys = root_keys(data)
        idpool_port, notes_port, gateway_port = free_port(), free_port(), free_port()
        app_port = args.port or free_port()
        idpool = f"http://127.0.0.1:{idpool_port}"
        procs.start("idpool", [str(BIN / "idpool"), "serve", "--port", str(idpool_port), "--data-dir",
                               str(data / "idpool"), "--account-id", ACCOUNT], {**keys, "IDPOOL_LOG_LEVEL": "warning"})
        wait_for(f"{idpool}/health", procs, "idpool")
        pool_id, backend_keys = set_up(idpool, keys)

        procs.start("notes-api", [sys.executable, str(EXAMPLES / "notes-api" / "api.py")],
                    {"NOTES_DB": str(data / "notes.db"), "NOTES_PORT": str(notes_port)})
        procs.start("gateway", [str(BIN / "idpool"), "gateway", "--upstream", f"http://127.0.0.1:{notes_port}",
                                "--api-id", API_ID, "--stage", STAGE, "--port", str(gateway_port),
                                "--data-dir", str(data / "idpool"), "--account-id", ACCOUNT], keys)
        api = f"http://127.0.0.1:{gateway_port}/{STAGE}"
        config = {"region": REGION, "identityPoolId": pool_id, "cognitoEndpoint": idpool, "api": api}
        procs.start("app", [sys.executable, str(EXAMPLES / "backend-python" / "app.py")], {
            **backend_keys, "AWS_ENDPOINT_URL": idpool, "AWS_DEFAULT_REGION": REGION,
            "APP_IDENTITY_POOL_ID": pool_id, "APP_DEVELOPER_PROVIDER_NAME": DEVELOPER,
            "APP_USERS_DB": str(data / "users.db"), "APP_PORT": str(app_port), "APP_PAGE_DIR": str(page),
            "APP_PAGE_CONFIG": json.dumps(config), "APP_TOKEN_SECONDS": str(args.token_seconds),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))})
        app = f"http://127.0.0.1:{app_port}"
        wait_for(f"{api.rsplit('/', 1)[0]}/health", procs, "gateway")
        wait_for(f"{app}/config.json", procs, "app")
        for user, password in USERS.items():  # already there on a second run: 409, fine
            httpx.post(f"{app}/signup", json={"username": user, "password": password}, timeout=30)

        print(f"\nThe notes app is ready: open {app}\n")
        for user, password in USERS.items():
            print(f"  user {user:<6} password {password}")
        print(f"\n  idpool   {idpool}  (root keys in {data / 'root-keys.json'})")
        print(f"  gateway  {api}  (in front of the notes API)")
        print(f"  logs     {data / 'logs'}\n\nCtrl-C stops everything.", flush=True)
        while all(proc.poll() is None for _, proc in procs.running):
            time.sleep(0.5)
        stopped = next(name for name, proc in procs.running if proc.poll() is not None)
        print(f"{stopped} stopped; see {data / 'logs' / stopped}.log", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        procs.stop()
        print("stopped.", flush=True)


if __name__ == "__main__":
    main()
