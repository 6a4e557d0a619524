"""Building compact JWS tokens by hand, for the attacks the verifier must refuse."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

Part = Mapping[str, Any] | bytes


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(part: Part) -> str:
    return b64(part if isinstance(part, bytes) else json.dumps(part, separators=(",", ":")).encode())


def forge(header: Part, payload: Part, sign: Callable[[bytes], bytes] | None = None, signature: bytes = b"") -> str:
    """A compact JWS built from exactly these parts; signed by ``sign`` over the signing input."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    raw = sign(signing_input.encode("ascii")) if sign else signature
    return f"{signing_input}.{b64(raw)}"


def rsa_signer(key: rsa.RSAPrivateKey, scheme: str) -> Callable[[bytes], bytes]:
    pads: dict[str, tuple[padding.AsymmetricPadding, hashes.HashAlgorithm]] = {
        "RS512": (padding.PKCS1v15(), hashes.SHA512()),
        "RS256": (padding.PKCS1v15(), hashes.SHA256()),
        "PS512": (padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64), hashes.SHA512()),
    }
    pad, digest = pads[scheme]
    return lambda data: key.sign(data, pad, digest)


def hmac_signer(secret: bytes, digest: str) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(secret, data, digest).digest()
