"""Make the database an earlier idpool release leaves behind, for the upgrade test (F10 in
docs/reliability.md, tests/faults/test_upgrade_from_a_release.py).

Run the earlier release from a checkout of its commit, let it serve real calls through boto3
(pools, developer identities, a merge, a guest, IAM roles, users and access keys, an OpenID
token and temporary credentials), stop it, and keep what it wrote: the SQLite database as an
SQL dump, and what the calls returned (ids, the access key secret, the token, the session)
with the master key and root keys the release ran with. These are test values made for this
purpose only.

    git worktree add /tmp/idpool-e1d9777 e1d9777
    python scripts/make_release_database.py --source /tmp/idpool-e1d9777 --out tests/faults/releases/e1d9777
    git worktree remove /tmp/idpool-e1d9777

The checkout provides only the old code (``<source>/src``); the packages installed in this
environment run it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

REGION, ACCOUNT = "us-east-1", "000000000000"
ROOT_KEY = "AKIARELEASEFIXTURE01"
DEV = "login.release"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True, help="a checkout of the earlier release")
    parser.add_argument("--out", type=Path, required=True, help="where to write database.sql and release.json")
    args = parser.parse_args(argv)
    commit = subprocess.run(["git", "-C", str(args.source), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    master_key = base64.b64encode(secrets.token_bytes(32)).decode()
    root_secret = secrets.token_urlsafe(30)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
        env.update(PYTHONPATH=str(args.source / "src"), IDPOOL_MASTER_KEY=master_key, IDPOOL_ROOT_ACCESS_KEY_ID=ROOT_KEY,
                   IDPOOL_ROOT_SECRET_ACCESS_KEY=root_secret, IDPOOL_LOG_LEVEL="warning")
        out = Path(tmp) / "out.txt"
        with out.open("w") as stdout:
            server = subprocess.Popen([sys.executable, "-m", "idpool", "serve", "--port", "0", "--data-dir", str(data_dir)],
                                      stdout=stdout, stderr=subprocess.STDOUT, env=env)
        try:
            url = _wait_for_url(out, server)
            facts = _serve_calls(url, root_secret)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        database = sqlite3.connect(data_dir / "idpool.db")
        try:
            dump = "\n".join(database.iterdump()) + "\n"
            version = database.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
        finally:
            database.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "database.sql").write_text(dump, encoding="utf-8")
    release = {"commit": commit, "schema_version": version, "made_at": facts.pop("made_at"), "issuer": facts.pop("issuer"),
               "region": REGION, "account_id": ACCOUNT, "master_key": master_key, "root_access_key_id": ROOT_KEY,
               "root_secret_access_key": root_secret, "facts": facts}
    (args.out / "release.json").write_text(json.dumps(release, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}/database.sql and release.json (schema version {version}, commit {commit[:10]})")
    return 0


def _wait_for_url(out: Path, server: subprocess.Popen[bytes]) -> str:
    for _ in range(600):
        match = re.search(r"listening on (http://\S+)", out.read_text())
        if match:
            return match.group(1)
        if server.poll() is not None:
            raise SystemExit(f"the release exited:\n{out.read_text()}")
        time.sleep(0.1)
    raise SystemExit(f"the release printed no address:\n{out.read_text()}")


def _serve_calls(url: str, root_secret: str) -> dict[str, Any]:
    """What a user of the release would have done; returns what tests check afterwards."""
    signed = {"endpoint_url": url, "region_name": REGION, "aws_access_key_id": ROOT_KEY, "aws_secret_access_key": root_secret}
    cognito, iam = boto3.client("cognito-identity", **signed), boto3.client("iam", **signed)
    public = {"endpoint_url": url, "region_name": REGION, "config": Config(signature_version=UNSIGNED)}
    made_at = int(time.time())
    pool = cognito.create_identity_pool(IdentityPoolName="release_pool", AllowUnauthenticatedIdentities=True,
                                        AllowClassicFlow=True, DeveloperProviderName=DEV,
                                        IdentityPoolTags={"team": "release"})["IdentityPoolId"]
    users = {}
    for user in ("alice", "bob", "carol", "dave"):
        users[user] = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={DEV: user})["IdentityId"]
    cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool, IdentityId=users["alice"], Logins={DEV: "alice@work"})
    cognito.merge_developer_identities(SourceUserIdentifier="carol", DestinationUserIdentifier="dave",
                                       DeveloperProviderName=DEV, IdentityPoolId=pool)
    guest = boto3.client("cognito-identity", **public).get_id(IdentityPoolId=pool)["IdentityId"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]}
    role_arn = iam.create_role(RoleName="ReleaseAuth", AssumeRolePolicyDocument=json.dumps(trust), Description="from the release",
                               Tags=[{"Key": "team", "Value": "release"}])["Role"]["Arn"]
    iam.put_role_policy(RoleName="ReleaseAuth", PolicyName="describe", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognito-identity:DescribeIdentityPool", "Resource": "*"}]}))
    cognito.set_identity_pool_roles(IdentityPoolId=pool, Roles={"authenticated": role_arn})
    iam.create_user(UserName="backend")
    iam.put_user_policy(UserName="backend", PolicyName="mint", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognito-identity:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="backend")["AccessKey"]
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={DEV: "bob"}, TokenDuration=86400)["Token"]
    session = boto3.client("cognito-identity", **public).get_credentials_for_identity(
        IdentityId=users["bob"], Logins={"cognito-identity.amazonaws.com": token})["Credentials"]
    return {
        "made_at": made_at, "issuer": url, "pool_id": pool, "identities": users, "guest": guest, "role_arn": role_arn,
        "user": "backend", "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"],
        "openid_token": token, "session": {"access_key_id": session["AccessKeyId"], "secret_key": session["SecretKey"],
                                           "session_token": session["SessionToken"]},
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
