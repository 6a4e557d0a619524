"""`idpool serve` as a user runs it: banner, health, restart, SIGTERM, the AWS CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt
import pytest

pytestmark = pytest.mark.slow


def boto(served: Any, service: str = "cognito-identity") -> Any:
    e = served.exports
    return boto3.client(service, endpoint_url=e["AWS_ENDPOINT_URL_COGNITO_IDENTITY"], region_name=e["AWS_REGION"],
                        aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"])


def test_first_start_prints_credentials_once_and_state_survives_restart(serve: Any, tmp_path: Path) -> None:
    first = serve()
    # per-service endpoints: other AWS services the user's code calls are not sent to idpool
    assert set(first.exports) == {"AWS_ENDPOINT_URL_COGNITO_IDENTITY", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM",
                                  "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"}
    assert {first.exports[f"AWS_ENDPOINT_URL_{s}"] for s in ("COGNITO_IDENTITY", "STS", "IAM")} == {first.url}
    cognito = boto(first)
    pool = cognito.create_identity_pool(IdentityPoolName="survivor", AllowUnauthenticatedIdentities=False,
                                        DeveloperProviderName="login.survivor")
    pool_id = pool["IdentityPoolId"]
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                              Logins={"login.survivor": "alice"})
    assert first.stop() == 0
    data = tmp_path / "data"
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data / "master.key").st_mode) == 0o600
    raw = b"".join(p.read_bytes() for p in data.iterdir() if p.is_file())
    assert first.exports["AWS_SECRET_ACCESS_KEY"].encode() not in raw  # secrets are encrypted at rest

    second = serve()
    assert "AWS_SECRET_ACCESS_KEY" not in second.exports  # printed once only
    assert first.exports["AWS_ACCESS_KEY_ID"] in second.banner
    second.exports.update({k: first.exports[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    cognito = boto(second)
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "survivor"
    again = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.survivor": "alice"})
    assert again["IdentityId"] == issued["IdentityId"]
    # the token from before the restart still verifies against the JWKS served now
    jwks = jwt.PyJWKClient(second.url + "/.well-known/jwks_uri")
    key = jwks.get_signing_key_from_jwt(issued["Token"])
    claims = jwt.decode(issued["Token"], key.key, algorithms=["RS512"], audience=pool_id)
    assert claims["sub"] == issued["IdentityId"]


def test_aws_cli_and_aws_endpoint_url(serve: Any, tmp_path: Path) -> None:
    served = serve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in served.exports.items() if not k.startswith("AWS_ENDPOINT_URL")})
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    aws = [str(Path(sys.executable).parent / "aws")]

    def run(*args: str, endpoint: bool = False) -> dict[str, Any]:
        extra = ["--endpoint-url", served.url] if endpoint else []
        out = subprocess.run([*aws, *args, *extra, "--output", "json"], env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}

    pool = run("cognito-identity", "create-identity-pool", "--identity-pool-name", "cli_pool",
               "--no-allow-unauthenticated-identities", "--developer-provider-name", "login.cli", endpoint=True)
    env["AWS_ENDPOINT_URL"] = served.url
    token = run("cognito-identity", "get-open-id-token-for-developer-identity", "--identity-pool-id",
                pool["IdentityPoolId"], "--logins", "login.cli=alice")  # AWS_ENDPOINT_URL only
    looked = run("cognito-identity", "lookup-developer-identity", "--identity-pool-id", pool["IdentityPoolId"],
                 "--developer-user-identifier", "alice")
    assert looked["IdentityId"] == token["IdentityId"]
    env.pop("AWS_ENDPOINT_URL")
    env["AWS_ENDPOINT_URL_COGNITO_IDENTITY"] = served.exports["AWS_ENDPOINT_URL_COGNITO_IDENTITY"]
    described = run("cognito-identity", "describe-identity", "--identity-id", token["IdentityId"])
    assert described["Logins"] == ["login.cli"]
    # the seed's roles step with the CLI, then the frontend's call (AWS_ENDPOINT_URL_STS/IAM too)
    env["AWS_ENDPOINT_URL_IAM"] = served.exports["AWS_ENDPOINT_URL_IAM"]
    env["AWS_ENDPOINT_URL_STS"] = served.exports["AWS_ENDPOINT_URL_STS"]
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool["IdentityPoolId"]},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]}))
    role = run("iam", "create-role", "--role-name", "CliAuth", "--assume-role-policy-document", f"file://{trust}")
    assert role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    run("iam", "put-role-policy", "--role-name", "CliAuth", "--policy-name", "whoami", "--policy-document",
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}')
    run("cognito-identity", "set-identity-pool-roles", "--identity-pool-id", pool["IdentityPoolId"],
        "--roles", f"authenticated={role['Role']['Arn']}")
    creds = run("cognito-identity", "get-credentials-for-identity", "--identity-id", token["IdentityId"],
                "--logins", f"cognito-identity.amazonaws.com={token['Token']}")["Credentials"]
    env.update(AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretKey"],
               AWS_SESSION_TOKEN=creds["SessionToken"])
    me = run("sts", "get-caller-identity")
    assert me["Arn"].endswith(":assumed-role/CliAuth/CognitoIdentityCredentials")


@pytest.mark.catalogue("F09")
def test_sigterm_drains_the_request_in_flight(serve: Any) -> None:
    served = serve()
    host, port = served.url.removeprefix("http://").split(":")
    body = b'{"MaxResults": 5}'
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        head = (f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nX-Amz-Target: AWSCognitoIdentityService.GetId\r\n"
                f"Content-Type: application/x-amz-json-1.1\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        conn.sendall(head + body[:5])
        time.sleep(0.3)
        served.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        conn.sendall(body[5:])
        reply = conn.recv(65536).decode()
    assert reply.startswith("HTTP/1.1 400")  # GetId without IdentityPoolId: answered, not dropped
    assert "ValidationException" in reply or "IdentityPoolId" in reply
    assert served.proc.wait(timeout=30) == 0  # exits cleanly after the one SIGTERM


def test_given_root_credentials_and_port_zero(serve: Any) -> None:
    served = serve(env={"IDPOOL_ROOT_ACCESS_KEY_ID": "AKIAGIVENROOT0000001",
                        "IDPOOL_ROOT_SECRET_ACCESS_KEY": "given-secret-given-secret-given-secret00"})
    assert "AWS_SECRET_ACCESS_KEY" not in served.exports
    assert "AKIAGIVENROOT0000001" in served.banner
    cognito = boto3.client("cognito-identity", endpoint_url=served.url, region_name="us-east-1",
                           aws_access_key_id="AKIAGIVENROOT0000001",
                           aws_secret_access_key="given-secret-given-secret-given-secret00")
    assert cognito.list_identity_pools(MaxResults=5)["IdentityPools"] == []
    assert httpx.get(served.url + "/health").json() == {"status": "ok"}


@pytest.mark.catalogue("K05")
def test_world_readable_master_key_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    key = data / "master.key"
    key.write_text("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    key.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    out = subprocess.run([str(Path(sys.executable).parent / "idpool"), "serve", "--port", "0", "--data-dir", str(data)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode != 0
    assert "master.key" in out.stderr


@pytest.mark.parametrize("value, says", [("", "set but empty"), ("00" * 32, "random"),
                                          ("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", "random")])
def test_empty_or_no_entropy_master_key_is_refused(tmp_path: Path, value: str, says: str) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    env["IDPOOL_MASTER_KEY"] = value
    out = subprocess.run([str(Path(sys.executable).parent / "idpool"), "serve", "--port", "0", "--data-dir", str(data)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1 and out.stdout == ""  # no banner: it never listened
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr  # one line, no traceback
    assert "IDPOOL_MASTER_KEY" in lines[0] and says in lines[0] and "base64" in lines[0]
    assert not (data / "master.key").exists()  # no silent fallback to a new key file


@pytest.mark.catalogue("KR01", "F07")
def test_keys_rotate_while_serving_keeps_old_tokens_valid(serve: Any, tmp_path: Path) -> None:
    served = serve()
    cognito = boto(served)
    pool_id = cognito.create_identity_pool(IdentityPoolName="rot", AllowUnauthenticatedIdentities=False,
                                           DeveloperProviderName="login.rot")["IdentityPoolId"]
    old = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.rot": "u"})["Token"]
    old_kid = jwt.get_unverified_header(old)["kid"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    out = subprocess.run([str(Path(sys.executable).parent / "idpool"), "keys", "rotate", "--data-dir",
                          str(tmp_path / "data")], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    new_kid = out.stdout.strip().rsplit(" ", 1)[-1]
    assert new_kid != old_kid and new_kid.startswith("us-east-1")
    deadline = time.monotonic() + 15  # every node follows a rotation within its 5 s refresh
    while True:
        new = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.rot": "u"})["Token"]
        if jwt.get_unverified_header(new)["kid"] == new_kid:
            break
        assert time.monotonic() < deadline
        time.sleep(0.5)
    kids = {k["kid"] for k in httpx.get(served.url + "/.well-known/jwks_uri").json()["keys"]}
    assert {old_kid, new_kid} <= kids
    jwks = jwt.PyJWKClient(served.url + "/.well-known/jwks_uri")
    for token in (old, new):
        assert jwt.decode(token, jwks.get_signing_key_from_jwt(token).key, algorithms=["RS512"], audience=pool_id)


@pytest.mark.catalogue("F08", "KR03")
def test_two_processes_starting_at_once_share_one_key_and_one_root(tmp_path: Path) -> None:
    from tests.e2e.processes import Served

    data = tmp_path / "shared"
    first, second = Served(data), Served(data)
    try:
        first.wait_healthy()
        second.wait_healthy()
        secrets = [s.exports.get("AWS_SECRET_ACCESS_KEY") for s in (first, second)]
        assert sum(1 for s in secrets if s) == 1  # exactly one process created (and printed) the root secret
        assert first.banner.count("AKIA") and second.banner.count("AKIA")
        jwks_a = httpx.get(first.url + "/.well-known/jwks_uri").json()
        jwks_b = httpx.get(second.url + "/.well-known/jwks_uri").json()
        assert jwks_a == jwks_b and len(jwks_a["keys"]) == 1
    finally:
        first.stop()
        second.stop()
