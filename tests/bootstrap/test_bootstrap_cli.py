"""The commands as a user types them: `idpool apply`, `idpool export`, `idpool import`, and
`idpool serve --bootstrap` as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from idpool.bootstrap.document import read_text
from idpool.cli import main
from idpool.testing.kit import IdpoolServer

from .files import EXAMPLE

BIN = Path(sys.executable).parent / "idpool"
ROOT_KEY, ROOT_SECRET = "AKIAIDPOOLBOOTSTRAP1", "bootstrap-root-secret-0123456789abcdef"


def test_apply_then_apply_again(server: IdpoolServer) -> None:
    runner = CliRunner()
    planned = runner.invoke(main, ["apply", str(EXAMPLE), "--dry-run"], env=server.env)
    assert planned.exit_code == 0, planned.output
    assert planned.output.splitlines()[0] == f"Plan for {EXAMPLE} (dry run: nothing is changed):"
    assert planned.output.splitlines()[-1] == "Plan: 4 to create, 0 to update, 0 unchanged. Nothing was changed (dry run)."
    applied = runner.invoke(main, ["apply", str(EXAMPLE)], env=server.env)
    assert applied.exit_code == 0, applied.output
    lines = applied.output.splitlines()
    assert "Applied: 4 created, 0 updated, 0 unchanged." in lines
    assert lines[-2] == "New access keys; their secrets are shown this once:"
    assert lines[-1].startswith("  user ci: AWS_ACCESS_KEY_ID=AKIA") and " AWS_SECRET_ACCESS_KEY=" in lines[-1]
    again = runner.invoke(main, ["apply", str(EXAMPLE)], env=server.env)
    assert again.output == "No changes: all 4 resources of the file are as it describes them.\n"


def test_the_endpoint_flag_wins_over_the_variables(server: IdpoolServer) -> None:
    env = {**server.env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_COGNITO_IDENTITY": "http://127.0.0.1:9",
           "AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}
    result = CliRunner().invoke(main, ["export", "--endpoint-url", server.endpoint_url], env=env)
    assert result.exit_code == 0, result.output
    assert read_text(result.output)["source"]["account_id"] == server.account_id


def test_failures_are_one_line_and_status_1(server: IdpoolServer, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nidentity_pools:\n  - name: A\n    allow_unauthenticated_identities: maybe\n")
    result = runner.invoke(main, ["apply", str(bad)], env=server.env)
    assert (result.exit_code, result.output) == (1, f"Error: {bad}: identity_pools[0].allow_unauthenticated_identities: "
                                                    "'maybe' is not of type 'boolean'\n")
    unreachable = {**server.env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    for name in ("AWS_ENDPOINT_URL_COGNITO_IDENTITY", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS"):
        del unreachable[name]
    result = runner.invoke(main, ["export"], env={**unreachable, "AWS_MAX_ATTEMPTS": "1"})
    assert result.exit_code == 1
    assert result.output.startswith("Error: export: who am I (sts get-caller-identity): Could not connect")
    assert len(result.output.splitlines()) == 1
    nowhere = {name: value for name, value in server.env.items() if "REGION" not in name}
    result = runner.invoke(main, ["export"], env={**nowhere, "AWS_REGION": "us-east-1"})
    assert (result.exit_code, result.output) == (1, "Error: export: no AWS region: set AWS_DEFAULT_REGION (botocore "
                                                    "does not read AWS_REGION), name one in the profile, or pass --region\n")
    assert CliRunner().invoke(main, ["export", "--region", "us-east-1"], env=nowhere).exit_code == 0
    wrong = runner.invoke(main, ["apply", str(EXAMPLE)], env={**server.env, "AWS_SECRET_ACCESS_KEY": "not-the-secret"})
    assert wrong.exit_code == 1 and "SignatureDoesNotMatch" in wrong.output and len(wrong.output.splitlines()) == 1


def test_export_import_into_a_data_dir_then_serve_it(servers: Callable[..., IdpoolServer], tmp_path: Path) -> None:
    runner = CliRunner()
    source = servers()
    source.apply(EXAMPLE)
    cognito = source.client("cognito-identity")
    pool_id = cognito.list_identity_pools(MaxResults=60)["IdentityPools"][0]["IdentityPoolId"]
    alice = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.myapp.example": "alice"})["IdentityId"]
    exported = runner.invoke(main, ["export", "--identities"], env=source.env)
    assert exported.exit_code == 0, exported.output
    snapshot = tmp_path / "snapshot.yaml"
    snapshot.write_text(exported.output)

    data = tmp_path / "new"
    imported = runner.invoke(main, ["import", str(snapshot), "--data-dir", str(data)], env={})
    assert imported.exit_code == 0, imported.output
    assert imported.output.splitlines()[-1] == "Imported 5 records; 0 were already there."
    again = runner.invoke(main, ["import", str(snapshot), "--data-dir", str(data)], env={})
    assert again.output.splitlines()[-1] == "Nothing to import: all 5 records of the file are already there."
    memory = runner.invoke(main, ["import", str(snapshot), "--database-url", "memory://"], env={})
    assert memory.exit_code == 1 and "memory:// lives in one process" in memory.output

    target = servers(data_dir=data, database_url=None)
    found = target.client("cognito-identity").get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.myapp.example": "alice"})
    assert found["IdentityId"] == alice


@pytest.fixture
def serve_env() -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    yield {**env, "IDPOOL_ROOT_ACCESS_KEY_ID": ROOT_KEY, "IDPOOL_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET,
           "IDPOOL_LOG_LEVEL": "warning"}


def serve(data: Path, env: dict[str, str], *flags: str) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen([str(BIN), "serve", "--port", "0", "--data-dir", str(data), *flags], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("export AWS_REGION="):
            return process, lines
    process.kill()
    raise AssertionError("\n".join(lines))


@pytest.mark.slow
def test_serve_applies_its_bootstrap_file_before_it_answers(tmp_path: Path, serve_env: dict[str, str]) -> None:
    import boto3

    data = tmp_path / "data"
    process, lines = serve(data, serve_env, "--bootstrap", str(EXAMPLE))
    try:
        assert lines[0] == f"bootstrap {EXAMPLE}:"
        assert "Applied: 4 created, 0 updated, 0 unchanged." in lines
        assert any(line.startswith("  user ci: AWS_ACCESS_KEY_ID=AKIA") for line in lines)
        url = next(line for line in lines if " listening on " in line).rsplit(" ", 1)[-1]
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id=ROOT_KEY,
                           aws_secret_access_key=ROOT_SECRET)
        assert sorted(r["RoleName"] for r in iam.list_roles()["Roles"]) == ["MyApp_Auth_Role", "MyApp_Pro_Role"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    process, lines = serve(data, {**serve_env, "IDPOOL_BOOTSTRAP": str(EXAMPLE)})  # the variable, a second start
    process.terminate()
    process.wait(timeout=30)
    assert "No changes: all 4 resources of the file are as it describes them." in lines


@pytest.mark.slow
def test_serve_refuses_a_bad_bootstrap_file_before_creating_anything(tmp_path: Path, serve_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nroles:\n  - name: R\n")
    data = tmp_path / "data"
    done = subprocess.run([str(BIN), "serve", "--port", "0", "--data-dir", str(data), "--bootstrap", str(bad)],
                          env=serve_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"Error: {bad}: roles[0]: 'trust_policy' is a required property\n"
    assert not data.exists()
