"""Fixtures for idpool.keys: a sealer, one signing key and its ring, raw RSA keys for forging."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from keys_testdata import START

from idpool.keys.sealing import Sealer
from idpool.keys.signing import KeyRing, generate_signing_key, sealing_aad
from idpool.model import SigningKey


# --- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sealer() -> Sealer:
    return Sealer(os.urandom(32))


@pytest.fixture(scope="session")
def signing_key(sealer: Sealer) -> SigningKey:
    return generate_signing_key("us-east-11", sealer, START)


@pytest.fixture(scope="session")
def ring(signing_key: SigningKey, sealer: Sealer) -> KeyRing:
    return KeyRing([signing_key], sealer)


@pytest.fixture(scope="session")
def private_key(signing_key: SigningKey, sealer: Sealer) -> rsa.RSAPrivateKey:
    """Our own private key, unsealed, to forge tokens with the right key but a wrong alg."""
    der = sealer.unseal(signing_key.sealed_private_key, sealing_aad(signing_key.kid))
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@pytest.fixture(scope="session")
def foreign_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
