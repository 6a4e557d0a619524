"""OpenID token signing keys and the in-memory ring that signs and verifies with them.

Tokens look like Cognito Identity's own: RS512, header exactly
``{"kid": "<region><n>", "typ": "JWS", "alg": "RS512"}`` (docs/AWS_REFERENCE.md §4).
The ring is built once from stored records; signing and verifying touch neither
the store nor the sealer (the active private key is unsealed once, at build time).

Verification follows RFC 8725: the algorithm is pinned to RS512 whatever the
header says (§2.1, §3.1; J01-J03 in docs/SECURITY.md), keys come only from this ring by an
opaque ``kid`` lookup (§3.10; J04, J05: ``jku``/``x5u``/``jwk``/``x5c`` are
ignored), unknown ``crit`` extensions are refused (RFC 7515 §4.1.11; J06), and
``typ`` must be ``JWS``, the value our tokens carry (RFC 8725 §3.11; J15).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from idpool.keys.errors import NoActiveKey, TokenExpired, TokenInvalid, UnknownKid
from idpool.keys.jws import b64url_decode, b64url_encode, parse_json_object, split_compact
from idpool.keys.sealing import Sealer
from idpool.model import SigningKey

ALG = "RS512"
TYP = "JWS"
MIN_BITS = 2048
_PUBLIC_MEMBERS = ("kty", "alg", "use", "kid", "n", "e")  # RFC 7518 §6.3.1; never d, p, q, dp, dq, qi
_PADDING = padding.PKCS1v15()  # RS512 = RSASSA-PKCS1-v1_5 with SHA-512 (RFC 7518 §3.3)
_HASH = hashes.SHA512()
_MAX_NUMERIC_DATE = 2**53  # keeps NumericDate arithmetic exact in floats


def sealing_aad(kid: str) -> bytes:
    """Binds a sealed private key to its kid: a blob moved to another row does not open."""
    return b"signing-key:" + kid.encode("utf-8")


# --- key generation -------------------------------------------------------------------
def generate_signing_key(kid: str, sealer: Sealer, now: dt.datetime, bits: int = 2048) -> SigningKey:
    """A new active RS512 key; the private key is sealed, the public JWK holds n and e only."""
    if bits < MIN_BITS:
        raise ValueError(f"RSA keys must have at least {MIN_BITS} bits (RFC 7518 §3.3)")
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey(
        kid=kid,
        alg=ALG,
        public_jwk=public_jwk(kid, private_key.public_key()),
        sealed_private_key=sealer.seal(der, sealing_aad(kid)),
        created_at=now,
        active=True,
    )


def public_jwk(kid: str, key: rsa.RSAPublicKey) -> dict[str, str]:
    """The JWKS entry, shaped like Cognito Identity's: kty, alg, use, kid, n, e (RFC 7518 §6.3.1)."""
    numbers = key.public_numbers()
    return {"kty": "RSA", "alg": ALG, "use": "sig", "kid": kid, "n": _b64_uint(numbers.n), "e": _b64_uint(numbers.e)}


def _b64_uint(value: int) -> str:
    # Base64urlUInt: big-endian, minimal length (RFC 7518 §2)
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode("ascii")


def _public_key_from_jwk(record: SigningKey) -> rsa.RSAPublicKey:
    jwk = record.public_jwk
    if jwk.get("kty") != "RSA" or jwk.get("kid") != record.kid or record.alg != ALG:
        raise ValueError(f"signing key {record.kid!r} is not an {ALG} RSA key under its own kid")
    try:
        n = int.from_bytes(b64url_decode(str(jwk["n"])), "big")
        e = int.from_bytes(b64url_decode(str(jwk["e"])), "big")
        key = rsa.RSAPublicNumbers(e, n).public_key()
    except (KeyError, TokenInvalid, ValueError):
        raise ValueError(f"signing key {record.kid!r} has a malformed public JWK") from None
    if key.key_size < MIN_BITS:
        raise ValueError(f"signing key {record.kid!r} has fewer than {MIN_BITS} bits")
    return key


# --- the ring -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Verifier:
    public_key: rsa.RSAPublicKey
    jwk: Mapping[str, str]
    verify_until: dt.datetime | None  # None for the active key: verifiable while it is in the ring

    def usable_at(self, now: dt.datetime) -> bool:
        return self.verify_until is None or now < self.verify_until


