"""idpool.credentials against a real server: the enhanced, basic and guest flows, refresh
in botocore's windows (the client's clock jumps; nothing sleeps), one refresh for many
threads, the identity id and token kept, and AWS's endpoints when none is configured."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError

from idpool.credentials import CognitoIdentityCredentials, IdentityToken, identity_token, token_expiry
from idpool.developer import DeveloperIdentities
from tests.api.support import ACCOUNT, DEV
from tests.libs.support import App, Backend, JumpClock, count_calls, new_app, root_session
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client


@pytest.fixture(scope="module")
def app(live: LiveServer) -> App:
    return new_app(live)


def caller(creds: CognitoIdentityCredentials) -> str:
    return str(creds.session().client("sts", endpoint_url=creds.sts_client.meta.endpoint_url)
               .get_caller_identity()["Arn"])


def test_enhanced_flow_signs_as_the_authenticated_role(live: LiveServer, app: App,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    backend = Backend(live, app.pool_id, "alice")
    creds = CognitoIdentityCredentials(token_supplier=backend, region_name="us-east-1", endpoint_url=live.url)
    assert creds.identity_id is None and backend.calls == 0  # nothing fetched before use
    # ambient keys in the environment never win over the identity's credentials
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROOT_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
    assert caller(creds) == f"arn:aws:sts::{ACCOUNT}:assumed-role/{app.auth_role}/CognitoIdentityCredentials"
    expected = client(live, "cognito-identity").lookup_developer_identity(
        IdentityPoolId=app.pool_id, DeveloperUserIdentifier="alice")["IdentityId"]
    assert creds.identity_id == expected
    own = creds.session().client("cognito-identity", endpoint_url=live.url)
    assert own.describe_identity_pool(IdentityPoolId=app.pool_id)["DeveloperProviderName"] == DEV
    with pytest.raises(ClientError) as denied:
        own.list_identity_pools(MaxResults=5)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert backend.calls == 1  # one token served every call above


def test_refresh_in_the_advisory_window_asks_for_a_new_token_when_the_old_one_expired(
        live: LiveServer, app: App) -> None:
    backend, clock = Backend(live, app.pool_id, "bob", duration=900), JumpClock()
    creds = CognitoIdentityCredentials(token_supplier=backend, region_name="us-east-1", endpoint_url=live.url, clock=clock)
    fetches = count_calls(creds.cognito_client, "GetCredentialsForIdentity")
    clock.settle_on(creds.cognito_client, "after-call.cognito-identity.GetCredentialsForIdentity")
    first = creds.credentials.get_frozen_credentials()
    assert creds.credentials.get_frozen_credentials() == first and fetches == [1]
    clock.forward(minutes=46)  # 14 minutes left: botocore's advisory window (15 minutes)
    second = creds.credentials.get_frozen_credentials()
    assert second.access_key != first.access_key and fetches == [2]
    assert backend.calls == 2  # the 15-minute token had expired by then
    assert creds.credentials.get_frozen_credentials() == second and fetches == [2]
    assert caller(creds).endswith(f"/{app.auth_role}/CognitoIdentityCredentials")  # the new ones work


def test_a_valid_token_is_reused_across_refreshes(live: LiveServer, app: App) -> None:
    backend, clock = Backend(live, app.pool_id, "carol", duration=86_400), JumpClock()
    creds = CognitoIdentityCredentials(token_supplier=backend, region_name="us-east-1", endpoint_url=live.url, clock=clock)
    fetches = count_calls(creds.cognito_client, "GetCredentialsForIdentity")
    clock.settle_on(creds.cognito_client, "after-call.cognito-identity.GetCredentialsForIdentity")
    first = creds.credentials.get_frozen_credentials()
    clock.forward(minutes=55)  # mandatory window (10 minutes)
    assert creds.credentials.get_frozen_credentials().access_key != first.access_key
    assert fetches == [2] and backend.calls == 1


def test_many_threads_sharing_one_credentials_object_refresh_once(live: LiveServer, app: App) -> None:
    backend, clock = Backend(live, app.pool_id, "dave"), JumpClock()
    creds = CognitoIdentityCredentials(token_supplier=backend, region_name="us-east-1", endpoint_url=live.url, clock=clock)
    fetches = count_calls(creds.cognito_client, "GetCredentialsForIdentity")
    clock.settle_on(creds.cognito_client, "after-call.cognito-identity.GetCredentialsForIdentity")
    first = creds.credentials.get_frozen_credentials()
    clock.forward(minutes=51)  # 9 minutes left: every caller must wait for new credentials
    threads, start = 16, threading.Barrier(16)
    seen: list[str] = []

    def use() -> None:
        start.wait()
        seen.append(creds.credentials.get_frozen_credentials().access_key)

    workers = [threading.Thread(target=use) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert len(seen) == threads and len(set(seen)) == 1 and seen[0] != first.access_key
    assert fetches == [2] and backend.calls == 2


def test_a_refused_cached_token_is_replaced_once_from_the_supplier(live: LiveServer, app: App) -> None:
    """The user was unlinked (their tokens stop working at once): the backend's next token
    is for the user's new identity, which the credentials adopt."""
    backend, clock = Backend(live, app.pool_id, "erin", duration=86_400), JumpClock()
    creds = CognitoIdentityCredentials(token_supplier=backend, region_name="us-east-1", endpoint_url=live.url, clock=clock)
    clock.settle_on(creds.cognito_client, "after-call.cognito-identity.GetCredentialsForIdentity")
    creds.credentials.get_frozen_credentials()
    old_identity = creds.identity_id
    assert old_identity is not None
    client(live, "cognito-identity").unlink_developer_identity(
        IdentityId=old_identity, IdentityPoolId=app.pool_id, DeveloperProviderName=DEV, DeveloperUserIdentifier="erin")
    clock.forward(minutes=55)
    creds.credentials.get_frozen_credentials()
    assert backend.calls == 2 and creds.identity_id not in (None, old_identity)


