"""What STS reads from a web identity token besides its trust conditions: session tags.

AWS's session-tags claim (IAM User Guide, "Passing session tags using
AssumeRoleWithWebIdentity"): ``https://aws.amazon.com/tags`` holds ``principal_tags``, a
map of tag key to a one-element list of values. Cognito puts a pool's principal tags
there; STS turns them into session tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TAGS_CLAIM = "https://aws.amazon.com/tags"


def tags_from_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Principal tags carried by a token (values are one-element lists in the claim)."""
    raw = claims.get(TAGS_CLAIM)
    if not isinstance(raw, dict) or not isinstance(raw.get("principal_tags"), dict):
        return {}
    tags: dict[str, str] = {}
    for key, value in raw["principal_tags"].items():
        if isinstance(value, list) and value and isinstance(value[0], str):
            tags[key] = value[0]
        elif isinstance(value, str):
            tags[key] = value
    return tags
