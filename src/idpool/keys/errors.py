"""Errors raised by ``idpool.keys``.

The tree::

    KeysError
    ├── MasterKeyError        the master key is missing, malformed or badly protected
    ├── SealError             a sealed blob failed authentication (tamper, wrong key, wrong AAD)
    ├── NoActiveKey           a key ring was built without exactly one active signing key
    └── TokenInvalid          an OpenID token was rejected
        ├── UnknownKid        ... because its ``kid`` is not in the ring (a cache may reload)
        └── TokenExpired      ... because it is past ``exp`` (+ leeway)

``TokenExpired`` is a ``TokenInvalid`` so that a caller catching only
``TokenInvalid`` never lets an expired token escape as an internal error; a
caller that maps expiry to its own wire error (STS ``ExpiredTokenException``)
catches ``TokenExpired`` first.

``reason`` is for logs only: it never holds key material, and never echoes
attacker-supplied header values.
"""

from __future__ import annotations


class KeysError(Exception):
    pass


class MasterKeyError(KeysError):
    pass


class SealError(KeysError):
    pass


class NoActiveKey(KeysError):
    pass


class TokenInvalid(KeysError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownKid(TokenInvalid):
    pass


class TokenExpired(TokenInvalid):
    pass
