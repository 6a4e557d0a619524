"""The backend kit for developer authenticated identities, over boto3's cognito-identity client.

What a developer's backend does once its own login has authenticated a user (Cognito
Developer Guide, "Developer-authenticated identities"): get an OpenID token for the user
(GetOpenIdTokenForDeveloperIdentity), look identities up, link, unlink and merge users.
A client library: the same code runs against idpool (an endpoint setting) and AWS (none).

Calls are signed with the backend's own AWS credentials (found as boto3 finds them), which
need only the ``cognito-identity:*DeveloperIdentit*`` actions on the pool's ARN. Throttling
(``TooManyRequestsException``) is retried by botocore's standard retry mode, with
exponential backoff and jitter; a failure raises :class:`DeveloperIdentityError` saying
what to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError

__all__ = ["AlreadyLinked", "DeveloperIdentities", "DeveloperIdentity", "DeveloperIdentityError",
           "DeveloperToken", "Throttled"]

#: GetOpenIdTokenForDeveloperIdentity's default and bounds for TokenDuration (seconds).
DEFAULT_TOKEN_SECONDS = 900
MAX_TOKEN_SECONDS = 86_400

#: LookupDeveloperIdentity's largest page.
LOOKUP_PAGE = 60

T = TypeVar("T")


@dataclass(frozen=True)
class DeveloperToken:
    """An OpenID token for a developer user: what the backend hands its frontend."""

    identity_id: str
    token: str
    expires_at: dt.datetime

    def as_json(self) -> dict[str, str]:
        """``{identityId, token, expiresAt}`` (ISO 8601, UTC) for the frontend; the
        shape ``idpool.credentials`` token suppliers may return as is."""
        return {"identityId": self.identity_id, "token": self.token,
                "expiresAt": self.expires_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")}


@dataclass(frozen=True)
class DeveloperIdentity:
    """An identity and every developer user id linked to it (LookupDeveloperIdentity)."""

    identity_id: str
    user_ids: tuple[str, ...]


class DeveloperIdentityError(Exception):
    """A developer identity call failed; the message says what to fix. ``code`` is the
    service's error code, ``service_message`` its own words (``__cause__`` holds
    botocore's exception)."""

    def __init__(self, operation: str, code: str, message: str, service_message: str = "") -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.operation, self.code, self.service_message = operation, code, service_message


class Throttled(DeveloperIdentityError):
    """Still throttled after the retries."""


class AlreadyLinked(DeveloperIdentityError):
    """The developer user id is linked to another identity."""


