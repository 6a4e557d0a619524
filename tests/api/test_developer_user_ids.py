"""One limit for developer user identifiers, whichever operation carries them: 1 to 1,024
characters (the ``DeveloperUserIdentifier`` shape of LookupDeveloperIdentity,
MergeDeveloperIdentities and UnlinkDeveloperIdentity). A Logins value may be up to 50,000
characters on the wire (it also carries providers' tokens), so GetOpenIdTokenForDeveloper-
Identity used to create identities for ids that the other operations then refused."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import code, new_pool

DEV = "login.example.app"
LONGEST = "u" * 1024
TOO_LONG = "u" * 1025


@pytest.fixture
def pool_id(cognito: Any) -> str:
    return str(new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"])


def test_the_longest_developer_user_id_works_in_every_operation(cognito: Any, pool_id: str) -> None:
    identity_id = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEV: LONGEST})["IdentityId"]
    found = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=LONGEST)
    assert found["IdentityId"] == identity_id and found["DeveloperUserIdentifierList"] == [LONGEST]
    other = "v" * 1024
    cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: other})
    merged = cognito.merge_developer_identities(SourceUserIdentifier=other, DestinationUserIdentifier=LONGEST,
                                                DeveloperProviderName=DEV, IdentityPoolId=pool_id)
    assert merged["IdentityId"] == identity_id
    cognito.unlink_developer_identity(IdentityId=identity_id, IdentityPoolId=pool_id, DeveloperProviderName=DEV,
                                      DeveloperUserIdentifier=LONGEST)


def test_a_longer_developer_user_id_is_refused_everywhere_and_creates_nothing(
    cognito: Any, public_cognito: Any, pool_id: str
) -> None:
    with pytest.raises(ClientError) as exc:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: TOO_LONG})
    assert code(exc) == "InvalidParameterException"
    assert "1024" in exc.value.response["Error"]["Message"] and TOO_LONG not in exc.value.response["Error"]["Message"]
    assert cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"] == []
    guest = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    with pytest.raises(ClientError) as exc:  # linking to an existing identity: refused the same way
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, IdentityId=guest,
                                                         Logins={DEV: TOO_LONG})
    assert code(exc) == "InvalidParameterException"
    # The public operations never take a developer login, but a too-long one is a bad parameter first.
    for call in (lambda: public_cognito.get_id(IdentityPoolId=pool_id, Logins={DEV: TOO_LONG}),
                 lambda: public_cognito.get_open_id_token(IdentityId=guest, Logins={DEV: TOO_LONG}),
                 lambda: public_cognito.get_credentials_for_identity(IdentityId=guest, Logins={DEV: TOO_LONG})):
        with pytest.raises(ClientError) as exc:
            call()
        assert code(exc) == "InvalidParameterException"
    # The operations whose model names the shape refuse it in validation, as AWS's model says.
    with pytest.raises(ClientError) as exc:
        cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=TOO_LONG)
    assert code(exc) == "ValidationException"
    assert cognito.describe_identity(IdentityId=guest).get("Logins", []) == []
