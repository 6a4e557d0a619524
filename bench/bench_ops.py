"""The operations bench/run.py measures, the same for idpool and moto: the data each needs
(seeded through the public API with boto3) and its pre-signed raw HTTP/1.1 requests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REGION, DEVELOPER = "us-east-1", "login.bench"
COGNITO_KEY = "cognito-identity.amazonaws.com"

# name -> what it measures (the table's operation column uses the name)
OPERATIONS = {
    "goitfdi-returning": "GetOpenIdTokenForDeveloperIdentity for a user who has an identity (signed, root key)",
    "goitfdi-new": "GetOpenIdTokenForDeveloperIdentity for a user seen for the first time (an identity is created)",
    "gcfi-developer": "GetCredentialsForIdentity with a developer identity's OpenID token (unsigned)",
    "getid-guest": "GetId without logins: a new guest identity each time (unsigned)",
    "lookup-developer": "LookupDeveloperIdentity of one user (signed)",
    "list-identities": "ListIdentities, first page of 60 (signed)",
    "caller-root": "STS GetCallerIdentity signed with the root access key",
    "caller-temporary": "STS GetCallerIdentity signed with temporary credentials from GetCredentialsForIdentity",
}
NEW_EACH_TIME = {"goitfdi-new"}  # rebuilt before each window: its users must be new


@dataclass
class Target:
    url: str
    root: tuple[str, str]
    account: str
    moto: bool = False
    pool: str = ""
    identity: str = ""
    token: str = ""
    temporary: Credentials | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str, signed: bool = True) -> Any:
        config = Config(retries={"max_attempts": 1}, **({} if signed else {"signature_version": UNSIGNED}))
        return boto3.client(service, endpoint_url=self.url, region_name=REGION, aws_access_key_id=self.root[0],
                            aws_secret_access_key=self.root[1], config=config)


def seed(target: Target, identities: int) -> None:
    """One pool (developer provider, guests allowed, both roles), ``identities`` developer
    identities ``user-0`` … , a token and temporary credentials for ``user-0``."""
    cognito = target.client("cognito-identity")
    target.pool = cognito.create_identity_pool(IdentityPoolName="bench", AllowUnauthenticatedIdentities=True,
                                               DeveloperProviderName=DEVELOPER)["IdentityPoolId"]
    if not target.moto:  # moto hands out credentials without roles; idpool needs them
        iam = target.client("iam")
        for kind in ("authenticated", "unauthenticated"):
            iam.create_role(RoleName=f"bench-{kind}", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Federated": COGNITO_KEY},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{COGNITO_KEY}:aud": target.pool}}}]}))
        cognito.set_identity_pool_roles(IdentityPoolId=target.pool, Roles={
            kind: f"arn:aws:iam::{target.account}:role/bench-{kind}" for kind in ("authenticated", "unauthenticated")})

    def one(n: int) -> None:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=target.pool, Logins={DEVELOPER: f"user-{n}"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(identities)))
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=target.pool, Logins={DEVELOPER: "user-0"})
    target.identity, target.token = issued["IdentityId"], issued["Token"]
    got = target.client("cognito-identity", signed=False).get_credentials_for_identity(
        IdentityId=target.identity, Logins={COGNITO_KEY: target.token})["Credentials"]
    target.temporary = Credentials(got["AccessKeyId"], got["SecretKey"], got["SessionToken"])


def _raw(target: Target, service: str, headers: dict[str, str], body: bytes, credentials: Credentials | None) -> bytes:
    """One HTTP/1.1 POST / as bytes, SigV4-signed with ``credentials`` unless None."""
    host = urlsplit(target.url).netloc
    request = AWSRequest(method="POST", url=target.url + "/", data=body, headers=headers)
    if credentials is not None:
        SigV4Auth(credentials, service, REGION).add_auth(request)
    lines = ["POST / HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items() if name.lower() != "host"]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _cognito(target: Target, operation: str, params: dict[str, Any], signed: bool = True) -> bytes:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSCognitoIdentityService.{operation}"}
    root = Credentials(*target.root)
    return _raw(target, "cognito-identity", headers, json.dumps(params).encode(), root if signed else None)


def _sts(target: Target, credentials: Credentials) -> bytes:
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return _raw(target, "sts", headers, b"Action=GetCallerIdentity&Version=2011-06-15", credentials)


def build_requests(target: Target, operation: str, identities: int, budget: int) -> list[bytes]:
    """The requests the load generator cycles through for ``operation``. ``budget`` bounds
    the distinct requests of operations whose every call must differ (new users)."""
    builders: dict[str, Callable[[], list[bytes]]] = {
        "goitfdi-returning": lambda: [
            _cognito(target, "GetOpenIdTokenForDeveloperIdentity",
                     {"IdentityPoolId": target.pool, "Logins": {DEVELOPER: f"user-{n}"}})
            for n in range(min(identities, 2000))],
        "goitfdi-new": lambda: [
            _cognito(target, "GetOpenIdTokenForDeveloperIdentity",
                     {"IdentityPoolId": target.pool, "Logins": {DEVELOPER: f"new-{uuid.uuid4().hex}"}})
            for _ in range(budget)],
        "gcfi-developer": lambda: [
            _cognito(target, "GetCredentialsForIdentity",
                     {"IdentityId": target.identity, "Logins": {COGNITO_KEY: target.token}}, signed=False)],
        "getid-guest": lambda: [
            _cognito(target, "GetId", {"IdentityPoolId": target.pool, "AccountId": target.account}, signed=False)],
        "lookup-developer": lambda: [
            _cognito(target, "LookupDeveloperIdentity",
                     {"IdentityPoolId": target.pool, "DeveloperUserIdentifier": f"user-{n}", "MaxResults": 10})
            for n in range(min(identities, 2000))],
        "list-identities": lambda: [
            _cognito(target, "ListIdentities", {"IdentityPoolId": target.pool, "MaxResults": 60})],
        "caller-root": lambda: [_sts(target, Credentials(*target.root))],
        "caller-temporary": lambda: [_sts(target, target.temporary)] if target.temporary else [],
    }
    return builders[operation]()
