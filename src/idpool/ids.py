"""Identifiers in AWS's formats. Randomness comes from ``secrets``."""

from __future__ import annotations

import base64
import os
import secrets
import threading
import uuid


def new_regional_guid(region: str) -> str:
    """``<region>:<lowercase GUID>``: the form of IdentityPoolId and IdentityId."""
    return f"{region}:{uuid.uuid4()}"


def _upper_b32(n: int) -> str:
    """``n`` characters of A-Z2-7 from one read of the system's randomness (base32 of
    ceil(5n/8) random bytes: each character is five uniform bits). One ``secrets.choice``
    per character cost a call into the OS each, on every credential issued."""
    return base64.b32encode(secrets.token_bytes((5 * n + 7) // 8)).decode("ascii")[:n]


def new_access_key_id(prefix: str) -> str:
    """20 characters like AWS's: ``AKIA`` (long-term) or ``ASIA`` (temporary) + 16."""
    return prefix + _upper_b32(16)


def new_unique_id(prefix: str) -> str:
    """IAM unique ids: ``AROA`` roles, ``AIDA`` users; 21 characters."""
    return prefix + _upper_b32(17)


def new_secret_access_key() -> str:
    """40 characters of base64, as AWS secret access keys look."""
    return base64.b64encode(secrets.token_bytes(30)).decode()


_BATCH = 64  # request ids drawn from one read of the OS's randomness
_LOCAL = threading.local()  # each thread its own batch: no lock on the hot path


def _forget_batch() -> None:
    _LOCAL.__dict__.clear()  # a forked child must not hand out its parent's next ids


os.register_at_fork(after_in_child=_forget_batch)


def new_request_id() -> str:
    """A request id shaped like AWS's (a lowercase GUID, 8-4-4-4-12 hex digits) of 128 random
    bits: unique across processes and nodes, and telling nothing of how busy the server is.
    The bits come from ``secrets`` 64 ids at a time, per thread: one ``uuid4`` per request
    (a read of the OS's randomness and a UUID object) was a fixed cost on every call."""
    state = _LOCAL.__dict__
    pool: str = state.get("pool", "")
    at: int = state.get("at", 0)
    if at >= len(pool):
        pool, at = secrets.token_hex(16 * _BATCH), 0
        state["pool"] = pool
    state["at"] = at + 32
    h = pool[at:at + 32]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
