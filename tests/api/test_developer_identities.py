"""Developer authenticated identities: step 2 of the seed, as a backend would call it."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError

from tests.api.support import DEV, claims_of, code, new_pool


@pytest.fixture
def pool_id(cognito: Any) -> str:
    return str(new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"])


def test_same_user_gets_the_same_identity_and_a_fresh_token(cognito: Any, pool_id: str, live: Any) -> None:
    first = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "alice"})
    again = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "alice"})
    assert first["IdentityId"] == again["IdentityId"]
    assert first["IdentityId"].startswith("us-east-1:")
    header, claims = claims_of(first["Token"])
    assert header["alg"] == "RS512" and header["typ"] == "JWS" and header["kid"]
    assert claims["sub"] == first["IdentityId"] and claims["aud"] == pool_id
    assert claims["amr"] == ["authenticated", DEV, f"{DEV}:{pool_id}:alice"]
    assert claims["iss"] == live.url
    assert claims["exp"] - claims["iat"] == 900
    assert claims["https://cognito-identity.amazonaws.com/identity-pool-arn"] == (
        f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}")
    bob = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "bob"})
    assert bob["IdentityId"] != first["IdentityId"]


def test_token_verifies_against_the_published_jwks(cognito: Any, pool_id: str, live: Any) -> None:
    token = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEV: "carol"}, TokenDuration=300, PrincipalTags={"dept": "eng"})["Token"]
    discovery = httpx.get(f"{live.url}/.well-known/openid-configuration", timeout=5).json()
    assert discovery["issuer"] == live.url
    jwks_client = jwt.PyJWKClient(discovery["jwks_uri"])
    key = jwks_client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS512"], audience=pool_id, issuer=live.url)
    assert claims["exp"] - claims["iat"] == 300
    assert claims["https://aws.amazon.com/tags"] == {"principal_tags": {"dept": ["eng"]}}


def test_token_duration_limits(cognito: Any, pool_id: str) -> None:
    token = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEV: "dana"}, TokenDuration=86400)["Token"]
    _, claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 86400
    with pytest.raises(ClientError) as exc:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "dana"},
                                                         TokenDuration=86401)
    assert code(exc) == "ValidationException"


@pytest.mark.catalogue("D05")
def test_only_the_pools_developer_provider(cognito: Any, pool_id: str) -> None:
    with pytest.raises(ClientError) as exc:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"other.dev": "eve"})
    assert code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={f"p{i}": "x" for i in range(11)})
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="eve")
    assert code(exc) == "ResourceNotFoundException"


@pytest.mark.catalogue("D02")
def test_link_a_second_login_and_look_it_up_both_ways(cognito: Any, pool_id: str) -> None:
    identity_id = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEV: "alice"})["IdentityId"]
    linked = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, IdentityId=identity_id, Logins={DEV: "alice@work"})
    assert linked["IdentityId"] == identity_id
    by_user = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="alice@work")
    assert by_user["IdentityId"] == identity_id
    assert sorted(by_user["DeveloperUserIdentifierList"]) == ["alice", "alice@work"]
    by_id = cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id)
    assert sorted(by_id["DeveloperUserIdentifierList"]) == ["alice", "alice@work"]
    both = cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id,
                                             DeveloperUserIdentifier="alice")
    assert both["IdentityId"] == identity_id
    other = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "zed"})
    with pytest.raises(ClientError) as exc:
        cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=other["IdentityId"],
                                          DeveloperUserIdentifier="alice")
    assert code(exc) == "ResourceConflictException"
    described = cognito.describe_identity(IdentityId=identity_id)
    assert described["Logins"] == [DEV]


def test_lookup_pages_over_the_identifier_list(cognito: Any, pool_id: str) -> None:
    identity_id = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEV: "u00"})["IdentityId"]
    for i in range(1, 12):
        cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, IdentityId=identity_id, Logins={DEV: f"u{i:02d}"})
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"IdentityPoolId": pool_id, "IdentityId": identity_id, "MaxResults": 5}
        if token:
            kwargs["NextToken"] = token
        page = cognito.lookup_developer_identity(**kwargs)
        assert len(page["DeveloperUserIdentifierList"]) <= 5
        seen += page["DeveloperUserIdentifierList"]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"u{i:02d}" for i in range(12)]


@pytest.mark.catalogue("D01")
def test_user_already_registered_elsewhere_changes_nothing(cognito: Any, pool_id: str) -> None:
    a = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "ann"})["IdentityId"]
    b = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "ben"})["IdentityId"]
    with pytest.raises(ClientError) as exc:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, IdentityId=b, Logins={DEV: "ann"})
    assert code(exc) == "DeveloperUserAlreadyRegisteredException"
    assert cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=a)["DeveloperUserIdentifierList"] == ["ann"]
    assert cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=b)["DeveloperUserIdentifierList"] == ["ben"]


def test_guest_identity_becomes_authenticated_by_linking(cognito: Any, public_cognito: Any, pool_id: str) -> None:
    guest = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    linked = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, IdentityId=guest, Logins={DEV: "gail"})
    assert linked["IdentityId"] == guest
    _, claims = claims_of(linked["Token"])
    assert claims["amr"][0] == "authenticated"
    with pytest.raises(ClientError) as exc:  # no guest token for an authenticated identity any more
        public_cognito.get_open_id_token(IdentityId=guest)
    assert code(exc) == "NotAuthorizedException"


@pytest.mark.catalogue("D04")
def test_merge_moves_logins_and_disables_the_source(cognito: Any, pool_id: str) -> None:
    src = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "m-src"})["IdentityId"]
    dst = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "m-dst"})["IdentityId"]
    merged = cognito.merge_developer_identities(SourceUserIdentifier="m-src", DestinationUserIdentifier="m-dst",
                                                DeveloperProviderName=DEV, IdentityPoolId=pool_id)
    assert merged["IdentityId"] == dst
    again = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "m-src"})
    assert again["IdentityId"] == dst
    all_ids = {i["IdentityId"] for i in cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]}
    visible = {i["IdentityId"] for i in cognito.list_identities(
        IdentityPoolId=pool_id, MaxResults=60, HideDisabled=True)["Identities"]}
    assert src in all_ids and src not in visible and dst in visible
    with pytest.raises(ClientError) as exc:
        cognito.merge_developer_identities(SourceUserIdentifier="nobody", DestinationUserIdentifier="m-dst",
                                           DeveloperProviderName=DEV, IdentityPoolId=pool_id)
    assert code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        cognito.merge_developer_identities(SourceUserIdentifier="m-src", DestinationUserIdentifier="m-dst",
                                           DeveloperProviderName="wrong.dev", IdentityPoolId=pool_id)
    assert code(exc) == "InvalidParameterException"


def test_unlink_makes_the_user_new_next_time(cognito: Any, pool_id: str) -> None:
    first = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "uma"})["IdentityId"]
    cognito.unlink_developer_identity(IdentityId=first, IdentityPoolId=pool_id, DeveloperProviderName=DEV,
                                      DeveloperUserIdentifier="uma")
    second = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "uma"})["IdentityId"]
    assert second != first
    with pytest.raises(ClientError) as exc:
        cognito.unlink_developer_identity(IdentityId=first, IdentityPoolId=pool_id, DeveloperProviderName=DEV,
                                          DeveloperUserIdentifier="uma")
    assert code(exc) == "ResourceConflictException"


def test_list_and_delete_identities(cognito: Any, pool_id: str) -> None:
    made = [cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: f"l{i}"})["IdentityId"]
            for i in range(5)]
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"IdentityPoolId": pool_id, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = cognito.list_identities(**kwargs)
        seen += [i["IdentityId"] for i in page["Identities"]]
        token = page.get("NextToken")
        if not token:
            break
    assert set(made) <= set(seen) and len(seen) == len(set(seen))
    unknown = f"us-east-1:{uuid.uuid4()}"
    out = cognito.delete_identities(IdentityIdsToDelete=made[:2] + [unknown])
    assert out["UnprocessedIdentityIds"] == []
    with pytest.raises(ClientError) as exc:
        cognito.describe_identity(IdentityId=made[0])
    assert code(exc) == "ResourceNotFoundException"
    assert cognito.describe_identity(IdentityId=made[2])["IdentityId"] == made[2]


@pytest.mark.catalogue("F04")
def test_fifty_concurrent_calls_for_one_new_user_yield_one_identity(cognito: Any, pool_id: str, live: Any) -> None:
    from tests.support import client

    clients = [client(live, "cognito-identity") for _ in range(10)]

    def call(i: int) -> str:
        return str(clients[i % 10].get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={DEV: "racer"})["IdentityId"])

    with ThreadPoolExecutor(max_workers=25) as pool:
        ids = set(pool.map(call, range(50)))
    assert len(ids) == 1
    assert cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="racer")[
        "IdentityId"] in ids
