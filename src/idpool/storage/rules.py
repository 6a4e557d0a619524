"""Rules every backend applies to what it is handed, in one place (memory and SQL alike).

Callers breaking them are programming errors (``ValueError``), not storage errors.
"""

from __future__ import annotations

from idpool.model import Identity

KEY_STATUSES = ("Active", "Inactive")


def same_entity(kind: str, old_ids: tuple[str, ...], new_ids: tuple[str, ...]) -> None:
    """An updater must return the same record: renaming is not an update (the name is its key)."""
    if new_ids != old_ids:
        raise ValueError(f"an updater must not change a {kind}'s account, name or id")


def check_status(status: str) -> None:
    if status not in KEY_STATUSES:
        raise ValueError(f"an access key's status is Active or Inactive, not {status!r}")


def check_importable(identity: Identity) -> None:
    """An imported identity keeps the schema's invariant: no login on a disabled identity."""
    if identity.disabled and identity.logins:
        raise ValueError("a disabled identity has no logins (a merge moved them away)")