class DeveloperIdentities:
    """One identity pool's developer authenticated identities, as its backend manages them."""

    def __init__(
        self,
        identity_pool_id: str,
        developer_provider_name: str,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        session: boto3.session.Session | None = None,
        max_attempts: int = 5,
        client: Any = None,
    ) -> None:
        """``developer_provider_name`` is the pool's ``DeveloperProviderName``. The region
        defaults to the one the pool id names; ``endpoint_url`` to what boto3 finds
        (``AWS_ENDPOINT_URL_COGNITO_IDENTITY``, ``AWS_ENDPOINT_URL``, else AWS's own).
        ``max_attempts`` counts the first call (botocore's standard retry mode). A
        ``client`` given is used as is, with its own retry settings."""
        region = identity_pool_id.split(":", 1)[0] if ":" in identity_pool_id else ""
        if not region or not developer_provider_name:
            raise ValueError("identity_pool_id is '<region>:<guid>' (CreateIdentityPool's IdentityPoolId) and "
                             "developer_provider_name the pool's DeveloperProviderName")
        if region_name and region_name != region:
            raise ValueError(f"identity pool {identity_pool_id} lives in {region}, not in region_name={region_name}: "
                             f"pass region_name='{region}' or leave it out")
        self.identity_pool_id = identity_pool_id
        self.developer_provider_name = developer_provider_name
        if client is None:
            retries = Config(retries={"mode": "standard", "total_max_attempts": max_attempts})
            client = (session or boto3.session.Session()).client(
                "cognito-identity", region_name=region, endpoint_url=endpoint_url, config=retries)
        self.client: Any = client
        self._max_attempts = max_attempts

    # --- tokens ----------------------------------------------------------------------------
    def token_for(
        self,
        user_id: str,
        *,
        duration_seconds: int | None = None,
        identity_id: str | None = None,
        principal_tags: Mapping[str, str] | None = None,
    ) -> DeveloperToken:
        """An OpenID token for ``user_id`` (GetOpenIdTokenForDeveloperIdentity): the same
        user id gets the same identity every time; with ``identity_id`` the user id is
        linked to that identity. ``principal_tags`` become session tags of the
        credentials (the role's trust policy must allow ``sts:TagSession``)."""
        duration = DEFAULT_TOKEN_SECONDS if duration_seconds is None else duration_seconds
        if not 1 <= duration <= MAX_TOKEN_SECONDS:
            raise ValueError(f"duration_seconds is 1 to {MAX_TOKEN_SECONDS} (GetOpenIdTokenForDeveloperIdentity)")
        params: dict[str, Any] = {"IdentityPoolId": self.identity_pool_id,
                                  "Logins": {self.developer_provider_name: user_id}, "TokenDuration": duration}
        if identity_id is not None:
            params["IdentityId"] = identity_id
        if principal_tags:
            params["PrincipalTags"] = dict(principal_tags)
        issued_at = dt.datetime.now(dt.UTC)  # before the call: the token expires no earlier
        answer = self._call("GetOpenIdTokenForDeveloperIdentity", self.client.get_open_id_token_for_developer_identity,
                            params, user_id=user_id)
        return DeveloperToken(answer["IdentityId"], answer["Token"], issued_at + dt.timedelta(seconds=duration))

    def link(self, identity_id: str, user_id: str, **options: Any) -> DeveloperToken:
        """Links ``user_id`` to an existing identity (GetOpenIdTokenForDeveloperIdentity
        with its IdentityId) and returns a token for it; options as :meth:`token_for`."""
        return self.token_for(user_id, identity_id=identity_id, **options)

    # --- lookup, unlink, merge ---------------------------------------------------------------
    def lookup(self, *, user_id: str | None = None, identity_id: str | None = None) -> DeveloperIdentity | None:
        """The identity of a user id, or the user ids of an identity (every page of
        LookupDeveloperIdentity); ``None`` when the pool knows no such user or identity.
        AWS means it for "low-throughput control plane operations": on sign-in, call
        :meth:`token_for`, which finds or creates the identity itself."""
        if user_id is None and identity_id is None:
            raise ValueError("lookup needs user_id= or identity_id= (or both, to check they belong together)")
        params: dict[str, Any] = {"IdentityPoolId": self.identity_pool_id, "MaxResults": LOOKUP_PAGE}
        if user_id is not None:
            params["DeveloperUserIdentifier"] = user_id
        if identity_id is not None:
            params["IdentityId"] = identity_id
        found: list[str] = []
        while True:
            try:
                page = self._call("LookupDeveloperIdentity", self.client.lookup_developer_identity, params,
                                  user_id=user_id)
            except DeveloperIdentityError as exc:
                if exc.code == "ResourceNotFoundException" and not _names_the_pool(exc.service_message):
                    return None
                raise
            found += page.get("DeveloperUserIdentifierList", [])
            if not page.get("NextToken"):
                return DeveloperIdentity(page["IdentityId"], tuple(found))
            params["NextToken"] = page["NextToken"]

    def unlink(self, identity_id: str, user_id: str) -> None:
        """Unlinks ``user_id`` from its identity (UnlinkDeveloperIdentity): the next token
        for that user id makes a new identity."""
        self._call("UnlinkDeveloperIdentity", self.client.unlink_developer_identity, {
            "IdentityId": identity_id, "IdentityPoolId": self.identity_pool_id,
            "DeveloperProviderName": self.developer_provider_name, "DeveloperUserIdentifier": user_id,
        }, user_id=user_id)

    def merge(self, source_user_id: str, destination_user_id: str) -> str:
        """Moves the source user's logins onto the destination user's identity
        (MergeDeveloperIdentities) and returns that identity's id; the source's former
        identity is disabled."""
        answer = self._call("MergeDeveloperIdentities", self.client.merge_developer_identities, {
            "SourceUserIdentifier": source_user_id, "DestinationUserIdentifier": destination_user_id,
            "DeveloperProviderName": self.developer_provider_name, "IdentityPoolId": self.identity_pool_id,
        }, user_id=source_user_id)
        return str(answer["IdentityId"])

    # --- errors that say what to fix --------------------------------------------------------
    def _call(self, operation: str, method: Callable[..., T], params: dict[str, Any], *, user_id: str | None) -> T:
        try:
            return method(**params)
        except NoCredentialsError as exc:
            raise DeveloperIdentityError(operation, "NoCredentials", (
                "the backend has no AWS credentials: developer operations are signed, so give it keys "
                "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a role) allowed to call "
                f"cognito-identity:{operation} on {self._pool_arn()}")) from exc
        except ClientError as exc:
            raise self._explain(operation, exc, user_id) from exc

    def _explain(self, operation: str, exc: ClientError, user_id: str | None) -> DeveloperIdentityError:
        error = exc.response.get("Error", {})
        code, said = str(error.get("Code", "")), str(error.get("Message", ""))

        def fail(advice: str, kind: type[DeveloperIdentityError] = DeveloperIdentityError) -> DeveloperIdentityError:
            return kind(operation, code, f"{said} {advice}".strip(), said)

        if code in ("TooManyRequestsException", "ThrottlingException", "Throttling"):
            return fail(f"(still throttled after {self._max_attempts} attempts): " + (
                "call token_for on sign-in instead: it finds or creates the identity itself, and "
                "LookupDeveloperIdentity is meant for low-throughput control plane operations"
                if operation == "LookupDeveloperIdentity" else "slow down, or raise max_attempts"), Throttled)
        if code == "DeveloperUserAlreadyRegisteredException":
            return fail(f"User id {user_id!r} belongs to another identity: unlink it there first (unlink), or "
                        "merge the two users (merge)", AlreadyLinked)
        if "developer provider" in said.lower():
            return fail(self._provider_advice())
        if code in ("AccessDeniedException", "AccessDenied"):
            return fail(f"Allow cognito-identity:{operation} on {self._pool_arn()} in the IAM policy of the "
                        "backend's credentials")
        if code in ("UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException",
                    "ExpiredTokenException"):
            return fail("The service does not accept the backend's AWS credentials: check the access key, "
                        "secret and session token, and that the endpoint is the service that issued them")
        if code == "ResourceNotFoundException" and _names_the_pool(said) and said.endswith("not found."):
            return fail("Check identity_pool_id, and that the client talks to the service holding it "
                        f"(endpoint {self.client.meta.endpoint_url}, region {self.client.meta.region_name})")
        return fail("")

    def _provider_advice(self) -> str:
        """Names the pool's own developer provider when the backend may read it."""
        try:
            pool = self.client.describe_identity_pool(IdentityPoolId=self.identity_pool_id)
        except ClientError:
            actual = None
        else:
            actual = pool.get("DeveloperProviderName")
        if actual is None:
            return (f"developer_provider_name is {self.developer_provider_name!r}: it must be the pool's "
                    "DeveloperProviderName (DescribeIdentityPool shows it; UpdateIdentityPool sets it once)")
        return (f"The pool's DeveloperProviderName is {actual!r}, not {self.developer_provider_name!r}: "
                f"pass developer_provider_name={actual!r}")

    def _pool_arn(self) -> str:
        region = self.identity_pool_id.split(":", 1)[0]
        return f"arn:aws:cognito-identity:{region}:<account>:identitypool/{self.identity_pool_id}"


def _names_the_pool(message: str) -> bool:
    """Cognito's ResourceNotFoundException is about the pool ("IdentityPool '<id>' not
    found.", observed on AWS) or about the user or identity looked up."""
    return message.startswith("IdentityPool ")
