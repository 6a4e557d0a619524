"""MergeDeveloperIdentities refused, or harmless, whatever it is asked (docs/SECURITY.md D04):
across pools or providers it is refused, past 20 linked logins it is refused, onto the same
identity it changes nothing; no refusal leaves anything half-merged."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import DEV, code, new_pool


def user_with(cognito: Any, pool_id: str, users: list[str]) -> str:
    """One identity holding every developer user id in ``users``."""
    identity_id = str(cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: users[0]})["IdentityId"])
    for user in users[1:]:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id, Logins={DEV: user})
    return identity_id


def state(cognito: Any, identities: dict[str, str]) -> dict[str, tuple[list[str], bool]]:
    """Identity id -> (its developer user ids, whether it is still enabled), for identities
    given as identity id -> pool id."""
    described = {}
    for identity_id, pool_id in identities.items():
        listing = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60, HideDisabled=True)
        enabled = identity_id in {i["IdentityId"] for i in listing["Identities"]}
        users = cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id, MaxResults=60)
        described[identity_id] = (sorted(users["DeveloperUserIdentifierList"]), enabled)
    return described


@pytest.mark.catalogue("D04")
def test_refused_merges_change_nothing_and_a_merge_onto_itself_is_harmless(cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    other_pool = new_pool(cognito)["IdentityPoolId"]
    big = user_with(cognito, pool_id, [f"big{i}" for i in range(15)])
    small = user_with(cognito, pool_id, [f"small{i}" for i in range(6)])
    elsewhere = user_with(cognito, other_pool, ["far"])
    identities = {big: pool_id, small: pool_id, elsewhere: other_pool}
    before = state(cognito, identities)
    assert before[big] == (sorted(f"big{i}" for i in range(15)), True)

    def merge(source: str, destination: str, provider: str = DEV, pool: str = pool_id) -> Any:
        return cognito.merge_developer_identities(SourceUserIdentifier=source, DestinationUserIdentifier=destination,
                                                  DeveloperProviderName=provider, IdentityPoolId=pool)

    refusals = {
        "past 20 logins": (lambda: merge("small0", "big0"), "LimitExceededException"),
        "the other way": (lambda: merge("big0", "small0"), "LimitExceededException"),
        "a user of another pool": (lambda: merge("far", "big0"), "ResourceNotFoundException"),
        "into a user of another pool": (lambda: merge("big0", "far"), "ResourceNotFoundException"),
        "another provider": (lambda: merge("small0", "big0", provider="login.other"), "InvalidParameterException"),
        "an unknown pool": (lambda: merge("small0", "big0", pool="us-east-1:00000000-0000-0000-0000-000000000000"),
                            "ResourceNotFoundException"),
    }
    for what, (call, expected) in refusals.items():
        with pytest.raises(ClientError) as refused:
            call()
        assert code(refused) == expected, what
        assert state(cognito, identities) == before, what  # nothing half-merged

    for source, destination in (("small0", "small0"), ("small0", "small3")):  # the same identity: nothing to do
        assert merge(source, destination)["IdentityId"] == small
        assert state(cognito, identities) == before
