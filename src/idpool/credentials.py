"""Temporary AWS credentials from an Amazon Cognito identity pool, for boto3 and botocore.

The Python twin of the AWS SDK for JavaScript's ``CognitoIdentityCredentials`` (v2) and
``fromCognitoIdentity`` (v3), which botocore lacks. A client library: it talks to the
identity pool only through boto3's ``cognito-identity`` and ``sts`` clients, so the same
code runs against idpool (an endpoint setting) and against AWS (no endpoint setting).

Three flows, as the Cognito Developer Guide's "Identity pools (federated identities)
authentication flow" describes them:

- **enhanced** (default): ``GetCredentialsForIdentity`` with the identity id and, for a
  developer authenticated identity, ``Logins={"cognito-identity.amazonaws.com": token}``;
- **basic** (``role_arn=``): STS ``AssumeRoleWithWebIdentity`` with the token;
- **guest** (``identity_pool_id=`` and no token): ``GetId`` once, then the enhanced flow
  with no logins (or ``GetOpenIdToken`` and STS with ``role_arn=``).

The token comes from a *token supplier*: a callable, typically a request to the app's own
backend, returning the identity id and an OpenID token from
``GetOpenIdTokenForDeveloperIdentity``. A token is reused while it is valid and the
supplier is asked again when it has (nearly) expired or the service refuses it.

Credentials are botocore ``RefreshableCredentials``: refreshed in botocore's windows
(15 minutes before expiry in the background of one caller, 10 minutes before expiry by
every caller waiting for the one refresh), one refresh at a time however many threads
share them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import boto3
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials
from botocore.exceptions import ClientError

__all__ = ["COGNITO_PROVIDER", "CognitoIdentityCredentials", "IdentityToken", "TokenSupplier"]

#: The ``Logins`` key under which a developer authenticated identity's OpenID token
#: travels (Cognito API Reference, GetCredentialsForIdentity).
COGNITO_PROVIDER = "cognito-identity.amazonaws.com"

#: How botocore names where credentials came from (``Credentials.method``).
METHOD = "cognito-identity"

#: A token is asked for again this long before its ``exp``: AWS advises "a small grace
#: period, usually no more than 5 minutes" for clock skew (GetOpenIdTokenForDeveloperIdentity).
TOKEN_MARGIN = dt.timedelta(minutes=5)

# Refusals that a fresh token can cure: Cognito's for an expired or otherwise refused
# login token, STS's for an expired or invalid web identity token.
_TOKEN_REFUSED = frozenset({"NotAuthorizedException", "ExpiredTokenException", "InvalidIdentityTokenException",
                            "InvalidIdentityToken"})


class IdentityToken(NamedTuple):
    """An identity id and an OpenID token for it, as a developer's backend returns them."""

    identity_id: str
    token: str


#: Returns a fresh token: an :class:`IdentityToken`, an ``(identity_id, token)`` pair, a
#: mapping with ``identityId``/``IdentityId`` and ``token``/``Token`` (the backend's JSON,
#: or GetOpenIdTokenForDeveloperIdentity's answer as boto3 returns it), or any object with
#: ``identity_id`` and ``token`` attributes.
TokenSupplier = Callable[[], object]


def identity_token(value: object) -> IdentityToken:
    """Reads a token supplier's answer in any of the shapes :data:`TokenSupplier` names."""
    if isinstance(value, IdentityToken):
        return value
    if isinstance(value, Mapping):
        identity_id = value.get("identityId", value.get("IdentityId"))
        token = value.get("token", value.get("Token"))
    elif isinstance(value, tuple) and len(value) == 2:
        identity_id, token = value
    else:
        identity_id, token = getattr(value, "identity_id", None), getattr(value, "token", None)
    if not isinstance(identity_id, str) or not identity_id or not isinstance(token, str) or not token:
        raise TypeError(
            "the token supplier must return an identity id and a token: IdentityToken(identity_id, token), "
            "an (identity_id, token) pair, or a mapping with 'identityId' and 'token' "
            f"(got {type(value).__name__})"
        )
    return IdentityToken(identity_id, token)