class KeyRing:
    """Signs with the one active key; verifies with every key given (until its ``verify_until``)."""

    def __init__(self, keys: Sequence[SigningKey], sealer: Sealer) -> None:
        active = [key for key in keys if key.active]
        if len(active) != 1:
            raise NoActiveKey(f"a key ring needs exactly one active signing key, found {len(active)}")
        if len({key.kid for key in keys}) != len(keys):
            raise ValueError("signing keys must have distinct kids")
        self._verifiers = {key.kid: _verifier(key) for key in keys if key.active or key.verify_until}
        self.active_kid: str = active[0].kid
        self._private_key = _unseal_private_key(active[0], sealer, self._verifiers[self.active_kid].public_key)
        header = {"kid": self.active_kid, "typ": TYP, "alg": ALG}  # AWS's member order
        self._header_b64 = b64url_encode(json.dumps(header, separators=(",", ":")).encode("ascii"))

    def __repr__(self) -> str:
        return f"KeyRing(active_kid={self.active_kid!r}, kids={sorted(self._verifiers)!r})"

    # --- signing: the hot path --------------------------------------------------------
    def sign(self, claims: Mapping[str, Any]) -> str:
        """A compact JWS over exactly these claims, signed RS512 with the active key."""
        payload = json.dumps(dict(claims), separators=(",", ":"), allow_nan=False).encode("utf-8")
        signing_input = self._header_b64 + b"." + b64url_encode(payload)
        signature = self._private_key.sign(signing_input, _PADDING, _HASH)
        return (signing_input + b"." + b64url_encode(signature)).decode("ascii")

    # --- verifying ------------------------------------------------------------------------
    def verify(
        self, token: str, *, now: dt.datetime, issuer: str, leeway: dt.timedelta = dt.timedelta(seconds=60)
    ) -> dict[str, Any]:
        """The token's claims if it is ours, authentic, current and from ``issuer``.

        Raises ``TokenExpired`` past ``exp`` + leeway, ``UnknownKid`` for a kid not in
        the ring, ``TokenInvalid`` for anything else. Claims are checked only after
        the signature, so ``TokenExpired`` is never said of a forged token.
        """
        jws = split_compact(token)
        verifier = self._verifier_for(jws.header, now)
        try:
            verifier.public_key.verify(jws.signature, jws.signing_input, _PADDING, _HASH)
        except InvalidSignature:
            raise TokenInvalid("signature does not verify") from None
        claims = parse_json_object(jws.payload, "payload")
        _check_claims(claims, now=now, issuer=issuer, leeway=leeway)
        return claims

    def _verifier_for(self, header: Mapping[str, Any], now: dt.datetime) -> _Verifier:
        if header.get("alg") != ALG:
            raise TokenInvalid(f"alg is not {ALG}")
        if "crit" in header:
            raise TokenInvalid("crit header is not supported")
        if header.get("typ") != TYP:
            raise TokenInvalid(f"typ is not {TYP}")
        kid = header.get("kid")
        verifier = self._verifiers.get(kid) if isinstance(kid, str) else None
        if verifier is None:
            raise UnknownKid("kid is not a key of this ring")  # the value is not echoed (J04)
        if not verifier.usable_at(now):
            raise TokenInvalid("kid belongs to a retired key past its verify_until")
        return verifier

    # --- publishing -----------------------------------------------------------------------
    def jwks(self, now: dt.datetime | None = None) -> dict[str, list[dict[str, str]]]:
        """Every key a live token may carry (public members only); with ``now``, as of then."""
        return {
            "keys": [
                dict(verifier.jwk)
                for verifier in self._verifiers.values()
                if now is None or verifier.usable_at(now)
            ]
        }

    def kids(self) -> frozenset[str]:
        return frozenset(self._verifiers)


def _verifier(record: SigningKey) -> _Verifier:
    jwk = {name: str(record.public_jwk[name]) for name in _PUBLIC_MEMBERS if name in record.public_jwk}
    return _Verifier(
        public_key=_public_key_from_jwk(record),
        jwk=jwk,
        verify_until=None if record.active else record.verify_until,
    )


def _unseal_private_key(record: SigningKey, sealer: Sealer, public_key: rsa.RSAPublicKey) -> rsa.RSAPrivateKey:
    der = sealer.unseal(record.sealed_private_key, sealing_aad(record.kid))
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or key.public_key().public_numbers() != public_key.public_numbers():
        raise ValueError(f"the sealed private key of {record.kid!r} does not match its public JWK")
    return key


# --- claims (RFC 7519 §4.1) -------------------------------------------------------------------
def _check_claims(claims: Mapping[str, Any], *, now: dt.datetime, issuer: str, leeway: dt.timedelta) -> None:
    if claims.get("iss") != issuer:
        raise TokenInvalid("iss is not this issuer")
    at, slack = now.timestamp(), leeway.total_seconds()
    if at >= _numeric_date(claims, "exp") + slack:
        raise TokenExpired("token has expired")
    if _numeric_date(claims, "iat") > at + slack:
        raise TokenInvalid("iat is in the future")
    if "nbf" in claims and _numeric_date(claims, "nbf") > at + slack:
        raise TokenInvalid("token is not valid yet (nbf)")


def _numeric_date(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    # bool is an int in Python but not a JSON number; huge values would lose exactness
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TokenInvalid(f"{name} is missing or not a number")
    if abs(value) > _MAX_NUMERIC_DATE or not math.isfinite(value):
        raise TokenInvalid(f"{name} is out of range")
    return float(value)