def test_a_given_token_without_a_supplier_is_used_as_is(live: LiveServer, app: App) -> None:
    issued = Backend(live, app.pool_id, "frank")()
    creds = CognitoIdentityCredentials(identity_id=issued["IdentityId"], token=issued["Token"], endpoint_url=live.url)
    assert caller(creds).endswith(f"/{app.auth_role}/CognitoIdentityCredentials")


def test_custom_role_arn_is_sent_and_a_refusal_reaches_the_caller(live: LiveServer, app: App) -> None:
    """No role mapping of this pool allows another role: the service's own error comes back
    as boto3 raises it, after one fresh token was tried."""
    backend = Backend(live, app.pool_id, "gina")
    creds = CognitoIdentityCredentials(token_supplier=backend, custom_role_arn=app.role_arn(app.guest_role),
                                       region_name="us-east-1", endpoint_url=live.url)
    with pytest.raises(ClientError) as refused:
        creds.credentials.get_frozen_credentials()
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert "CustomRoleArn" in refused.value.response["Error"]["Message"]
    assert backend.calls == 1  # the token was fresh: asking again would not help


def test_basic_flow_assumes_the_role_with_the_token(live: LiveServer, app: App) -> None:
    backend = Backend(live, app.pool_id, "grace")
    creds = CognitoIdentityCredentials(token_supplier=backend, region_name="us-east-1", role_arn=app.role_arn(app.auth_role),
                                       duration_seconds=3600, endpoint_url=live.url)
    calls = count_calls(creds.sts_client, "AssumeRoleWithWebIdentity")
    assert caller(creds) == f"arn:aws:sts::{ACCOUNT}:assumed-role/{app.auth_role}/web-identity"
    assert calls == [1] and creds.identity_id == backend()["IdentityId"]


def test_guest_enhanced_flow_keeps_its_identity_across_refreshes(live: LiveServer, app: App) -> None:
    clock = JumpClock()
    creds = CognitoIdentityCredentials(identity_pool_id=app.pool_id, endpoint_url=live.url, clock=clock)
    get_id = count_calls(creds.cognito_client, "GetId")
    clock.settle_on(creds.cognito_client, "after-call.cognito-identity.GetCredentialsForIdentity")
    assert caller(creds) == f"arn:aws:sts::{ACCOUNT}:assumed-role/{app.guest_role}/CognitoIdentityCredentials"
    guest = creds.identity_id
    clock.forward(minutes=55)
    creds.credentials.get_frozen_credentials()
    assert get_id == [1] and creds.identity_id == guest and guest is not None


def test_guest_basic_flow_gets_a_token_then_assumes_the_guest_role(live: LiveServer, app: App) -> None:
    creds = CognitoIdentityCredentials(identity_pool_id=app.pool_id, role_arn=app.role_arn(app.guest_role),
                                       role_session_name="kiosk", endpoint_url=live.url)
    tokens = count_calls(creds.cognito_client, "GetOpenIdToken")
    assert caller(creds) == f"arn:aws:sts::{ACCOUNT}:assumed-role/{app.guest_role}/kiosk"
    assert tokens == [1]


