"""Keys and secrets: the master key, sealing at rest, OpenID token signing keys.

- ``sealing``: ``Sealer`` (AES-256-GCM with purpose-binding AAD) and ``load_master_key``.
- ``signing``: ``generate_signing_key`` and ``KeyRing`` (RS512 sign, strict verify, JWKS).
- ``jws``: the compact serialization, strictly parsed.
- ``rotation``: first key, rotation and the per-node ``KeyRingCache`` against the store.
- ``errors``: the exceptions above raise.

Private keys never leave this package unsealed; nothing here does I/O except
``load_master_key`` (the key file) and the store calls of ``rotation``.
"""

from idpool.keys.errors import (
    KeysError,
    MasterKeyError,
    NoActiveKey,
    SealError,
    TokenExpired,
    TokenInvalid,
    UnknownKid,
)
from idpool.keys.rotation import KeyRingCache, ensure_signing_key, load_keyring, next_kid, rotate
from idpool.keys.sealing import Sealer, load_master_key
from idpool.keys.signing import KeyRing, generate_signing_key

__all__ = [
    "KeyRing",
    "KeyRingCache",
    "KeysError",
    "MasterKeyError",
    "NoActiveKey",
    "SealError",
    "Sealer",
    "TokenExpired",
    "TokenInvalid",
    "UnknownKid",
    "ensure_signing_key",
    "generate_signing_key",
    "load_keyring",
    "load_master_key",
    "next_kid",
    "rotate",
]
