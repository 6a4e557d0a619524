"""A small app that uses Cognito identity pools the way docs/TESTING.md tests it.

Its backend signs its own users in as developer authenticated identities (the user's plan
travels as a principal tag, which the pool's role mapping turns into a role); its frontend
turns the backend's answer into temporary AWS credentials. Both build their boto3 clients
from the environment, as production code does: the tests point that environment at idpool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

POOL_NAME = "MyApp"
PROVIDER = "login.myapp.example"


@dataclass(frozen=True)
class SignedIn:
    identity_id: str
    token: str


class Backend:
    """Runs with AWS credentials (an IAM user or role allowed to call Cognito)."""

    def __init__(self) -> None:
        self.cognito = boto3.client("cognito-identity")
        pools = self.cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
        self.pool_id = next(p["IdentityPoolId"] for p in pools if p["IdentityPoolName"] == POOL_NAME)

    def sign_in(self, user: str, plan: str = "free") -> SignedIn:
        """After the app's own login check: the user's identity and an OpenID token for it."""
        issued = self.cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=self.pool_id, Logins={PROVIDER: user}, PrincipalTags={"plan": plan}, TokenDuration=900)
        return SignedIn(issued["IdentityId"], issued["Token"])


def frontend_session(signed_in: SignedIn) -> Any:
    """The frontend has no AWS credentials: one unsigned call buys temporary ones."""
    public = boto3.client("cognito-identity", config=Config(signature_version=UNSIGNED))
    creds = public.get_credentials_for_identity(
        IdentityId=signed_in.identity_id, Logins={"cognito-identity.amazonaws.com": signed_in.token})["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                         aws_session_token=creds["SessionToken"])


def role_of(session: Any) -> str:
    """The role the frontend's credentials act as."""
    arn: str = session.client("sts").get_caller_identity()["Arn"]
    return arn.split("/")[1]
