"""Request-rate quotas, through boto3 and raw HTTP against servers of their own: over a quota
Cognito answers TooManyRequestsException and STS and IAM Throttling (HTTP 400, "Rate
exceeded"), which botocore retries; unsigned calls count per source address, signed calls
per account; behind a trusted proxy the source is the client X-Forwarded-For names, never a
header an untrusted peer sends. Every quota window is frozen (``servers.FROZEN``), so a burst
of N+1 calls always lands in one window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from idpool.quotas.rules import ABUSE_PROTECTION
from tests.api.servers import (
    cognito_call,
    metrics_text,
    public,
    quota_file,
    sample,
    server_with,
    signed_cognito_call,
)
from tests.api.support import allow, new_pool, trust_for
from tests.support import LiveServer, client

SMALL = """
[[quota]]
operation = "cognito-identity:GetId"
per = "source"
limit = 3
window = 3600

[[quota]]
operation = "cognito-identity:ListIdentityPools"
per = "account"
limit = 2
window = 3600

[[quota]]
operation = "iam:*"
per = "account"
limit = 4
window = 3600

[[quota]]
operation = "sts:AssumeRoleWithWebIdentity"
per = "source"
limit = 1
window = 3600
"""


@pytest.fixture
def small(tmp_path: Path) -> Any:
    with server_with(tmp_path, quotas=quota_file(tmp_path, SMALL)) as live:
        yield live


def guest_pool(live: LiveServer) -> str:
    return str(new_pool(client(live, "cognito-identity"), AllowUnauthenticatedIdentities=True,
                        AllowClassicFlow=True)["IdentityPoolId"])


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        call()
    return dict(refused.value.response["Error"]) | {"status": refused.value.response["ResponseMetadata"]["HTTPStatusCode"]}


@pytest.mark.catalogue("R01")
def test_unsigned_get_id_over_its_source_quota_is_too_many_requests(small: LiveServer) -> None:
    pool_id = guest_pool(small)
    app = public(small)
    made = [app.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(3)]
    refused = error_of(lambda: app.get_id(IdentityPoolId=pool_id))
    assert (refused["Code"], refused["Message"], refused["status"]) == ("TooManyRequestsException", "Rate exceeded", 400)
    listed = client(small, "cognito-identity").list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]
    assert sorted(i["IdentityId"] for i in listed) == sorted(made)  # the refused call created nothing


def test_signed_calls_do_not_count_against_source_quotas(small: LiveServer) -> None:
    pool_id = guest_pool(small)
    for _ in range(5):
        assert signed_cognito_call(small, "GetId", {"IdentityPoolId": pool_id}).status_code == 200
    public(small).get_id(IdentityPoolId=pool_id)  # the unsigned counter is untouched


def test_signed_calls_count_per_account(small: LiveServer) -> None:
    cognito = client(small, "cognito-identity")
    for _ in range(2):
        cognito.list_identity_pools(MaxResults=10)
    refused = error_of(lambda: cognito.list_identity_pools(MaxResults=10))
    assert (refused["Code"], refused["status"]) == ("TooManyRequestsException", 400)
    cognito.describe_identity_pool(IdentityPoolId=guest_pool(small))  # other operations are not limited


def test_iam_and_sts_answer_throttling_in_their_xml(small: LiveServer) -> None:
    iam = client(small, "iam")
    for _ in range(4):
        iam.list_roles()
    refused = error_of(lambda: iam.get_user(UserName="nobody"))  # "iam:*": one counter for every operation
    assert (refused["Code"], refused["Message"], refused["status"]) == ("Throttling", "Rate exceeded", 400)
    assert refused["Type"] == "Sender"
    sts = client(small, "sts")
    sts.get_caller_identity()  # STS has no quota here but AssumeRoleWithWebIdentity's
    body = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/r",
            "RoleSessionName": "session", "WebIdentityToken": "not-a-token"}
    first = httpx.post(small.url + "/", data=body, timeout=30)
    second = httpx.post(small.url + "/", data=body, timeout=30)
    assert first.status_code == 400 and "<Code>InvalidIdentityToken</Code>" in first.text
    assert second.status_code == 400 and "<Code>Throttling</Code>" in second.text
    assert "<Message>Rate exceeded</Message>" in second.text


def test_botocore_retries_throttling_before_giving_up(small: LiveServer) -> None:
    pool_id = guest_pool(small)
    for _ in range(3):
        public(small).get_id(IdentityPoolId=pool_id)
    with pytest.raises(ClientError) as refused:
        public(small, retries=3).get_id(IdentityPoolId=pool_id)
    assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert refused.value.response["ResponseMetadata"]["RetryAttempts"] == 2  # a retryable throttling error


@pytest.mark.catalogue("R01")
def test_the_default_protects_public_operations_per_source(tmp_path: Path) -> None:
    limit = next(q.limit for q in ABUSE_PROTECTION if q.operation == "GetId")
    with server_with(tmp_path, quotas="default") as live:
        pool_id = guest_pool(live)
        for _ in range(limit):
            public(live).get_id(IdentityPoolId=pool_id)
        assert error_of(lambda: public(live).get_id(IdentityPoolId=pool_id))["Code"] == "TooManyRequestsException"
        for _ in range(limit + 1):  # signed calls have no default quota
            assert signed_cognito_call(live, "GetId", {"IdentityPoolId": pool_id}).status_code == 200
        assert sample(metrics_text(live), "idpool_throttled_total", operation="GetId", per="source") == 1


def test_aws_quotas_limit_list_identities_to_five_per_second(tmp_path: Path) -> None:
    with server_with(tmp_path, quotas="aws") as live:
        pool_id = guest_pool(live)
        cognito = client(live, "cognito-identity")
        for _ in range(5):
            cognito.list_identities(IdentityPoolId=pool_id, MaxResults=1)
        assert error_of(lambda: cognito.list_identities(IdentityPoolId=pool_id, MaxResults=1))["Code"] == (
            "TooManyRequestsException")


def test_windows_end(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    with server_with(tmp_path, rate_clock=lambda: now[0], quotas=quota_file(tmp_path, SMALL)) as live:
        pool_id = guest_pool(live)
        for _ in range(3):
            public(live).get_id(IdentityPoolId=pool_id)
        assert error_of(lambda: public(live).get_id(IdentityPoolId=pool_id))["Code"] == "TooManyRequestsException"
        now[0] += 3600  # the next window
        public(live).get_id(IdentityPoolId=pool_id)


# --- the source address behind proxies ----------------------------------------------------------------
def get_id_from(live: LiveServer, pool_id: str, forwarded: str | None = None) -> int:
    headers = {"X_Forwarded_For": forwarded} if forwarded is not None else {}
    return cognito_call(live, "GetId", {"IdentityPoolId": pool_id}, **headers).status_code


@pytest.mark.catalogue("R01")
def test_behind_a_trusted_proxy_each_client_has_its_own_count(tmp_path: Path) -> None:
    with server_with(tmp_path, quotas=quota_file(tmp_path, SMALL), trusted_proxies="127.0.0.0/8") as live:
        pool_id = guest_pool(live)
        assert [get_id_from(live, pool_id, "203.0.113.1") for _ in range(4)] == [200, 200, 200, 400]
        # the client may put anything left of the address the proxy appended: the right-most
        # untrusted address is the client, here 203.0.113.1 again
        assert get_id_from(live, pool_id, "198.51.100.9, 203.0.113.1") == 400
        assert get_id_from(live, pool_id, "203.0.113.2") == 200
        assert get_id_from(live, pool_id, "203.0.113.2, 10.0.0.5, 127.0.0.1") == 200  # 127.0.0.1: a trusted hop


@pytest.mark.catalogue("R01")
def test_forwarded_headers_are_ignored_from_untrusted_peers(tmp_path: Path) -> None:
    with server_with(tmp_path, quotas=quota_file(tmp_path, SMALL)) as live:  # no trusted proxies
        pool_id = guest_pool(live)
        statuses = [get_id_from(live, pool_id, f"203.0.113.{i}") for i in range(4)]
        assert statuses == [200, 200, 200, 400]  # one client, 127.0.0.1, whatever it claims


def test_aws_source_ip_in_policies_sees_the_forwarded_client(tmp_path: Path) -> None:
    with server_with(tmp_path, trusted_proxies="127.0.0.1") as live:
        iam = client(live, "iam")
        iam.create_user(UserName="office")
        iam.put_user_policy(UserName="office", PolicyName="from-the-office", PolicyDocument=allow(
            ["cognito-identity:ListIdentityPools"], "*",
            Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))
        key = iam.create_access_key(UserName="office")["AccessKey"]
        office = client(live, "cognito-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        forwarded = ["198.51.100.1"]

        def add_forwarded(request: Any, **_: Any) -> None:
            request.headers["X-Forwarded-For"] = forwarded[0]

        office.meta.events.register("before-send.cognito-identity.*", add_forwarded)
        assert error_of(lambda: office.list_identity_pools(MaxResults=1))["Code"] == "AccessDeniedException"
        forwarded[0] = "203.0.113.7"
        office.list_identity_pools(MaxResults=1)


# --- guests -------------------------------------------------------------------------------------------
@pytest.mark.catalogue("R01")
def test_a_pool_takes_guests_up_to_the_cap(tmp_path: Path) -> None:
    with server_with(tmp_path, max_guests_per_pool=2) as live:
        pool_id = guest_pool(live)
        app = public(live)
        first = app.get_id(IdentityPoolId=pool_id)["IdentityId"]
        app.get_id(IdentityPoolId=pool_id)
        refused = error_of(lambda: app.get_id(IdentityPoolId=pool_id))
        assert (refused["Code"], refused["status"]) == ("LimitExceededException", 400)
        assert "limit of 2" in refused["Message"]
        client(live, "cognito-identity").delete_identities(IdentityIdsToDelete=[first])
        app.get_id(IdentityPoolId=pool_id)  # room again
        other = guest_pool(live)  # the cap is per pool
        app.get_id(IdentityPoolId=other)


@pytest.mark.catalogue("R01")
def test_unused_guests_are_deleted_after_the_period_used_ones_stay(tmp_path: Path) -> None:
    import datetime as dt

    from idpool.clock import FixedClock
    from idpool.identity_pools.guests import GuestCleanup

    with server_with(tmp_path) as live:
        pool_id = guest_pool(live)
        app = public(live)
        unused, token_user, credentials_user = (app.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(3))
        app.get_open_id_token(IdentityId=token_user)
        roles = guest_role(live, pool_id)
        client(live, "cognito-identity").set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles)
        app.get_credentials_for_identity(IdentityId=credentials_user)
        cognito = client(live, "cognito-identity")
        later = FixedClock(dt.datetime.now(dt.UTC) + dt.timedelta(days=91))
        assert GuestCleanup(live.services.store, FixedClock(), 90).run() == 0  # nothing is 90 days old yet
        assert GuestCleanup(live.services.store, later, 90).run() == 1
        assert error_of(lambda: cognito.describe_identity(IdentityId=unused))["Code"] == "ResourceNotFoundException"
        for kept in (token_user, credentials_user):
            assert cognito.describe_identity(IdentityId=kept)["IdentityId"] == kept


def guest_role(live: LiveServer, pool_id: str) -> dict[str, str]:
    iam = client(live, "iam")
    iam.create_role(RoleName="guests", AssumeRolePolicyDocument=trust_for(pool_id, "unauthenticated"))
    return {"unauthenticated": "arn:aws:iam::123456789012:role/guests"}


# --- counters that cannot be reached ------------------------------------------------------------------
def test_calls_go_through_when_the_counters_are_unreachable(tmp_path: Path) -> None:
    with server_with(tmp_path, quotas=quota_file(tmp_path, SMALL), redis_url="redis://127.0.0.1:9/0") as live:
        pool_id = guest_pool(live)
        for _ in range(5):  # over the limit of 3, but nothing can count: let through
            public(live).get_id(IdentityPoolId=pool_id)
        assert sample(metrics_text(live), "idpool_quota_counter_errors_total") >= 5
