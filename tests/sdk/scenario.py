"""The setup every JavaScript SDK test starts from, done with boto3 as the app's admin
and its backend would do it against AWS: an identity pool with a developer provider,
an authenticated and a guest role with the trust policies the Cognito Developer Guide
documents (iam-roles.md, role-trust-and-permissions.md), permission policies that allow
one Cognito Identity call and not another, and a developer token for user "alice"
(GetOpenIdTokenForDeveloperIdentity, the backend's half of the enhanced flow)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from tests.support import LiveServer, client

REGION = "us-east-1"
ACCOUNT = "123456789012"
DEVELOPER_PROVIDER = "login.sdk.test"
COGNITO = "cognito-identity.amazonaws.com"


@dataclass(frozen=True)
class Scenario:
    endpoint: str
    pool_id: str
    pool_arn: str
    auth_role: str
    unauth_role: str
    identity_id: str
    token: str

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"

    def assumed_arn(self, role: str, session: str) -> str:
        return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"

    def node_input(self, **extra: Any) -> dict[str, Any]:
        """What the Node scripts and the browser page read."""
        return {"endpoint": self.endpoint, "region": REGION, "identityPoolId": self.pool_id,
                "identityId": self.identity_id, "token": self.token, **extra}


def trust_policy(pool_id: str, amr: str) -> str:
    """The trust policy AWS documents for identity pool roles (+ sts:TagSession, which
    principal tags need)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": COGNITO},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {
            "StringEquals": {f"{COGNITO}:aud": pool_id},
            "ForAnyValue:StringLike": {f"{COGNITO}:amr": amr},
        },
    }]})


def permissions(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}, *statements]})


def build_scenario(live: LiveServer) -> Scenario:
    """A fresh pool, roles (unique names) and developer token on the live server."""
    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    suffix = uuid.uuid4().hex[:8]
    pool_id = cognito.create_identity_pool(
        IdentityPoolName=f"sdk_{suffix}", AllowUnauthenticatedIdentities=True, AllowClassicFlow=True,
        DeveloperProviderName=DEVELOPER_PROVIDER,
    )["IdentityPoolId"]
    pool_arn = f"arn:aws:cognito-identity:{REGION}:{ACCOUNT}:identitypool/{pool_id}"
    auth, unauth = f"sdk-auth-{suffix}", f"sdk-guest-{suffix}"
    iam.create_role(RoleName=auth, AssumeRolePolicyDocument=trust_policy(pool_id, "authenticated"))
    iam.create_role(RoleName=unauth, AssumeRolePolicyDocument=trust_policy(pool_id, "unauthenticated"))
    # Authenticated users may describe this pool (and nothing else of Cognito Identity);
    # guests get only GetCallerIdentity.
    iam.put_role_policy(RoleName=auth, PolicyName="describe-own-pool", PolicyDocument=permissions(
        {"Effect": "Allow", "Action": "cognito-identity:DescribeIdentityPool", "Resource": pool_arn}))
    iam.put_role_policy(RoleName=unauth, PolicyName="whoami", PolicyDocument=permissions())
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": f"arn:aws:iam::{ACCOUNT}:role/{auth}",
        "unauthenticated": f"arn:aws:iam::{ACCOUNT}:role/{unauth}",
    })
    issued = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: "alice"})
    return Scenario(live.url, pool_id, pool_arn, auth, unauth, issued["IdentityId"], issued["Token"])
