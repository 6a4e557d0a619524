"""The public (unsigned) operations: GetId, GetOpenIdToken, UnlinkIdentity."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import DEV, claims_of, code, new_pool


def test_get_id_creates_a_new_guest_each_call_where_allowed(cognito: Any, public_cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    a = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    b = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert a != b and a.startswith("us-east-1:")
    assert cognito.describe_identity(IdentityId=a)["IdentityId"] == a


@pytest.mark.catalogue("D08")
def test_get_id_refused_without_guest_access(cognito: Any, public_cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    with pytest.raises(ClientError) as exc:
        public_cognito.get_id(IdentityPoolId=pool_id)
    assert code(exc) == "NotAuthorizedException"
    assert exc.value.response["Error"]["Message"] == "Unauthenticated access is not supported for this identity pool."


@pytest.mark.catalogue("D06")
def test_client_cannot_impersonate_a_developer_user(cognito: Any, public_cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    with pytest.raises(ClientError) as exc:
        public_cognito.get_id(IdentityPoolId=pool_id, Logins={DEV: "alice"})
    assert code(exc) == "NotAuthorizedException"
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "alice"})["Token"]
    with pytest.raises(ClientError) as exc:
        public_cognito.get_id(IdentityPoolId=pool_id, Logins={"cognito-identity.amazonaws.com": token})
    assert code(exc) == "NotAuthorizedException"
    assert "Can't pass in a Cognito token" in exc.value.response["Error"]["Message"]


@pytest.mark.catalogue("D07", "J11")
def test_get_open_id_token_guest_and_authenticated(cognito: Any, public_cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    guest = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    out = public_cognito.get_open_id_token(IdentityId=guest)
    _, claims = claims_of(out["Token"])
    assert claims["amr"] == ["unauthenticated"] and claims["sub"] == guest
    assert claims["exp"] - claims["iat"] == 600
    dev = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "bea"})
    renewed = public_cognito.get_open_id_token(
        IdentityId=dev["IdentityId"], Logins={"cognito-identity.amazonaws.com": dev["Token"]})
    _, claims = claims_of(renewed["Token"])
    assert claims["amr"] == ["authenticated", DEV, f"{DEV}:{pool_id}:bea"]
    with pytest.raises(ClientError) as exc:  # an authenticated identity needs its login
        public_cognito.get_open_id_token(IdentityId=dev["IdentityId"])
    assert code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:  # someone else's token
        public_cognito.get_open_id_token(IdentityId=guest, Logins={"cognito-identity.amazonaws.com": dev["Token"]})
    assert code(exc) == "NotAuthorizedException"


@pytest.mark.catalogue("D09")
def test_classic_flow_disabled_by_default(cognito: Any, public_cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    guest = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    with pytest.raises(ClientError) as exc:
        public_cognito.get_open_id_token(IdentityId=guest)
    assert code(exc) == "InvalidParameterException"
    assert "Basic (classic) flow is not enabled" in exc.value.response["Error"]["Message"]


@pytest.mark.catalogue("J07")
def test_tampered_token_is_refused(cognito: Any, public_cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    dev = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "tim"})
    head, body, sig = dev["Token"].split(".")
    forged = ".".join([head, body, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")])
    with pytest.raises(ClientError) as exc:
        public_cognito.get_open_id_token(IdentityId=dev["IdentityId"], Logins={"cognito-identity.amazonaws.com": forged})
    assert code(exc) == "NotAuthorizedException"


def test_unlink_identity_with_its_own_token(cognito: Any, public_cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    dev = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "una"})
    public_cognito.unlink_identity(IdentityId=dev["IdentityId"], Logins={"cognito-identity.amazonaws.com": dev["Token"]},
                                   LoginsToRemove=[DEV])
    assert cognito.describe_identity(IdentityId=dev["IdentityId"])["Logins"] == []
    again = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "una"})
    assert again["IdentityId"] != dev["IdentityId"]


def test_public_operations_work_signed_too(cognito: Any) -> None:
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    assert cognito.get_id(IdentityPoolId=pool_id)["IdentityId"].startswith("us-east-1:")


def test_unknown_pool_for_public_call(public_cognito: Any) -> None:
    with pytest.raises(ClientError) as exc:
        public_cognito.get_id(IdentityPoolId="us-east-1:00000000-0000-0000-0000-000000000000")
    assert code(exc) == "ResourceNotFoundException"
