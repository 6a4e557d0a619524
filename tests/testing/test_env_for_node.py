"""``.env`` is all a Node process with the AWS SDK for JavaScript v3 needs to reach the server."""

from __future__ import annotations

import pytest

from idpool.testing import server
from tests.sdk.node import run_node


@pytest.mark.slow
def test_the_js_sdk_finds_the_server_from_the_environment_alone() -> None:
    with server(database_url="memory://", account_id="123456789012") as idp:
        assert run_node("caller.mjs", {}, env=idp.env) == {"arn": "arn:aws:iam::123456789012:root"}
