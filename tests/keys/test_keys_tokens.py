"""RS512 OpenID tokens: the exact shape we sign, and everything the verifier refuses
(docs/SECURITY.md J01-J09, J13, J15; RFC 8725)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jws_forgery import b64, forge, hmac_signer, rsa_signer, segment
from keys_testdata import ISSUER, START

from idpool.keys import jws
from idpool.keys.errors import NoActiveKey, SealError, TokenExpired, TokenInvalid, UnknownKid
from idpool.keys.sealing import Sealer
from idpool.keys.signing import KeyRing, generate_signing_key, public_jwk
from idpool.model import SigningKey

NOW = START + dt.timedelta(hours=1)
T = int(NOW.timestamp())
KID = "us-east-11"
POOL = "us-east-1:4f1c2d9e-1b7a-4c51-9a0e-2f8d6c3b5a71"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def claims(**changes: Any) -> dict[str, Any]:
    """Cognito-shaped claims at NOW; a change to ``None`` removes the claim."""
    base: dict[str, Any] = {
        "sub": "us-east-1:0d3c7a9b-8e21-4f6a-b5c4-7e9f1a2b3c4d",
        "aud": POOL,
        "amr": ["authenticated", "login.example", f"login.example:{POOL}:alice"],
        "iss": ISSUER,
        "exp": T + 900,
        "iat": T,
        "https://cognito-identity.amazonaws.com/identity-pool-arn": (
            f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{POOL}"
        ),
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


HEADER = {"kid": KID, "typ": "JWS", "alg": "RS512"}


def verify(ring: KeyRing, token: Any, **kwargs: Any) -> dict[str, Any]:
    return ring.verify(token, now=kwargs.pop("now", NOW), issuer=kwargs.pop("issuer", ISSUER), **kwargs)


# --- what we sign --------------------------------------------------------------------------
def test_header_is_exactly_cognitos(ring: KeyRing) -> None:
    header_b64 = ring.sign(claims()).split(".")[0]
    assert base64.urlsafe_b64decode(header_b64 + "==") == b'{"kid":"us-east-11","typ":"JWS","alg":"RS512"}'
    assert ring.active_kid == KID


def test_claims_come_back_exactly_as_given(ring: KeyRing) -> None:
    given = claims(
        amr=["unauthenticated"],
        **{"https://aws.amazon.com/tags": {"principal_tags": {"dept": ["é-ü", "x\"y"]}, "transitive_tag_keys": []}},
    )
    token = ring.sign(given)
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload == given and list(payload) == list(given)
    assert verify(ring, token) == given


def test_signature_is_pkcs1v15_sha512_under_the_published_key(ring: KeyRing) -> None:
    token = ring.sign(claims())
    header_b64, payload_b64, signature_b64 = token.split(".")
    [jwk] = ring.jwks()["keys"]
    numbers = rsa.RSAPublicNumbers(
        int.from_bytes(base64.urlsafe_b64decode(jwk["e"] + "=="), "big"),
        int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=="), "big"),
    )
    numbers.public_key().verify(  # raises if not
        base64.urlsafe_b64decode(signature_b64 + "=="),
        f"{header_b64}.{payload_b64}".encode(),
        padding.PKCS1v15(),
        hashes.SHA512(),
    )
    assert "=" not in token and "+" not in token and "/" not in token


@pytest.mark.catalogue("K03")
def test_jwks_is_cognito_shaped_and_public_only(ring: KeyRing, signing_key: SigningKey) -> None:
    [jwk] = ring.jwks()["keys"]
    assert set(jwk) == {"kty", "alg", "use", "kid", "n", "e"}
    assert (jwk["kty"], jwk["alg"], jwk["use"], jwk["kid"], jwk["e"]) == ("RSA", "RS512", "sig", KID, "AQAB")
    assert not PRIVATE_MEMBERS & set(signing_key.public_jwk)
    assert ring.kids() == frozenset({KID})


def test_generated_record(signing_key: SigningKey, sealer: Sealer) -> None:
    assert signing_key.active and signing_key.alg == "RS512" and signing_key.created_at == START
    assert signing_key.retired_at is None and signing_key.verify_until is None
    assert b"PRIVATE KEY" not in signing_key.sealed_private_key
    with pytest.raises(SealError):  # bound to its kid
        sealer.unseal(signing_key.sealed_private_key, b"signing-key:us-east-12")


def test_keys_below_2048_bits_are_refused(sealer: Sealer) -> None:
    with pytest.raises(ValueError):
        generate_signing_key("us-east-19", sealer, START, bits=1024)


# --- what the verifier accepts at the edges -------------------------------------------------
@pytest.mark.catalogue("J08")
def test_leeway_edges(ring: KeyRing) -> None:
    assert verify(ring, ring.sign(claims(exp=T - 59)))
    with pytest.raises(TokenExpired):
        verify(ring, ring.sign(claims(exp=T - 60)))
    with pytest.raises(TokenExpired):
        verify(ring, ring.sign(claims(exp=T)), leeway=dt.timedelta(0))
    assert verify(ring, ring.sign(claims(exp=T + 1)), leeway=dt.timedelta(0))
    assert verify(ring, ring.sign(claims(iat=T + 60)))
    with pytest.raises(TokenInvalid):
        verify(ring, ring.sign(claims(iat=T + 61)))
    assert verify(ring, ring.sign(claims(nbf=T + 60)))
    with pytest.raises(TokenInvalid):
        verify(ring, ring.sign(claims(nbf=T + 61)))
    assert verify(ring, ring.sign(claims(exp=T + 0.5, iat=T - 0.5)))  # NumericDate may be fractional


def test_expired_is_also_invalid_for_callers_that_catch_only_that(ring: KeyRing) -> None:
    with pytest.raises(TokenInvalid) as caught:
        verify(ring, ring.sign(claims(exp=T - 3600)))
    assert isinstance(caught.value, TokenExpired)


@pytest.mark.catalogue("J07")
def test_a_forged_expired_token_is_invalid_not_expired(ring: KeyRing, foreign_key: rsa.RSAPrivateKey) -> None:
    token = forge(HEADER, claims(exp=T - 3600), rsa_signer(foreign_key, "RS512"))
    with pytest.raises(TokenInvalid) as caught:
        verify(ring, token)
    assert not isinstance(caught.value, TokenExpired)


@pytest.mark.catalogue("J05")
@pytest.mark.parametrize("extra", [{"jku": "http://evil.example/jwks"}, {"x5u": "http://evil.example/c"}])
def test_url_headers_are_ignored_on_a_token_we_signed(
    ring: KeyRing, private_key: rsa.RSAPrivateKey, extra: dict[str, str]
) -> None:
    token = forge({**HEADER, **extra}, claims(), rsa_signer(private_key, "RS512"))
    assert verify(ring, token) == claims()


@pytest.mark.catalogue("J13")
def test_token_just_under_the_size_cap_verifies(ring: KeyRing) -> None:
    base = len(ring.sign(claims(pad="")))
    pad = "x" * ((jws.MAX_TOKEN_CHARS - base) * 3 // 4 - 3)
    token = ring.sign(claims(pad=pad))
    assert jws.MAX_TOKEN_CHARS - 8 <= len(token) <= jws.MAX_TOKEN_CHARS
    assert verify(ring, token)["pad"] == pad
    with pytest.raises(TokenInvalid, match="too long"):
        verify(ring, ring.sign(claims(pad=pad + "x" * 12)))


@pytest.mark.catalogue("J13")
def test_oversized_tokens_are_refused_before_any_decoding(ring: KeyRing, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("decoded an oversized token")

    monkeypatch.setattr(jws, "b64url_decode", must_not_run)
    monkeypatch.setattr(jws, "parse_json_object", must_not_run)
    valid_shape = ring.sign(claims())
    with pytest.raises(TokenInvalid, match="too long"):
        verify(ring, valid_shape + "A" * (jws.MAX_TOKEN_CHARS - len(valid_shape) + 1))
    with pytest.raises(TokenInvalid, match="too long"):
        verify(ring, "a." * 50000)


# --- what the verifier refuses ----------------------------------------------------------------
@dataclasses.dataclass
class Keys:
    ring: KeyRing
    ours: rsa.RSAPrivateKey
    foreign: rsa.RSAPrivateKey

    def signed(self, header: Any = HEADER, payload: Any = None, scheme: str = "RS512") -> str:
        return forge(header, claims() if payload is None else payload, rsa_signer(self.ours, scheme))

    def public_pem(self) -> bytes:
        return self.ours.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_jwk_bytes(self) -> bytes:
        return json.dumps(self.ring.jwks()["keys"][0]).encode()


def _flip_last_signature_bit(token: str) -> str:
    head, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[-1] ^= 1
    return f"{head}.{payload}.{b64(bytes(raw))}"


def _swap_payload(token: str) -> str:
    head, _, signature = token.split(".")
    return f"{head}.{segment(claims(sub='us-east-1:someone-else'))}.{signature}"


def _non_canonical_last_char(token: str) -> str:
    # The RS512 signature of a 2048-bit key is 256 bytes: 342 chars, the last carrying 2 spare bits.
    head, payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    return f"{head}.{payload}.{signature[:-1]}{alphabet[last | 1]}"


HOSTILE_KIDS = ["../../../etc/passwd", "us-east-11' OR '1'='1", "us-east-11\x00", "US-EAST-11", " us-east-11", ""]
DUPLICATE_HEADER = b'{"kid":"us-east-11","typ":"JWS","alg":"RS512","alg":"RS512"}'

REJECTED: dict[str, Callable[[Keys], Any]] = {
    # J01 alg none
    "alg none, no signature": lambda k: forge({**HEADER, "alg": "none"}, claims()),
    "alg none, with our signature": lambda k: k.signed({**HEADER, "alg": "none"}),
    "alg None": lambda k: k.signed({**HEADER, "alg": "None"}),
    "alg missing": lambda k: k.signed({"kid": KID, "typ": "JWS"}),
    "alg as a list": lambda k: k.signed({**HEADER, "alg": ["RS512"]}),
    # J02 key confusion: HMAC keyed with our public key in every form a library might use
    "HS256 keyed with public PEM": lambda k: forge({**HEADER, "alg": "HS256"}, claims(), hmac_signer(k.public_pem(), "sha256")),
    "HS512 keyed with public PEM": lambda k: forge({**HEADER, "alg": "HS512"}, claims(), hmac_signer(k.public_pem(), "sha512")),
    "HS256 keyed with public JWK": lambda k: forge({**HEADER, "alg": "HS256"}, claims(), hmac_signer(k.public_jwk_bytes(), "sha256")),
    "HS512 keyed with public JWK": lambda k: forge({**HEADER, "alg": "HS512"}, claims(), hmac_signer(k.public_jwk_bytes(), "sha512")),
    "RS512 header, HMAC signature": lambda k: forge({**HEADER, "alg": "RS512"}, claims(), hmac_signer(k.public_pem(), "sha512")),
    # J03 a valid signature by our own key under another alg
    "RS256 with our key": lambda k: k.signed({**HEADER, "alg": "RS256"}, scheme="RS256"),
    "PS512 with our key": lambda k: k.signed({**HEADER, "alg": "PS512"}, scheme="PS512"),
    "RS512 header, PS512 signature": lambda k: k.signed(HEADER, scheme="PS512"),
    "RS512 header, RS256 signature": lambda k: k.signed(HEADER, scheme="RS256"),
    # J04 / J05 keys that are not ours
    "foreign key under our kid": lambda k: forge(HEADER, claims(), rsa_signer(k.foreign, "RS512")),
    "foreign key embedded as jwk": lambda k: forge(
        {**HEADER, "jwk": public_jwk(KID, k.foreign.public_key())}, claims(), rsa_signer(k.foreign, "RS512")
    ),
    "foreign key named by jku": lambda k: forge(
        {**HEADER, "jku": "http://127.0.0.1:1/jwks.json"}, claims(), rsa_signer(k.foreign, "RS512")
    ),
    "unknown kid": lambda k: k.signed({**HEADER, "kid": "us-east-12"}),
    "kid missing": lambda k: k.signed({"typ": "JWS", "alg": "RS512"}),
    "kid is a number": lambda k: k.signed({**HEADER, "kid": 11}),
    "kid is a list": lambda k: k.signed({**HEADER, "kid": [KID]}),
    "kid is null": lambda k: k.signed({**HEADER, "kid": None}),
    **{f"hostile kid {kid!r}": (lambda kid: lambda k: k.signed({**HEADER, "kid": kid}))(kid) for kid in HOSTILE_KIDS},
    # J06 crit, J15 typ
    "crit": lambda k: k.signed({**HEADER, "crit": ["exp"], "exp": 1}),
    "crit empty": lambda k: k.signed({**HEADER, "crit": []}),
    "typ JWT": lambda k: k.signed({**HEADER, "typ": "JWT"}),
    "typ missing": lambda k: k.signed({"kid": KID, "alg": "RS512"}),
    "typ of another token kind": lambda k: k.signed({**HEADER, "typ": "at+jwt"}),
    # J07 tampering and malformed encodings
    "payload swapped": lambda k: _swap_payload(k.ring.sign(claims())),
    "signature bit flipped": lambda k: _flip_last_signature_bit(k.ring.sign(claims())),
    "signature truncated": lambda k: k.ring.sign(claims())[:-4],
    "signature empty": lambda k: k.ring.sign(claims()).rsplit(".", 1)[0] + ".",
    "signature non-canonical base64": lambda k: _non_canonical_last_char(k.ring.sign(claims())),
    "two segments": lambda k: k.ring.sign(claims()).rsplit(".", 1)[0],
    "four segments": lambda k: k.ring.sign(claims()) + ".AAAA",
    "four segments, empty tail": lambda k: k.ring.sign(claims()) + ".",
    "one segment": lambda k: k.ring.sign(claims()).replace(".", ""),
    "empty string": lambda k: "",
    "not a string": lambda k: k.ring.sign(claims()).encode(),
    "None": lambda k: None,
    "padding characters": lambda k: k.ring.sign(claims()) + "==",
    "standard base64 alphabet": lambda k: k.ring.sign(claims()).replace("-", "+").replace("_", "/") + "+/",
    "whitespace": lambda k: k.ring.sign(claims()).replace(".", ". ", 1),
    "trailing newline": lambda k: k.ring.sign(claims()) + "\n",
    "non-ASCII": lambda k: k.ring.sign(claims()) + "é",
    "segment of length 1 mod 4": lambda k: "A." + k.ring.sign(claims()).split(".", 1)[1],
    "header duplicate member": lambda k: k.signed(DUPLICATE_HEADER),
    "payload duplicate member": lambda k: k.signed(payload=json.dumps(claims()).encode()[:-1] + b',"sub":"x"}'),
    "header not an object": lambda k: k.signed(b'["RS512"]'),
    "header not JSON": lambda k: k.signed(b"{kid:us-east-11}"),
    "payload not an object": lambda k: k.signed(payload=b"[1,2]"),
    "payload not UTF-8": lambda k: k.signed(payload=b'{"iss":"\xff"}'),
    "payload with NaN": lambda k: k.signed(payload=json.dumps(claims()).encode()[:-1] + b',"x":NaN}'),
    "payload deeply nested": lambda k: k.signed(payload=b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"),
    "payload with a 4000-digit number": lambda k: k.signed(payload=json.dumps(claims()).encode()[:-1] + b',"x":' + b"9" * 4400 + b"}"),
    # J08 time claims
    "exp missing": lambda k: k.signed(payload=claims(exp=None)),
    "exp a string": lambda k: k.signed(payload=claims(exp=str(T + 900))),
    "exp true": lambda k: k.signed(payload=claims(exp=True)),
    "exp astronomically far": lambda k: k.signed(payload=claims(exp=10**400)),
    "iat missing": lambda k: k.signed(payload=claims(iat=None)),
    "iat in the future": lambda k: k.signed(payload=claims(iat=T + 3600)),
    "nbf in the future": lambda k: k.signed(payload=claims(nbf=T + 3600)),
    "nbf a string": lambda k: k.signed(payload=claims(nbf="0")),
    # J09 issuer
    "wrong iss": lambda k: k.signed(payload=claims(iss="https://cognito-identity.amazonaws.com")),
    "iss with a trailing slash": lambda k: k.signed(payload=claims(iss=ISSUER + "/")),
    "iss missing": lambda k: k.signed(payload=claims(iss=None)),
    "iss as a list": lambda k: k.signed(payload=claims(iss=[ISSUER])),
}


@pytest.fixture(scope="module")
def keys(ring: KeyRing, private_key: rsa.RSAPrivateKey, foreign_key: rsa.RSAPrivateKey) -> Keys:
    return Keys(ring, private_key, foreign_key)


@pytest.mark.catalogue("J01", "J02", "J03", "J04", "J05", "J06", "J07", "J08", "J09", "J15")
@pytest.mark.parametrize("case", REJECTED)
def test_rejected(case: str, keys: Keys) -> None:
    token = REJECTED[case](keys)
    with pytest.raises(TokenInvalid) as caught:
        verify(keys.ring, token)
    assert not isinstance(caught.value, TokenExpired)
    assert caught.value.reason


def test_control_our_own_forging_makes_valid_tokens(keys: Keys) -> None:
    """The cases above fail for the reason they name, not because forging is broken."""
    assert verify(keys.ring, keys.signed()) == claims()
    assert verify(keys.ring, keys.signed(payload=json.dumps(claims()).encode())) == claims()


@pytest.mark.catalogue("J04")
@pytest.mark.parametrize("kid", ["us-east-12", *HOSTILE_KIDS])
def test_unknown_and_hostile_kids_are_unknown_kid_and_not_echoed(keys: Keys, kid: str) -> None:
    with pytest.raises(UnknownKid) as caught:
        verify(keys.ring, keys.signed({**HEADER, "kid": kid}))
    assert kid not in caught.value.reason or kid == ""


@pytest.mark.catalogue("J09")
def test_wrong_issuer_argument_is_refused(ring: KeyRing) -> None:
    with pytest.raises(TokenInvalid):
        verify(ring, ring.sign(claims()), issuer="http://other:4566")


# --- building a ring ------------------------------------------------------------------------------
def test_ring_needs_exactly_one_active_key(signing_key: SigningKey, sealer: Sealer) -> None:
    retired = dataclasses.replace(signing_key, active=False, verify_until=NOW)
    with pytest.raises(NoActiveKey):
        KeyRing([retired], sealer)
    with pytest.raises(NoActiveKey):
        KeyRing([], sealer)
    other = generate_signing_key("us-east-12", sealer, START)
    with pytest.raises(NoActiveKey):
        KeyRing([signing_key, other], sealer)


def test_ring_refuses_duplicate_kids(signing_key: SigningKey, sealer: Sealer) -> None:
    twin = dataclasses.replace(signing_key, active=False, verify_until=NOW)
    with pytest.raises(ValueError):
        KeyRing([signing_key, twin], sealer)


def test_ring_refuses_a_key_moved_to_another_kid(signing_key: SigningKey, sealer: Sealer) -> None:
    moved = dataclasses.replace(signing_key, kid="us-east-12", public_jwk={**signing_key.public_jwk, "kid": "us-east-12"})
    with pytest.raises(SealError):
        KeyRing([moved], sealer)


def test_ring_refuses_a_private_key_that_does_not_match_its_jwk(
    signing_key: SigningKey, sealer: Sealer, foreign_key: rsa.RSAPrivateKey
) -> None:
    mismatched = dataclasses.replace(signing_key, public_jwk=public_jwk(KID, foreign_key.public_key()))
    with pytest.raises(ValueError):
        KeyRing([mismatched], sealer)


def test_ring_refuses_another_master_key(signing_key: SigningKey) -> None:
    with pytest.raises(SealError):
        KeyRing([signing_key], Sealer(bytes(32)))


@pytest.mark.catalogue("K03")
def test_jwks_never_copies_private_members_from_a_record(signing_key: SigningKey, sealer: Sealer) -> None:
    polluted = dataclasses.replace(signing_key, public_jwk={**signing_key.public_jwk, "d": "secret", "p": "x"})
    ring = KeyRing([polluted], sealer)
    assert not PRIVATE_MEMBERS & set(ring.jwks()["keys"][0])
