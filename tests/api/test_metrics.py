"""GET /metrics against a server of its own: Prometheus text format, no credentials, and the
figures the calls made through boto3 must show (parsed with prometheus_client's own parser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from idpool.observe.metrics import Metrics
from tests.api.servers import metrics_text, public, quota_file, sample, server_with
from tests.api.support import DEV, new_pool, trust_for
from tests.support import LiveServer, client

QUOTA = """
[[quota]]
operation = "cognito-identity:DescribeIdentityPool"
per = "account"
limit = 2
window = 3600
"""


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with server_with(tmp_path, quotas=quota_file(tmp_path, QUOTA)) as server:
        yield server


def test_metrics_need_no_credentials_and_speak_prometheus_text(live: LiveServer) -> None:
    response = httpx.get(live.url + "/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE idpool_requests_total counter" in response.text
    assert sample(response.text, "idpool_build_info") == 1
    assert sample(response.text, "process_cpu_seconds_total") > 0


def test_calls_are_counted_by_operation_and_outcome(live: LiveServer) -> None:
    cognito = client(live, "cognito-identity")
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    for _ in range(3):
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "alice"})
    with pytest.raises(ClientError):
        cognito.describe_identity(IdentityId="us-east-1:00000000-0000-0000-0000-000000000000")
    with pytest.raises(ClientError):
        client(live, "cognito-identity", secret="wrong" * 8).list_identity_pools(MaxResults=1)
    unknown = httpx.post(live.url + "/", content=b"{}", timeout=30, headers={
        "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityService.GetIdentity"})
    assert unknown.status_code == 400
    text = metrics_text(live)
    assert sample(text, "idpool_requests_total", operation="-", outcome="UnknownOperationException") == 1
    ok = {"service": "cognito-identity", "operation": "GetOpenIdTokenForDeveloperIdentity", "outcome": "Success"}
    assert sample(text, "idpool_requests_total", **ok) == 3
    assert sample(text, "idpool_requests_total", operation="DescribeIdentity", outcome="ResourceNotFoundException") == 1
    assert sample(text, "idpool_requests_total", operation="ListIdentityPools", outcome="InvalidSignatureException") == 1
    latency = {"service": "cognito-identity", "operation": "GetOpenIdTokenForDeveloperIdentity"}
    assert sample(text, "idpool_request_duration_seconds_count", **latency) == 3
    assert sample(text, "idpool_request_duration_seconds_sum", **latency) > 0
    assert sample(text, "idpool_tokens_issued_total", operation="GetOpenIdTokenForDeveloperIdentity") == 3


def test_credentials_throttles_and_the_store_are_measured(live: LiveServer) -> None:
    cognito = client(live, "cognito-identity")
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    client(live, "iam").create_role(RoleName="guests", AssumeRolePolicyDocument=trust_for(pool_id, "unauthenticated"))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id,
                                    Roles={"unauthenticated": "arn:aws:iam::123456789012:role/guests"})
    app = public(live)
    identity_id = app.get_id(IdentityPoolId=pool_id)["IdentityId"]
    app.get_credentials_for_identity(IdentityId=identity_id)
    for _ in range(3):
        try:
            cognito.describe_identity_pool(IdentityPoolId=pool_id)
        except ClientError as refused:
            assert refused.response["Error"]["Code"] == "TooManyRequestsException"
    text = metrics_text(live)
    assert sample(text, "idpool_credentials_issued_total", operation="GetCredentialsForIdentity") == 1
    throttled = sample(text, "idpool_throttled_total", operation="DescribeIdentityPool", per="account")
    assert throttled >= 1  # botocore retried the refused call (its legacy mode: one retry here)
    assert sample(text, "idpool_requests_total", operation="DescribeIdentityPool",
                  outcome="TooManyRequestsException") == throttled
    assert sample(text, "idpool_store_duration_seconds_count", method="create_identity") == 1
    assert sample(text, "idpool_store_duration_seconds_count", method="get_pool") >= 1


def test_the_signing_key_age_is_read_at_scrape_time(live: LiveServer) -> None:
    text = metrics_text(live)
    assert 0 <= sample(text, "idpool_signing_key_age_seconds") < 3600
    assert sample(text, "idpool_signing_keys", state="active") == 1


def test_other_components_add_figures_under_their_own_prefix(live: LiveServer) -> None:
    """The registry API the gateway uses (Metrics.component)."""
    metrics: Metrics = live.services.observer.metrics
    forwarded = metrics.component("gateway").counter("requests_total", "Requests forwarded upstream", ["upstream"])
    forwarded.labels("orders").inc(2)
    waited = metrics.component("gateway").histogram("upstream_seconds", "Upstream time")
    waited.observe(0.2)
    text = metrics_text(live)
    assert sample(text, "idpool_gateway_requests_total", upstream="orders") == 2
    assert sample(text, "idpool_gateway_upstream_seconds_count") == 1
