"""Our tokens through independent verifiers, as relying parties would check them
(J15 in docs/SECURITY.md): PyJWT, joserfc and Node's ``jose``, each pinned to RS512 and fed
only our JWKS. Each must accept our token and refuse the J01-J09 forgeries."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from jws_forgery import forge, hmac_signer, rsa_signer, segment
from keys_testdata import ISSUER

from idpool.keys.signing import KeyRing

JS_DIR = Path(__file__).resolve().parents[1] / "js"
NOW = int(time.time())  # the independent verifiers read the real clock (node's is passed in)
HEADER = {"kid": "us-east-11", "typ": "JWS", "alg": "RS512"}
AUDIENCE = "us-east-1:4f1c2d9e-1b7a-4c51-9a0e-2f8d6c3b5a71"


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "us-east-1:0d3c7a9b-8e21-4f6a-b5c4-7e9f1a2b3c4d",
        "aud": AUDIENCE,
        "amr": ["unauthenticated"],
        "iss": ISSUER,
        "exp": NOW + 900,
        "iat": NOW - 5,
    }
    return {**base, **changes}


def forgeries(ring: KeyRing, ours: rsa.RSAPrivateKey, foreign: rsa.RSAPrivateKey) -> dict[str, str]:
    pem = ours.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk_bytes = json.dumps(ring.jwks()["keys"][0]).encode()
    head, _, signature = ring.sign(claims()).split(".")
    return {
        "alg none": forge({**HEADER, "alg": "none"}, claims()),
        "HS256 keyed with public PEM": forge({**HEADER, "alg": "HS256"}, claims(), hmac_signer(pem, "sha256")),
        "HS512 keyed with public JWK": forge({**HEADER, "alg": "HS512"}, claims(), hmac_signer(jwk_bytes, "sha512")),
        "RS256 by our key": forge({**HEADER, "alg": "RS256"}, claims(), rsa_signer(ours, "RS256")),
        "PS512 by our key": forge({**HEADER, "alg": "PS512"}, claims(), rsa_signer(ours, "PS512")),
        "foreign key, our kid": forge(HEADER, claims(), rsa_signer(foreign, "RS512")),
        "unknown kid": forge({**HEADER, "kid": "us-east-12"}, claims(), rsa_signer(ours, "RS512")),
        "payload swapped": f"{head}.{segment(claims(sub='us-east-1:other'))}.{signature}",
        "expired": ring.sign(claims(exp=NOW - 3600, iat=NOW - 4500)),
        "wrong iss": ring.sign(claims(iss="https://cognito-identity.amazonaws.com")),
        "two segments": f"{head}.{signature}",
    }


@pytest.fixture(scope="module")
def cases(ring: KeyRing, private_key: rsa.RSAPrivateKey, foreign_key: rsa.RSAPrivateKey) -> dict[str, str]:
    return forgeries(ring, private_key, foreign_key)


def check(verify: Callable[[str], dict[str, Any]], ring: KeyRing, cases: dict[str, str]) -> None:
    assert verify(ring.sign(claims())) == claims()
    accepted = []
    for name, token in cases.items():
        try:
            verify(token)
            accepted.append(name)
        except Exception:  # each library has its own error tree; any refusal will do
            pass
    assert accepted == []


@pytest.mark.catalogue("J15")
def test_pyjwt_accepts_ours_and_refuses_forgeries(ring: KeyRing, cases: dict[str, str]) -> None:
    keyset = pyjwt.PyJWKSet.from_dict(ring.jwks())

    def verify(token: str) -> dict[str, Any]:
        kid = pyjwt.get_unverified_header(token)["kid"]
        [key] = [key for key in keyset.keys if key.key_id == kid]
        return dict(
            pyjwt.decode(
                token,
                key=key,
                algorithms=["RS512"],
                issuer=ISSUER,
                audience=AUDIENCE,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        )

    check(verify, ring, cases)


@pytest.mark.catalogue("J15")
def test_joserfc_accepts_ours_and_refuses_forgeries(ring: KeyRing, cases: dict[str, str]) -> None:
    keyset = KeySet.import_key_set(ring.jwks())  # type: ignore[arg-type]
    registry = jose_jwt.JWTClaimsRegistry(
        now=NOW,
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
        iat={"essential": True},
    )

    def verify(token: str) -> dict[str, Any]:
        decoded = jose_jwt.decode(token, keyset, algorithms=["RS512"])
        registry.validate(decoded.claims)
        assert decoded.header == HEADER
        return dict(decoded.claims)

    check(verify, ring, cases)


def _node_verify(ring: KeyRing, tokens: list[str]) -> list[dict[str, Any]]:
    if shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required under CI=true")
        pytest.skip("node is not installed")
    if not (JS_DIR / "node_modules" / "jose").is_dir():
        pytest.fail(f"the jose package is not installed: run `npm ci` in {JS_DIR}")
    request = {"jwks": ring.jwks(), "issuer": ISSUER, "audience": AUDIENCE, "now": NOW, "tokens": tokens}
    done = subprocess.run(
        ["node", "verify.mjs"], cwd=JS_DIR, input=json.dumps(request), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    assert len(results) == len(tokens)
    return results


@pytest.mark.catalogue("J15")
@pytest.mark.slow  # starts node
def test_node_jose_accepts_ours_and_refuses_forgeries(ring: KeyRing, cases: dict[str, str]) -> None:
    ours = ring.sign(claims())
    [first, *rest] = _node_verify(ring, [ours, *cases.values()])
    assert first == {"ok": True, "header": HEADER, "payload": claims()}
    refused = {name: result for name, result in zip(cases, rest, strict=True)}
    assert [name for name, result in refused.items() if result["ok"]] == []
    assert refused["expired"]["code"] == "ERR_JWT_EXPIRED"
    assert refused["wrong iss"]["code"] == "ERR_JWT_CLAIM_VALIDATION_FAILED"
    assert refused["foreign key, our kid"]["code"] == "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
