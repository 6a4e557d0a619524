"""The storage seam: one ``Store`` interface, several backends, one conformance suite.

Backends raise only the errors defined here (``NotFound``, ``AlreadyExists``,
``Conflict``, ``Disabled``, ``LimitReached``, ``Unavailable``); driver errors never
cross this seam. Every method
is atomic. Updaters and checks passed in run inside the backend's transaction and
may run more than once (a retry after a serialization failure), so they must be
pure. Timestamps go in and come out timezone-aware UTC.

Pool and identity ids are globally unique (``<region>:<GUID>``), so lookups by id
need no account; listings are per account, which keeps accounts apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from idpool.model import AccessKey, Identity, IdentityPool, Login, ManagedPolicy, Role, SigningKey, User

EntityKind = Literal["role", "user"]


class StorageError(Exception):
    pass


class NotFound(StorageError):
    """A record is missing; ``login`` names the login when that is what was not found."""

    def __init__(self, message: str, *, login: Login | None = None) -> None:
        super().__init__(message)
        self.login = login


class AlreadyExists(StorageError):
    pass


class Conflict(StorageError):
    """A uniqueness rule would break; ``login`` names the login, ``owner`` its identity."""

    def __init__(self, message: str, *, login: Login | None = None, owner: str | None = None) -> None:
        super().__init__(message)
        self.login = login
        self.owner = owner


class Disabled(StorageError):
    """The identity is disabled (merged into another): no login may be linked to it or
    moved from it. ``identity_id`` names it."""

    def __init__(self, message: str, *, identity_id: str) -> None:
        super().__init__(message)
        self.identity_id = identity_id


class LimitReached(StorageError):
    """A per-account quota is full: nothing was written."""


class Unavailable(StorageError):
    """The database cannot be reached or is shutting down: retryable."""


@dataclass(frozen=True)
class PolicyUse:
    """A role or user that uses a managed policy: attached, or as its permissions boundary."""

    kind: EntityKind
    name: str
    entity_id: str  # RoleId / UserId
    path: str
    use: Literal["attached", "boundary"]


class Store(Protocol):
    # --- lifecycle -----------------------------------------------------------
    def close(self) -> None: ...

    def ping(self) -> None:
        """Raise ``Unavailable`` unless a round trip to the database works."""

    # --- settings: small named values (root credentials, ...) --------------------
    def get_setting(self, key: str) -> str | None: ...

    def put_setting_if_absent(self, key: str, value: str) -> str:
        """Store ``value`` unless ``key`` has one; return the value that is stored.

        Race-free: of many processes calling at once, all get the same winner.
        """

    # --- identity pools ----------------------------------------------------------------
    def create_pool(self, pool: IdentityPool, max_per_account: int | None = None) -> None:
        """``AlreadyExists`` if the pool id is taken; ``LimitReached`` if the account
        already has ``max_per_account`` pools. Count and insert are one transaction,
        serialized per account: of many processes creating at once near the limit,
        exactly as many succeed as there is room for."""

    def get_pool(self, pool_id: str) -> IdentityPool:
        """``NotFound`` if there is no such pool."""

    def update_pool(self, pool_id: str, updater: Callable[[IdentityPool], IdentityPool]) -> IdentityPool:
        """Atomic read-modify-write; returns the stored pool with ``version`` bumped.

        ``updater`` may raise (the change is then abandoned) and may run twice.
        """

    def delete_pool(self, pool_id: str) -> None:
        """Deletes the pool with its identities and logins. ``NotFound`` if absent."""

    def list_pools(self, account_id: str, limit: int, after: str | None = None) -> list[IdentityPool]:
        """The account's pools ordered by pool id, those with id > ``after``, at most ``limit``."""

    def count_pools(self, account_id: str) -> int: ...

    # --- identities and their logins -----------------------------------------------------
    def create_identity(self, identity: Identity, max_guests: int | None = None) -> None:
        """Create an identity with no logins (a guest). ``AlreadyExists``, ``NotFound`` (pool);
        ``LimitReached`` if the pool already has ``max_guests`` unauthenticated identities.
        The pool's guest count and the insert are one transaction: of many processes
        creating guests at once near the cap, exactly as many succeed as there is room for."""

    def get_identity(self, identity_id: str) -> Identity:
        """The identity with its logins sorted. ``NotFound``."""

    def identity_for_login(self, pool_id: str, login: Login) -> Identity | None:
        """The identity this login is linked to in the pool, if any."""

    def get_or_create_identity_for_login(
        self, pool_id: str, login: Login, candidate: Identity
    ) -> tuple[Identity, bool]:
        """The identity linked to ``login``; if none, ``candidate`` created and linked.

        Returns (identity, created). Exactly one identity per (pool, login) even
        when many processes call at once for the same new login.
        ``NotFound`` if the pool is gone. Never returns a disabled identity: one that
        is disabled yet still has logins (left by racing merges of idpool before
        schema version 3) is enabled again, as migration 3 does.
        """

    def link_logins(
        self,
        identity_id: str,
        logins: Sequence[Login],
        now: dt.datetime,
        check: Callable[[Identity], None] | None = None,
    ) -> Identity:
        """Link every login to the identity, in one transaction.

        ``check`` sees the current identity first and may raise to abandon. Then
        ``Disabled`` if the identity is disabled. A login already linked to this
        identity is left as is; one linked to another identity raises ``Conflict``
        (with ``login`` and ``owner``) and nothing changes. Marks the identity
        authenticated and bumps ``last_modified_at``. ``NotFound``.
        """

    def unlink_logins(
        self,
        identity_id: str,
        now: dt.datetime,
        *,
        logins: Sequence[Login] = (),
        providers: Sequence[str] = (),
    ) -> tuple[Identity, int]:
        """Remove the given logins and every login of the given providers from this
        identity (logins linked elsewhere are not touched). Returns (identity, removed)."""

    def merge_logins(
        self,
        pool_id: str,
        source: Login,
        destination: Login,
        now: dt.datetime,
        check: Callable[[Identity, Identity], None] | None = None,
    ) -> Identity:
        """Move every login of the identity ``source`` is linked to onto the identity
        ``destination`` is linked to, disable the former, and return the latter.

        Both owners are found, locked and checked inside one transaction, so a merge,
        link, unlink or delete racing with this one can never leave a login on a
        disabled identity: whichever commits first, this merge acts on the owners as
        they are after it. ``check(source, destination)`` then runs and may raise.
        ``NotFound`` (with ``login``) if either login is linked to no identity of the
        pool; ``Disabled`` if either owner is disabled. If both logins are already
        linked to one identity, that identity is returned unchanged (no check runs).
        """

    def list_identities(
        self, pool_id: str, limit: int, after: str | None = None, hide_disabled: bool = False
    ) -> list[Identity]:
        """The pool's identities ordered by identity id, those with id > ``after``."""

    def delete_identities(self, identity_ids: Sequence[str]) -> None:
        """Delete the identities and their logins; unknown ids are ignored."""

    def mark_identity_used(self, identity_id: str) -> None:
        """Record that the identity obtained a token or credentials. Writes only the first
        time (a no-op for an identity already used, or unknown)."""

    def delete_unused_guests(self, created_before: dt.datetime, limit: int) -> int:
        """Delete at most ``limit`` guests (unauthenticated identities) that were never used
        and were created before ``created_before``, oldest first; return how many. Safe to
        run on many nodes at once (each guest is deleted once; a guest used meanwhile stays)."""

    # --- request-rate counters ------------------------------------------------------------
    def hit_rate_counters(self, buckets: Sequence[tuple[str, int]]) -> list[int]:
        """Add one to each counter ``(bucket, expires_at)`` (made at zero on first use) and
        return the new counts, in order (a bucket named twice counts once, and both places
        get its count). ``expires_at`` is in epoch seconds: after it the
        bucket's window is over and ``prune_rate_counters`` may delete it. Atomic per bucket:
        every process sharing the database counts in the same place."""

    def prune_rate_counters(self, now_epoch: int) -> int:
        """Delete the counters whose ``expires_at`` is at or before ``now_epoch``; return how many."""

    def import_identity(self, identity: Identity) -> None:
        """Write an identity exactly as given (id, timestamps, ``authenticated``, ``disabled``
        and logins) in one transaction: ``idpool import`` moves identities between
        installations without changing an IdentityId. ``AlreadyExists`` if the id is taken,
        ``NotFound`` if the pool is missing, ``Conflict`` (with ``login`` and ``owner``) if a
        login is linked to another identity of the pool; nothing is written then. A disabled
        identity with logins is refused (``ValueError``): no login is ever on a disabled one."""

    # --- OpenID token signing keys --------------------------------------------------------
    def list_signing_keys(self) -> list[SigningKey]:
        """Every stored key, newest first."""

    def add_first_signing_key(self, key: SigningKey) -> bool:
        """Insert ``key`` as the active key only if there is no active key; return
        whether it was inserted. Race-free: at most one active key, ever."""

    def rotate_signing_key(self, expected_active_kid: str, new_key: SigningKey, retired_verify_until: dt.datetime, now: dt.datetime) -> bool:
        """Compare-and-swap: if ``expected_active_kid`` is still the active key, retire it
        (``retired_at=now``, ``verify_until``) and make ``new_key`` active; return True.
        If another rotation won, change nothing and return False."""

    def prune_signing_keys(self, now: dt.datetime) -> int:
        """Delete retired keys whose ``verify_until`` has passed; return how many."""

    # --- IAM: roles, users, access keys (migration 2) -------------------------------------------
    # Names are unique per account case-insensitively and looked up case-insensitively;
    # they are stored and returned exactly as created. Inline policies live in the record.
    def create_role(self, role: Role) -> None:
        """``AlreadyExists`` if the account has a role of that name (any case)."""

    def get_role(self, account_id: str, name: str) -> Role:
        """``NotFound``."""

    def update_role(self, account_id: str, name: str, updater: Callable[[Role], Role]) -> Role:
        """Atomic read-modify-write (updater may raise, may run twice). ``NotFound``."""

    def delete_role(self, account_id: str, name: str, check: Callable[[Role], None] | None = None) -> None:
        """``check`` sees the role in the transaction and may raise. ``NotFound``."""

    def list_roles(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[Role]:
        """Ordered by lower-cased name, those after ``after`` (a lower-cased name)."""

    def create_user(self, user: User) -> None: ...

    def get_user(self, account_id: str, name: str) -> User: ...

    def update_user(self, account_id: str, name: str, updater: Callable[[User], User]) -> User: ...

    def delete_user(self, account_id: str, name: str, check: Callable[[User], None] | None = None) -> None:
        """``check`` sees the user in the transaction and may raise. Then ``Conflict`` if the
        user still has access keys (race-free against ``create_access_key``). ``NotFound``."""

    def list_users(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[User]: ...

    def create_access_key(self, key: AccessKey, max_per_user: int) -> None:
        """Insert unless the user already has ``max_per_user`` keys (then ``Conflict``);
        ``NotFound`` if the user does not exist. Race-free."""

    def get_access_key(self, access_key_id: str) -> AccessKey | None:
        """By id, any account: on the path of every request signed by an IAM user."""

    def list_access_keys(self, account_id: str, user_name: str) -> list[AccessKey]:
        """The user's keys, oldest first."""

    def set_access_key_status(self, account_id: str, user_name: str, access_key_id: str, status: str) -> None:
        """``NotFound`` if the user has no such key."""

    def delete_access_key(self, account_id: str, user_name: str, access_key_id: str) -> None:
        """``NotFound`` if the user has no such key."""

    # --- IAM: managed policies, attachments, boundaries (migration 5) ----------------------------
    # Policy names are unique per account case-insensitively, like role and user names. A role's
    # or user's attached policies and boundary are policy ids in its record; AWS managed policies
    # have no stored row (their ids come from idpool's catalogue), so ``customer=False`` skips the
    # existence check and the lock of the policy row.
    def create_policy(self, policy: ManagedPolicy) -> None:
        """``AlreadyExists`` if the account has a policy of that name (any case)."""

    def get_policy(self, account_id: str, name: str) -> ManagedPolicy:
        """``NotFound``."""

    def get_policies(self, policy_ids: Sequence[str]) -> list[ManagedPolicy]:
        """The stored policies among ``policy_ids`` (any account), in the order asked; unknown
        ids are skipped."""

    def policy_documents(self, policy_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Policy id -> (name, default version's document), for the stored ones among
        ``policy_ids``: on the path of every request a role or user with managed policies makes."""

    def list_policies(self, account_id: str, limit: int, after: str | None = None,
                      path_prefix: str = "/") -> list[ManagedPolicy]:
        """Ordered by lower-cased name, those after ``after`` (a lower-cased name)."""

    def update_policy(self, account_id: str, name: str, updater: Callable[[ManagedPolicy], ManagedPolicy]) -> ManagedPolicy:
        """Atomic read-modify-write of a policy (versions, default, tags). ``NotFound``."""

    def delete_policy(self, account_id: str, name: str, check: Callable[[ManagedPolicy], None] | None = None) -> None:
        """Under the policy's lock: ``Conflict`` while a role or user uses it (attached or as
        its boundary), then ``check`` may raise, then the policy goes. ``NotFound``."""

    def policy_uses(self, account_id: str, policy_id: str) -> list[PolicyUse]:
        """Every role and user of the account that uses the policy, roles first, each by name."""

    def attach_policy(
        self, account_id: str, kind: EntityKind, name: str, policy_id: str, *, customer: bool, limit: int | None = None
    ) -> None:
        """Attach (a no-op if attached already). ``NotFound`` if the entity, or a customer
        policy, does not exist; ``LimitReached`` if the entity already has ``limit`` policies
        attached. Race-free against ``delete_policy`` and other attaches."""

    def detach_policy(self, account_id: str, kind: EntityKind, name: str, policy_id: str) -> None:
        """``NotFound`` if the entity does not exist or does not have the policy attached."""

    def set_permissions_boundary(
        self, account_id: str, kind: EntityKind, name: str, policy_id: str | None, *, customer: bool = False
    ) -> None:
        """Set (``None``: remove) the entity's permissions boundary. ``NotFound`` as ``attach_policy``."""

    def record_role_use(self, role_id: str, at: dt.datetime, region: str, unless_since: dt.datetime) -> None:
        """RoleLastUsed: set the role's last use to (``at``, ``region``) unless it was last used at
        or after ``unless_since`` (one conditional statement; a missing role is ignored)."""