def token_expiry(token: str) -> dt.datetime | None:
    """The ``exp`` claim of an OpenID token, read without verifying it: only to know when
    to ask for a new one (the service verifies every token it is given). ``None`` when the
    token is not a JWT with a numeric ``exp``."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return None
        return dt.datetime.fromtimestamp(exp, dt.UTC)
    except (IndexError, KeyError, TypeError, ValueError, OverflowError, binascii.Error):
        return None


def region_of(resource_id: str | None) -> str | None:
    """The region an identity pool id or identity id names (``<region>:<guid>``)."""
    if resource_id and ":" in resource_id:
        return resource_id.split(":", 1)[0] or None
    return None


class CognitoIdentityCredentials:
    """Refreshable AWS credentials for one identity of an identity pool.

    ``credentials`` is the botocore credentials object (hand it to a botocore session or
    a signer), ``session()`` a boto3 Session signing with it, ``identity_id`` the identity
    (known after the first fetch unless given). Nothing is fetched before first use.
    """

    def __init__(
        self,
        *,
        token_supplier: TokenSupplier | None = None,
        identity_id: str | None = None,
        token: str | None = None,
        identity_pool_id: str | None = None,
        role_arn: str | None = None,
        role_session_name: str = "web-identity",
        duration_seconds: int | None = None,
        custom_role_arn: str | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        client_config: Config | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """``token_supplier`` (and optionally a first ``identity_id`` and ``token``) for a
        developer authenticated identity; only ``identity_pool_id`` for a guest.
        ``role_arn`` selects the basic flow (``role_session_name`` defaults to
        ``web-identity`` as in the SDK for JavaScript; ``duration_seconds`` to STS's one
        hour). ``custom_role_arn`` is GetCredentialsForIdentity's ``CustomRoleArn``.
        ``endpoint_url`` applies to both Cognito Identity and STS; without it boto3 finds
        the endpoint as usual (``AWS_ENDPOINT_URL_COGNITO_IDENTITY``,
        ``AWS_ENDPOINT_URL_STS``, ``AWS_ENDPOINT_URL``, the config file, else AWS's own).
        The region defaults to the one the pool or identity id names."""
        if token is not None and identity_id is None:
            raise ValueError("a token needs the identity_id it was issued for")
        if token_supplier is None and token is None and identity_pool_id is None and identity_id is None:
            raise ValueError(
                "say whose credentials these are: token_supplier= (a developer authenticated identity), "
                "identity_id= and token=, or identity_pool_id= (a guest)"
            )
        if custom_role_arn is not None and role_arn is not None:
            raise ValueError("custom_role_arn is GetCredentialsForIdentity's (the enhanced flow); "
                             "the basic flow assumes role_arn")
        if duration_seconds is not None and role_arn is None:
            raise ValueError("duration_seconds applies to the basic flow only (role_arn=): "
                             "GetCredentialsForIdentity's credentials always last one hour")
        self._region = self._region_for(region_name, identity_pool_id, identity_id)
        self._supplier = token_supplier
        self._pool_id = identity_pool_id
        self._identity_id = identity_id
        self._token = IdentityToken(identity_id, token) if identity_id and token else None
        self._guest = token_supplier is None and token is None
        self._role_arn = role_arn
        self._session_name = role_session_name
        self._duration = duration_seconds
        self._custom_role_arn = custom_role_arn
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.Lock()
        # The frontend holds no AWS credentials of its own: every call it makes is public
        # (the models mark GetId, GetOpenIdToken, GetCredentialsForIdentity and
        # AssumeRoleWithWebIdentity unsigned), so its clients never look for any.
        config = (client_config or Config()).merge(Config(signature_version=UNSIGNED))
        plain = boto3.session.Session(region_name=self._region)
        self.cognito_client: Any = plain.client("cognito-identity", endpoint_url=endpoint_url, config=config)
        self.sts_client: Any = plain.client("sts", endpoint_url=endpoint_url, config=config)
        self.credentials: Any = DeferredRefreshableCredentials(self._fetch, METHOD, time_fetcher=self._clock)

    @property
    def identity_id(self) -> str | None:
        """The identity these credentials are for; ``None`` until the first fetch when
        neither it nor a pool's guest identity was known yet."""
        return self._identity_id

    @property
    def region_name(self) -> str:
        return self._region

    def session(self) -> boto3.session.Session:
        """A boto3 Session whose clients sign with these credentials (refreshed as needed),
        in their region. Each call makes a new Session; all share the one credentials
        object, so they refresh once between them."""
        core = botocore.session.Session()
        # A provider placed first in the session's own chain (before the environment),
        # rather than a private attribute set: ambient AWS_* keys never win over it.
        core.get_component("credential_provider").insert_before("env", _Provider(self.credentials))
        return boto3.session.Session(botocore_session=core, region_name=self._region)

    # --- fetching ------------------------------------------------------------------------
    def _fetch(self) -> dict[str, str]:
        """botocore's ``refresh_using``: called under its refresh lock; our own lock also
        guards the cached identity id and token against other callers."""
        with self._lock:
            if self._role_arn is None:
                return self._enhanced()
            return self._basic(self._role_arn)

    def _enhanced(self) -> dict[str, str]:
        def call(identity_id: str, logins: dict[str, str]) -> Any:
            params: dict[str, Any] = {"IdentityId": identity_id, "Logins": logins}
            if self._custom_role_arn:
                params["CustomRoleArn"] = self._custom_role_arn
            return self.cognito_client.get_credentials_for_identity(**params)

        if self._guest:
            answer = self._as_guest(lambda identity_id: call(identity_id, {}))
        else:
            answer = self._with_token(lambda grant: call(grant.identity_id, {COGNITO_PROVIDER: grant.token}))
        self._identity_id = answer.get("IdentityId") or self._identity_id
        creds = answer["Credentials"]
        return _metadata(creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"], creds["Expiration"])

    def _basic(self, role_arn: str) -> dict[str, str]:
        def assume(token: str) -> Any:
            params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": self._session_name,
                                      "WebIdentityToken": token}
            if self._duration is not None:
                params["DurationSeconds"] = self._duration
            return self.sts_client.assume_role_with_web_identity(**params)

        if self._guest:
            # A guest has no token of its own: GetOpenIdToken makes one (10 minutes).
            answer = self._as_guest(
                lambda identity_id: assume(self.cognito_client.get_open_id_token(IdentityId=identity_id)["Token"])
            )
        else:
            answer = self._with_token(lambda grant: assume(grant.token))
        self._identity_id = answer.get("SubjectFromWebIdentityToken") or self._identity_id
        creds = answer["Credentials"]
        return _metadata(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], creds["Expiration"])

    def _with_token(self, call: Callable[[IdentityToken], Any]) -> Any:
        """Calls with the cached token while it is valid; asks the supplier for a new one
        when it is (nearly) expired, or once more when the service refuses a cached one."""
        grant, fresh = self._current_token()
        try:
            return call(grant)
        except ClientError as exc:
            if fresh or self._supplier is None or _code(exc) not in _TOKEN_REFUSED:
                raise
        self._token = None
        grant, _ = self._current_token()
        return call(grant)

    def _current_token(self) -> tuple[IdentityToken, bool]:
        """The token to use, and whether the supplier was just asked for it."""
        cached = self._token
        if cached is not None:
            expiry = token_expiry(cached.token)
            if self._supplier is None or (expiry is not None and expiry - self._clock() > TOKEN_MARGIN):
                return cached, False
        assert self._supplier is not None  # the constructor requires a token or a supplier
        grant = identity_token(self._supplier())
        self._token, self._identity_id = grant, grant.identity_id
        return grant, True

    def _as_guest(self, call: Callable[[str], Any]) -> Any:
        """A guest's identity id is asked for once (GetId) and kept, as the SDK for
        JavaScript's ``fromCognitoIdentityPool`` caches it; a cached id the pool no longer
        knows is replaced by a new one, once."""
        known = self._identity_id
        if known is not None:
            try:
                return call(known)
            except ClientError as exc:
                if _code(exc) != "ResourceNotFoundException" or self._pool_id is None:
                    raise
        if self._pool_id is None:
            raise ValueError("a guest without an identity_id needs identity_pool_id")
        self._identity_id = self.cognito_client.get_id(IdentityPoolId=self._pool_id)["IdentityId"]
        return call(self._identity_id)

    @staticmethod
    def _region_for(region_name: str | None, pool_id: str | None, identity_id: str | None) -> str:
        named = {r for r in (region_of(pool_id), region_of(identity_id)) if r}
        if len(named) > 1:
            raise ValueError(f"identity_pool_id and identity_id name different regions: {sorted(named)}")
        if region_name and named and region_name not in named:
            raise ValueError(
                f"the identity pool lives in {named.pop()} but region_name is {region_name}: "
                "identity pools answer in their own region only"
            )
        region = region_name or (named.pop() if named else None) or boto3.session.Session().region_name
        if not region:
            raise ValueError("no region: pass region_name=, or identity_pool_id=/identity_id= (they name "
                             "their region), or set AWS_REGION")
        return str(region)


class _Provider:
    """A botocore credential provider (the resolver asks ``load()``, finds it by
    ``METHOD``) that always answers with one credentials object."""

    METHOD = METHOD

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


def _metadata(access_key: str, secret_key: str, session_token: str, expiration: dt.datetime) -> dict[str, str]:
    """What botocore's refreshable credentials read (``_set_from_data``)."""
    return {"access_key": access_key, "secret_key": secret_key, "token": session_token,
            "expiry_time": expiration.isoformat()}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
