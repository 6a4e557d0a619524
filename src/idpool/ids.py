"""Identifiers in AWS's formats. Randomness comes from ``secrets``."""

from __future__ import annotations

import base64
import secrets
import uuid

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def new_regional_guid(region: str) -> str:
    """``<region>:<lowercase GUID>``: the form of IdentityPoolId and IdentityId."""
    return f"{region}:{uuid.uuid4()}"


def _upper_b32(n: int) -> str:
    return "".join(secrets.choice(_B32) for _ in range(n))


def new_access_key_id(prefix: str) -> str:
    """20 characters like AWS's: ``AKIA`` (long-term) or ``ASIA`` (temporary) + 16."""
    return prefix + _upper_b32(16)


def new_unique_id(prefix: str) -> str:
    """IAM unique ids: ``AROA`` roles, ``AIDA`` users; 21 characters."""
    return prefix + _upper_b32(17)


def new_secret_access_key() -> str:
    """40 characters of base64, as AWS secret access keys look."""
    return base64.b64encode(secrets.token_bytes(30)).decode()


def new_request_id() -> str:
    return str(uuid.uuid4())
