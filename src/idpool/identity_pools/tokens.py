"""OpenID tokens as Cognito Identity forms them (from decoded Cognito tokens and the Developer Guide).

``amr`` is ``["authenticated", <provider>, "<provider>:<IdentityPoolId>:<user id>"]`` for
developer logins and ``["unauthenticated"]`` for guests; principal tags travel in
``https://aws.amazon.com/tags`` as ``{"principal_tags": {key: [value]}}``. A token longer than
STS accepts as a ``WebIdentityToken`` (20,000 characters) is never issued: with the largest
principal tags it would be, and no one could exchange it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from idpool import errors
from idpool.keys.errors import TokenExpired, TokenInvalid
from idpool.keys.jws import MAX_TOKEN_CHARS
from idpool.model import Identity, IdentityPool
from idpool.sts.web_identity import TAGS_CLAIM

POOL_ARN_CLAIM = "https://cognito-identity.amazonaws.com/identity-pool-arn"
DEFAULT_DEVELOPER_TOKEN_SECONDS = 900  # GetOpenIdTokenForDeveloperIdentity default: 15 minutes
OPEN_ID_TOKEN_SECONDS = 600  # GetOpenIdToken: "The OpenID token is valid for 10 minutes."


class TokenKeys(Protocol):
    """The signing side of ``idpool.keys`` as the domain sees it."""

    def sign(self, claims: Mapping[str, Any]) -> str: ...

    def verify(self, token: str, *, now: dt.datetime) -> dict[str, Any]:
        """Claims of a token we issued; raises ``TokenInvalid`` / ``TokenExpired``."""


@dataclass(frozen=True)
class TokenFactory:
    keys: TokenKeys
    issuer: str

    def issue(
        self,
        pool: IdentityPool,
        pool_arn: str,
        identity_id: str,
        amr: Sequence[str],
        now: dt.datetime,
        seconds: int,
        principal_tags: Mapping[str, str] | None = None,
    ) -> str:
        issued = int(now.timestamp())
        claims: dict[str, Any] = {
            "sub": identity_id,
            "aud": pool.pool_id,
            "amr": list(amr),
            "iss": self.issuer,
            POOL_ARN_CLAIM: pool_arn,
            "exp": issued + seconds,
            "iat": issued,
        }
        if principal_tags:
            claims[TAGS_CLAIM] = {"principal_tags": {k: [v] for k, v in principal_tags.items()}}
        token = self.keys.sign(claims)
        if len(token) > MAX_TOKEN_CHARS:
            what = "The principal tags make the token" if principal_tags else "The token would be"
            raise errors.InvalidParameter(
                f"{what} {len(token)} characters long; a web identity token may be at most "
                f"{MAX_TOKEN_CHARS} characters (STS WebIdentityToken). Pass fewer or shorter principal tags."
            )
        return token


def developer_amr(provider: str, pool_id: str, user_id: str) -> list[str]:
    return ["authenticated", provider, f"{provider}:{pool_id}:{user_id}"]


def developer_logins_in_amr(amr: Sequence[str], provider: str, pool_id: str) -> list[str]:
    """The developer user ids a token's ``amr`` names for this pool's provider."""
    prefix = f"{provider}:{pool_id}:"
    return [entry[len(prefix):] for entry in amr if entry.startswith(prefix)]


def verify_cognito_login(
    keys: TokenKeys, token: str, identity: Identity, pool: IdentityPool, now: dt.datetime
) -> dict[str, Any]:
    """Check a ``cognito-identity.amazonaws.com`` login presented for ``identity``.

    The token must be ours, unexpired, for this pool and this identity; an
    authenticated token must still name a login linked to the identity (so tokens of a
    developer user unlinked since stop working at once).
    """
    try:
        claims = keys.verify(token, now=now)
    except TokenExpired as exc:
        raise errors.NotAuthorized(f"Invalid login token. Token expired: {exc}", detail=str(exc)) from None
    except TokenInvalid as exc:
        raise errors.NotAuthorized("Invalid login token. Couldn't verify signed token.", detail=str(exc)) from None
    if claims.get("aud") != pool.pool_id or claims.get("sub") != identity.identity_id:
        raise logins_dont_match(detail="the token was issued for another identity or identity pool")
    amr = claims.get("amr")
    if not isinstance(amr, list) or not all(isinstance(a, str) for a in amr):
        raise errors.NotAuthorized("Invalid login token. Missing a required claim: amr")
    if names_unlinked_developer(amr, identity, pool):
        raise logins_dont_match(detail="the developer user in the token is no longer linked to this identity")
    return claims


def names_unlinked_developer(amr: Sequence[str], identity: Identity, pool: IdentityPool) -> bool:
    """Whether an authenticated token names developer users none of whom is still linked."""
    if "authenticated" not in amr or not pool.developer_provider_name:
        return False
    named = developer_logins_in_amr(amr, pool.developer_provider_name, pool.pool_id)
    return bool(named) and not set(identity.logins_of(pool.developer_provider_name)).intersection(named)


def logins_dont_match(detail: str | None = None) -> errors.NotAuthorized:
    return errors.NotAuthorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
        detail=detail,
    )
