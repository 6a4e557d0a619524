"""Fixtures the API tests share (helpers live in tests/api/support.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import allow, name, new_pool, trust_for
from tests.support import client


@pytest.fixture
def setup(live: Any, cognito: Any) -> dict[str, Any]:
    """A pool with an authenticated and a guest role, as the seed's console step makes them."""
    iam = client(live, "iam")
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    pool_arn = f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}"
    auth, guest = name("Auth"), name("Guest")
    iam.create_role(RoleName=auth, AssumeRolePolicyDocument=trust_for(pool_id, "authenticated", tag_session=True))
    iam.create_role(RoleName=guest, AssumeRolePolicyDocument=trust_for(pool_id, "unauthenticated"))
    # authenticated users may describe their own pool (a policy variable), nothing else
    iam.put_role_policy(RoleName=auth, PolicyName="own-pool", PolicyDocument=allow(
        ["cognito-identity:DescribeIdentityPool"],
        "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/${cognito-identity.amazonaws.com:aud}"))
    roles = {"authenticated": f"arn:aws:iam::123456789012:role/{auth}",
             "unauthenticated": f"arn:aws:iam::123456789012:role/{guest}"}
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles)
    return {"pool_id": pool_id, "pool_arn": pool_arn, "auth": auth, "guest": guest, "roles": roles, "iam": iam}
