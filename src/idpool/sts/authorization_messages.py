"""Encoded authorization messages, and DecodeAuthorizationMessage.

STS API Reference, DecodeAuthorizationMessage: some denials come with an encoded message that
says why, "encoded because the details of the authorization status can contain privileged
information"; only a principal allowed ``sts:DecodeAuthorizationMessage`` can read it. The
decoded document has AWS's fields: ``allowed``, ``explicitDeny``, ``matchedStatements``,
``failures``, and ``context`` (principal id, name, ARN; action; resource; condition keys).

idpool seals the document with the master key (AES-256-GCM, its own AAD), so any node can decode
what another encoded and nobody can forge one; a message that does not open is AWS's
``InvalidAuthorizationMessageException``.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from typing import Any

from idpool import errors
from idpool.keys.errors import SealError
from idpool.keys.sealing import Sealer

_AAD = b"authorization-message"
_MAX_DOCUMENT = 64 * 1024


def encode(sealer: Sealer, document: Mapping[str, Any]) -> str:
    body = zlib.compress(json.dumps(document, separators=(",", ":"), default=str).encode(), 9)
    return base64.urlsafe_b64encode(sealer.seal(body, _AAD)).decode().rstrip("=")


def decode(sealer: Sealer, encoded: str) -> str:
    """The message's JSON text; InvalidAuthorizationMessage if idpool did not encode it."""
    try:
        blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        inflater = zlib.decompressobj()
        text = inflater.decompress(sealer.unseal(blob, _AAD), _MAX_DOCUMENT)
        if not inflater.eof:
            raise ValueError("truncated")
        return text.decode()
    except (binascii.Error, ValueError, SealError, zlib.error):
        raise errors.InvalidAuthorizationMessage("The encoded authorization message is invalid.") from None


def denial_document(*, principal_id: str, principal_name: str, principal_arn: str, action: str, resource: str,
                    explicit: bool, conditions: Mapping[str, Any]) -> dict[str, Any]:
    """AWS's decoded-message shape for a denied request."""
    items = [{"key": key, "values": {"items": [{"value": str(v)} for v in (value if isinstance(value, list) else [value])]}}
             for key, value in sorted(conditions.items())]
    return {
        "allowed": False, "explicitDeny": explicit, "matchedStatements": {"items": []}, "failures": {"items": []},
        "context": {"principal": {"id": principal_id, "name": principal_name, "arn": principal_arn},
                    "action": action, "resource": resource, "conditions": {"items": items}},
    }
