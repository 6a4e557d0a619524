"""IAM tags on roles, users and managed policies (IAM User Guide, "Tagging IAM resources").

Tag keys are unique per resource case-insensitively: a request that names one key twice in any
case is refused with IAM's `Duplicate tag keys found. Please note that Tag keys are case
insensitive.` (InvalidInput), and a tag whose key differs only in case from a tag the resource
has replaces it. A resource has at most 50 tags (IAM and STS quotas).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from idpool import errors

MAX_TAGS = 50
DUPLICATE_KEYS = "Duplicate tag keys found. Please note that Tag keys are case insensitive."


def tag_map(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The tags of a request, refusing a key named twice (in any case)."""
    tags: dict[str, str] = {}
    seen: set[str] = set()
    for key, value in pairs:
        if key.lower() in seen:
            raise errors.InvalidInput(DUPLICATE_KEYS, detail=f"tag key {key!r}")
        seen.add(key.lower())
        tags[key] = value
    check_count(tags)
    return tags


def merged(current: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """TagRole / TagUser / TagPolicy: ``new`` over ``current``, keys compared case-insensitively."""
    replaced = {k.lower() for k in new}
    result = {k: v for k, v in current.items() if k.lower() not in replaced}
    result.update(new)
    check_count(result)
    return result


def without(current: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    """Untag*: the tags whose keys are not named (in any case)."""
    doomed = {k.lower() for k in keys}
    return {k: v for k, v in current.items() if k.lower() not in doomed}


def check_count(tags: Mapping[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise errors.IamLimitExceeded(f"The number of tags has reached the maximum limit of {MAX_TAGS}.")