def test_a_guest_whose_cached_identity_is_gone_gets_a_new_one(live: LiveServer, app: App) -> None:
    clock = JumpClock()
    creds = CognitoIdentityCredentials(identity_pool_id=app.pool_id, endpoint_url=live.url, clock=clock)
    clock.settle_on(creds.cognito_client, "after-call.cognito-identity.GetCredentialsForIdentity")
    creds.credentials.get_frozen_credentials()
    gone = creds.identity_id
    client(live, "cognito-identity").delete_identities(IdentityIdsToDelete=[gone])
    clock.forward(minutes=55)
    creds.credentials.get_frozen_credentials()
    assert creds.identity_id not in (None, gone)


def test_the_endpoint_settings_boto3_reads_are_honoured(live: LiveServer, app: App,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", live.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", live.url)
    creds = CognitoIdentityCredentials(identity_pool_id=app.pool_id)
    assert creds.cognito_client.meta.endpoint_url == live.url
    assert creds.session().client("sts").get_caller_identity()["Arn"].endswith("/CognitoIdentityCredentials")


def test_without_an_endpoint_the_clients_are_aws_own() -> None:
    """Nothing is called: the clients are only built, for the pool's region."""
    creds = CognitoIdentityCredentials(identity_pool_id="eu-west-1:0d3a3a1e-0000-4000-8000-000000000000")
    assert creds.region_name == "eu-west-1"
    assert creds.cognito_client.meta.endpoint_url == "https://cognito-identity.eu-west-1.amazonaws.com"
    assert creds.sts_client.meta.endpoint_url == "https://sts.eu-west-1.amazonaws.com"
    session = creds.session()
    assert session.region_name == "eu-west-1"
    assert session.client("s3").meta.endpoint_url == "https://s3.eu-west-1.amazonaws.com"


def test_mistakes_are_named_before_any_call() -> None:
    pool = "us-east-1:0d3a3a1e-0000-4000-8000-000000000000"
    with pytest.raises(ValueError, match="say whose credentials"):
        CognitoIdentityCredentials(region_name="us-east-1")
    with pytest.raises(ValueError, match="lives in us-east-1 but region_name is eu-west-1"):
        CognitoIdentityCredentials(identity_pool_id=pool, region_name="eu-west-1")
    with pytest.raises(ValueError, match="identity_id it was issued for"):
        CognitoIdentityCredentials(token="t", region_name="us-east-1")
    with pytest.raises(ValueError, match="basic flow only"):
        CognitoIdentityCredentials(identity_pool_id=pool, duration_seconds=900)
    with pytest.raises(ValueError, match="the basic flow assumes role_arn"):
        CognitoIdentityCredentials(identity_pool_id=pool, role_arn="arn:aws:iam::1:role/a", custom_role_arn="b")
    with pytest.raises(ValueError, match="no region"):
        CognitoIdentityCredentials(token_supplier=lambda: ("a", "b"))


def test_a_supplier_may_answer_in_the_shapes_backends_use(live: LiveServer, app: App) -> None:
    kit = DeveloperIdentities(app.pool_id, DEV, endpoint_url=live.url, session=root_session())
    grant = kit.token_for("heidi")
    expected = IdentityToken(grant.identity_id, grant.token)
    for shape in (grant, grant.as_json(), {"IdentityId": grant.identity_id, "Token": grant.token},
                  (grant.identity_id, grant.token), expected):
        assert identity_token(shape) == expected
    for wrong in ({"identityId": grant.identity_id}, "token", (grant.identity_id, 5)):
        with pytest.raises(TypeError, match="the token supplier must return"):
            identity_token(wrong)
    creds = CognitoIdentityCredentials(token_supplier=lambda: "not a token", region_name="us-east-1", endpoint_url=live.url)
    with pytest.raises(TypeError, match="the token supplier must return"):
        creds.credentials.get_frozen_credentials()


def test_token_expiry_reads_exp_and_nothing_else(live: LiveServer, app: App) -> None:
    grant = DeveloperIdentities(app.pool_id, DEV, endpoint_url=live.url, session=root_session()).token_for(
        "ivan", duration_seconds=600)
    expiry = token_expiry(grant.token)
    assert expiry is not None and abs((expiry - grant.expires_at).total_seconds()) <= 2
    for junk in ("", "a.b.c", "a.eyJleHAiOiAieCJ9.c", "a.eyJleHAiOiB0cnVlfQ.c"):  # exp missing, "x", true
        assert token_expiry(junk) is None
