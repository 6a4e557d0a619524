"""Temporary credentials that any node can verify without a lookup.

The session token is the session itself, sealed (AES-256-GCM under the master key, AAD
bound to the access key id): it carries the secret access key, the role, the session
name, the expiry, the session policy and tags, and the web identity's claims. A node
that holds the master key opens it; nobody else can read or forge one. Nothing is
stored, so issuing credentials costs no database write.

A token is accepted back only up to ``MAX_TOKEN_CHARS`` (checked before anything is
decoded), so ``seal_session`` never returns a longer one: it raises ``SessionTooLarge``
and the caller answers with AWS's error (PackedPolicyTooLarge) instead of credentials
that could never be used. To leave room for session tags and policies, the sealed
plaintext is compact: a format byte, the secret, then the rest as zlib-compressed UTF-8
JSON (non-ASCII text is not escaped six characters a piece). The secret stays outside
the compressed part, so the token's length says nothing about it whatever the tags hold.
Tokens sealed in the first format (plain JSON) still open until they expire.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from idpool.arns import assumed_role_arn, federated_user_arn, role_arn, root_arn, user_arn
from idpool.keys.errors import SealError
from idpool.keys.sealing import Sealer

TOKEN_PREFIX = "IQoJidpool"  # recognisable in logs; AWS's tokens start with "IQoJ" too
MAX_TOKEN_CHARS = 8192
_COMPACT = 2  # first plaintext byte of the compact format; the first format's JSON starts with "{"
_MAX_DOCUMENT_BYTES = 256 * 1024  # inflating never makes more than this, whatever the blob says


class SessionTooLarge(ValueError):
    """The sealed session would be longer than the session tokens idpool accepts."""

    def __init__(self, chars: int) -> None:
        super().__init__(f"the session token would be {chars} characters; at most {MAX_TOKEN_CHARS} are accepted")
        self.chars = chars

    @property
    def percent(self) -> int:
        return token_share(self.chars)


def token_share(chars: int) -> int:
    """How much of the session token budget ``chars`` characters use, in percent (rounded up),
    reported as PackedPolicySize: AWS's "how close to the upper size limit"."""
    return math.ceil(chars * 100 / MAX_TOKEN_CHARS)


ROLE_SOURCES = frozenset({"web-identity", "assume-role"})


@dataclass(frozen=True)
class Session:
    """What temporary credentials stand for. Role sessions (``source`` ``web-identity`` or
    ``assume-role``) name their role; GetSessionToken (``session-token``) and GetFederationToken
    (``federation``) sessions name the IAM user who asked for them (``user_name`` None: the
    account's root user), with empty role fields."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    account_id: str
    role_name: str
    role_id: str
    role_path: str
    session_name: str  # the role session name, or the federated user's name
    issued_at: dt.datetime
    expires_at: dt.datetime
    source: str  # "web-identity" | "assume-role" | "session-token" | "federation"
    session_policy: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    web_identity: Mapping[str, Any] | None = None  # {"sub", "aud", "amr", "provider"}
    source_arn: str | None = None  # AssumeRole: the caller
    partition: str = "aws"
    managed_policy_ids: tuple[str, ...] = ()  # session policies given as PolicyArns, resolved when issued
    user_name: str | None = None  # session-token / federation: the IAM user (None: root)
    owner_id: str | None = None  # that user's unique id (AIDA...)
    user_path: str = "/"

    @property
    def is_role_session(self) -> bool:
        return self.source in ROLE_SOURCES

    @property
    def role_arn(self) -> str:
        return role_arn(self.account_id, self.role_name, self.role_path, partition=self.partition)

    @property
    def arn(self) -> str:
        """GetCallerIdentity's Arn: the assumed role, the IAM user (or root), or the federated user."""
        if self.is_role_session:
            return assumed_role_arn(self.account_id, self.role_name, self.session_name, partition=self.partition)
        if self.source == "federation":
            return federated_user_arn(self.account_id, self.session_name, partition=self.partition)
        if self.user_name is None:
            return root_arn(self.account_id, partition=self.partition)
        return user_arn(self.account_id, self.user_name, self.user_path, partition=self.partition)

    @property
    def user_id(self) -> str:
        """GetCallerIdentity's UserId (IAM User Guide, "aws:userid" values per principal)."""
        if self.is_role_session:
            return f"{self.role_id}:{self.session_name}"
        if self.source == "federation":
            return f"{self.account_id}:{self.session_name}"
        return self.owner_id or self.account_id


