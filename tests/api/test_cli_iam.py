"""The AWS CLI against idpool for the IAM and STS flows of issue #12: a managed policy created
from a file, attached, read back and simulated; a session token used and refused by IAM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.api.support import allow, name, trust_for
from tests.support import ROOT_KEY, ROOT_SECRET

pytestmark = pytest.mark.slow

AWS = Path(sys.executable).parent / "aws"


def aws(live: Any, tmp_path: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> Any:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(AWS_ENDPOINT_URL=live.url, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
                AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_CONFIG_FILE=str(tmp_path / "none"),
                AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    base.update(env or {})
    run = subprocess.run([str(AWS), *args, "--output", "json"], env=base, capture_output=True, text=True,
                         timeout=120, check=False)
    if check:
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout) if run.stdout.strip() else {}
    return run


def test_managed_policy_flow_with_the_cli(live: Any, tmp_path: Path) -> None:
    role_name, policy_name = name("CliRole"), name("CliPolicy")
    (tmp_path / "trust.json").write_text(trust_for("us-east-1:11111111-2222-3333-4444-555555555555"))
    (tmp_path / "policy.json").write_text(allow(["cognito-identity:Describe*"]))
    aws(live, tmp_path, "iam", "create-role", "--role-name", role_name,
        "--assume-role-policy-document", f"file://{tmp_path / 'trust.json'}")
    arn = aws(live, tmp_path, "iam", "create-policy", "--policy-name", policy_name,
              "--policy-document", f"file://{tmp_path / 'policy.json'}")["Policy"]["Arn"]
    aws(live, tmp_path, "iam", "attach-role-policy", "--role-name", role_name, "--policy-arn", arn)
    attached = aws(live, tmp_path, "iam", "list-attached-role-policies", "--role-name", role_name)
    assert attached["AttachedPolicies"] == [{"PolicyName": policy_name, "PolicyArn": arn}]
    version = aws(live, tmp_path, "iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1")
    assert version["PolicyVersion"]["Document"]["Statement"][0]["Action"] == ["cognito-identity:Describe*"]
    role_arn = aws(live, tmp_path, "iam", "get-role", "--role-name", role_name)["Role"]["Arn"]
    decision = aws(live, tmp_path, "iam", "simulate-principal-policy", "--policy-source-arn", role_arn,
                   "--action-names", "cognito-identity:DescribeIdentityPool", "iam:CreateUser",
                   "--query", "EvaluationResults[].EvalDecision")
    assert decision == ["allowed", "implicitDeny"]
    refused = aws(live, tmp_path, "iam", "delete-policy", "--policy-arn", arn, check=False)
    assert refused.returncode != 0 and "(DeleteConflict)" in refused.stderr
    assert "Cannot delete a policy attached to entities." in refused.stderr


def test_session_token_with_the_cli(live: Any, tmp_path: Path) -> None:
    creds = aws(live, tmp_path, "sts", "get-session-token", "--duration-seconds", "900")["Credentials"]
    session = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
               "AWS_SESSION_TOKEN": creds["SessionToken"]}
    me = aws(live, tmp_path, "sts", "get-caller-identity", env=session)
    assert me["Arn"].endswith(":root")
    refused = aws(live, tmp_path, "iam", "list-users", env=session, check=False)
    assert refused.returncode != 0 and "(InvalidClientTokenId)" in refused.stderr
    info = aws(live, tmp_path, "sts", "get-access-key-info", "--access-key-id", ROOT_KEY)
    assert info["Account"] == "123456789012"
