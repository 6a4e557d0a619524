"""MergeDeveloperIdentities under concurrency, through boto3: a->b and b->c at once.

Whichever merge commits first, all three developer users must end on c's identity,
which stays enabled: GetOpenIdTokenForDeveloperIdentity returns it for each of them
and GetCredentialsForIdentity gives it credentials. (Before the store found the two
identities inside the merge's transaction, a->b could move a onto b's identity just
after b->c had disabled it, and a's user was locked out.)
"""

from __future__ import annotations

from typing import Any

from tests.api.support import name, new_pool, trust_for
from tests.storage.racing import errors, race
from tests.support import client

DEV = "login.example.app"
COGNITO = "cognito-identity.amazonaws.com"
ROUNDS = 20


def pool_with_authenticated_role(live: Any, cognito: Any) -> str:
    pool_id = str(new_pool(cognito)["IdentityPoolId"])
    role = name("MergeAuth")
    client(live, "iam").create_role(RoleName=role, AssumeRolePolicyDocument=trust_for(pool_id))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id,
                                    Roles={"authenticated": f"arn:aws:iam::123456789012:role/{role}"})
    return pool_id


def test_concurrent_chained_merges_leave_every_user_on_an_enabled_identity(
    live: Any, cognito: Any, public_cognito: Any
) -> None:
    pool_id = pool_with_authenticated_role(live, cognito)
    backends = [client(live, "cognito-identity") for _ in range(2)]  # two callers, as two backend servers

    def token(user: str) -> dict[str, Any]:
        return dict(cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: user}))

    expected: dict[str, str] = {}
    for round_ in range(ROUNDS):
        a, b, c = (f"{n}{round_}" for n in "abc")
        ids = {user: token(user)["IdentityId"] for user in (a, b, c)}
        chain = [(a, b), (b, c)]
        results = race(2, lambda i: backends[i].merge_developer_identities(
            SourceUserIdentifier=chain[i][0], DestinationUserIdentifier=chain[i][1],
            DeveloperProviderName=DEV, IdentityPoolId=pool_id))
        assert not errors(results), errors(results)
        expected.update({user: ids[c] for user in (a, b, c)})

    enabled = {i["IdentityId"] for i in cognito.list_identities(
        IdentityPoolId=pool_id, MaxResults=60, HideDisabled=True)["Identities"]}
    for user, identity_id in expected.items():
        issued = token(user)
        assert issued["IdentityId"] == identity_id, user
        assert identity_id in enabled
        creds = public_cognito.get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO: issued["Token"]})
        assert creds["IdentityId"] == identity_id and creds["Credentials"]["AccessKeyId"].startswith("ASIA")
