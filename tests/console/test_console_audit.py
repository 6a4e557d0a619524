"""A console action is an API call for the audit log and the metrics too: creating a pool in
the console leaves the same audit event as CreateIdentityPool over the wire, and a refused
action is recorded as denied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.api.servers import metrics_text, sample, server_with
from tests.api.support import name
from tests.console.support import ConsoleUser, create_pool
from tests.support import client


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_console_changes_and_refusals_reach_the_audit_log_and_metrics(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    with server_with(tmp_path, audit_log=str(log)) as live:
        root = ConsoleUser(live)
        root.sign_in()
        pool_id = create_pool(root, "AuditedApp")
        created = [e for e in events(log) if e["eventName"] == "CreateIdentityPool"]
        assert len(created) == 1 and created[0]["userIdentity"]["type"] == "Root"
        assert created[0]["userAgent"] == "idpool-console"
        assert pool_id in json.dumps(created[0])

        iam = client(live, "iam")  # a user allowed nothing: the console refuses and records it
        user = name("nobody")
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        limited = ConsoleUser(live)
        limited.sign_in(key["AccessKeyId"], key["SecretAccessKey"])
        limited.open("/console/pools")
        denied = [e for e in events(log) if e.get("errorCode") in ("AccessDenied", "AccessDeniedException")]
        assert denied and denied[-1]["userIdentity"]["arn"].endswith(f":user/{user}")
        assert sample(metrics_text(live), "idpool_requests_total", service="cognito-identity",
                      operation="CreateIdentityPool", outcome="Success") == 1
        root.close()
        limited.close()