def _aad(access_key_id: str) -> bytes:
    return f"session-token:{access_key_id}".encode()


def seal_session(sealer: Sealer, session: Session) -> str:
    """The session token for ``session``; ``SessionTooLarge`` if it would not be accepted back."""
    doc = {
        "a": session.account_id, "rn": session.role_name, "ri": session.role_id,
        "rp": session.role_path, "sn": session.session_name, "iat": session.issued_at.timestamp(),
        "exp": session.expires_at.timestamp(), "src": session.source, "pol": session.session_policy,
        "tags": dict(session.tags), "wi": dict(session.web_identity) if session.web_identity else None,
        "caller": session.source_arn, "pt": session.partition, "mp": list(session.managed_policy_ids),
        "un": session.user_name, "ui": session.owner_id, "up": session.user_path,
    }
    secret = session.secret_access_key.encode("utf-8")
    if len(secret) > 255:
        raise ValueError("a secret access key is at most 255 bytes")
    body = zlib.compress(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 9)
    plaintext = bytes([_COMPACT, len(secret)]) + secret + body
    token = TOKEN_PREFIX + base64.b64encode(sealer.seal(plaintext, _aad(session.access_key_id))).decode()
    if len(token) > MAX_TOKEN_CHARS:
        raise SessionTooLarge(len(token))
    return token


def _document(plaintext: bytes) -> dict[str, Any]:
    """The session document in either format; ValueError if it is neither."""
    if plaintext[:1] == b"{":  # the first format: the whole document as JSON
        doc = json.loads(plaintext)
    elif plaintext[:1] == bytes([_COMPACT]) and len(plaintext) >= 2:
        end = 2 + plaintext[1]
        inflater = zlib.decompressobj()
        body = inflater.decompress(plaintext[end:], _MAX_DOCUMENT_BYTES)
        if not inflater.eof or inflater.unconsumed_tail:
            raise ValueError("session document is truncated or too large")
        doc = json.loads(body)
        doc["sk"] = plaintext[2:end].decode("utf-8")
    else:
        raise ValueError("unknown session token format")
    if isinstance(doc, dict):
        return doc
    raise ValueError("session document is not an object")


def open_session(sealer: Sealer, access_key_id: str, token: str) -> Session | None:
    """The session sealed in ``token`` for ``access_key_id``, or None if it is not one of ours."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        blob = base64.b64decode(token[len(TOKEN_PREFIX):], validate=True)
        doc = _document(sealer.unseal(blob, _aad(access_key_id)))
    except (binascii.Error, ValueError, SealError, zlib.error):
        return None
    return Session(
        access_key_id=access_key_id, secret_access_key=doc["sk"], account_id=doc["a"], role_name=doc["rn"],
        role_id=doc["ri"], role_path=doc["rp"], session_name=doc["sn"],
        issued_at=dt.datetime.fromtimestamp(doc["iat"], dt.UTC), expires_at=dt.datetime.fromtimestamp(doc["exp"], dt.UTC),
        source=doc["src"], session_policy=doc["pol"], tags=doc["tags"] or {}, web_identity=doc["wi"],
        source_arn=doc["caller"], partition=doc.get("pt", "aws"), managed_policy_ids=tuple(doc.get("mp") or ()),
        user_name=doc.get("un"), owner_id=doc.get("ui"), user_path=doc.get("up", "/"),
    )
