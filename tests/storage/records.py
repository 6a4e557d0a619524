"""Records for the storage tests: fresh ids every time, fixed instants."""

from __future__ import annotations

import datetime as dt
import secrets

from idpool.ids import new_regional_guid
from idpool.model import Identity, IdentityPool, SigningKey

T0 = dt.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
ACCOUNT = "111111111111"
OTHER_ACCOUNT = "222222222222"


def new_pool(account_id: str = ACCOUNT, *, name: str = "pool", at: dt.datetime = T0, **extra: object) -> IdentityPool:
    return IdentityPool(
        account_id=account_id, pool_id=new_regional_guid("us-east-1"), name=name,
        allow_unauthenticated=True, created_at=at, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def new_identity(pool: IdentityPool, *, at: dt.datetime = T0, identity_id: str | None = None) -> Identity:
    return Identity(
        identity_id=identity_id or new_regional_guid("us-east-1"), pool_id=pool.pool_id,
        account_id=pool.account_id, created_at=at, last_modified_at=at,
    )  # fmt: skip


def new_key(kid: str | None = None, *, at: dt.datetime = T0) -> SigningKey:
    kid = kid or secrets.token_hex(8)
    return SigningKey(
        kid=kid, alg="RS512", public_jwk={"kty": "RSA", "kid": kid, "n": "AQAB" * 4, "e": "AQAB"},
        sealed_private_key=secrets.token_bytes(48), created_at=at, active=True,
    )  # fmt: skip
