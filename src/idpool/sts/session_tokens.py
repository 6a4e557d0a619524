"""Temporary credentials that any node can verify without a lookup.

The session token is the session itself, sealed (AES-256-GCM under the master key, AAD
bound to the access key id): it carries the secret access key, the role, the session
name, the expiry, the session policy and tags, and the web identity's claims. A node
that holds the master key opens it; nobody else can read or forge one. Nothing is
stored, so issuing credentials costs no database write.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from idpool.arns import assumed_role_arn, role_arn
from idpool.keys.errors import SealError
from idpool.keys.sealing import Sealer

TOKEN_PREFIX = "IQoJidpool"  # recognisable in logs; AWS's tokens start with "IQoJ" too
MAX_TOKEN_CHARS = 8192


@dataclass(frozen=True)
class Session:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    account_id: str
    role_name: str
    role_id: str
    role_path: str
    session_name: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    source: str  # "web-identity" | "assume-role"
    session_policy: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    web_identity: Mapping[str, Any] | None = None  # {"sub", "aud", "amr", "provider"}
    source_arn: str | None = None  # AssumeRole: the caller

    @property
    def role_arn(self) -> str:
        return role_arn(self.account_id, self.role_name, self.role_path)

    @property
    def arn(self) -> str:
        return assumed_role_arn(self.account_id, self.role_name, self.session_name)

    @property
    def user_id(self) -> str:
        return f"{self.role_id}:{self.session_name}"


def _aad(access_key_id: str) -> bytes:
    return f"session-token:{access_key_id}".encode()


def seal_session(sealer: Sealer, session: Session) -> str:
    doc = {
        "sk": session.secret_access_key, "a": session.account_id, "rn": session.role_name, "ri": session.role_id,
        "rp": session.role_path, "sn": session.session_name, "iat": session.issued_at.timestamp(),
        "exp": session.expires_at.timestamp(), "src": session.source, "pol": session.session_policy,
        "tags": dict(session.tags), "wi": dict(session.web_identity) if session.web_identity else None,
        "caller": session.source_arn,
    }
    blob = sealer.seal(json.dumps(doc, separators=(",", ":")).encode(), _aad(session.access_key_id))
    return TOKEN_PREFIX + base64.b64encode(blob).decode()


def open_session(sealer: Sealer, access_key_id: str, token: str) -> Session | None:
    """The session sealed in ``token`` for ``access_key_id``, or None if it is not one of ours."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        blob = base64.b64decode(token[len(TOKEN_PREFIX):], validate=True)
        doc = json.loads(sealer.unseal(blob, _aad(access_key_id)))
    except (binascii.Error, ValueError, SealError):
        return None
    return Session(
        access_key_id=access_key_id, secret_access_key=doc["sk"], account_id=doc["a"], role_name=doc["rn"],
        role_id=doc["ri"], role_path=doc["rp"], session_name=doc["sn"],
        issued_at=dt.datetime.fromtimestamp(doc["iat"], dt.UTC), expires_at=dt.datetime.fromtimestamp(doc["exp"], dt.UTC),
        source=doc["src"], session_policy=doc["pol"], tags=doc["tags"] or {}, web_identity=doc["wi"],
        source_arn=doc["caller"],
    )
