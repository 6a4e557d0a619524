"""Signing-key lifecycle against the store: first key, rotation, and the per-node ring cache.

Every transition is one of the store's race-free primitives, so any number of
processes may call these at once (KR03, F08 in docs/SECURITY.md): ``add_first_signing_key``
inserts only while there is no active key, ``rotate_signing_key`` is a
compare-and-swap on the active kid. A retired key stays verifiable (and in the
JWKS) until ``verify_until`` = retirement + overlap, which by default outlives
the longest token (TokenDuration max 86400 s, GetOpenIdTokenForDeveloperIdentity)
plus verification leeway and cache delay (KR01, F07 in docs/SECURITY.md).

Kids follow AWS's observed shape: region + a small integer (``us-east-11``,
``ap-northeast-15``; docs/AWS_REFERENCE.md §4).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from idpool.clock import Clock
from idpool.keys.errors import NoActiveKey, UnknownKid
from idpool.keys.sealing import Sealer
from idpool.keys.signing import KeyRing, generate_signing_key
from idpool.model import SigningKey
from idpool.storage import AlreadyExists, Unavailable

DEFAULT_OVERLAP = dt.timedelta(hours=24, minutes=5)  # 86400 s max token life + leeway + cache refresh
_FIRST_KEY_ATTEMPTS = 3


class SigningKeyStore(Protocol):
    """The part of ``idpool.storage.Store`` this module uses (see its docstrings)."""

    def list_signing_keys(self) -> list[SigningKey]: ...

    def add_first_signing_key(self, key: SigningKey) -> bool: ...

    def rotate_signing_key(
        self, expected_active_kid: str, new_key: SigningKey, retired_verify_until: dt.datetime, now: dt.datetime
    ) -> bool: ...

    def prune_signing_keys(self, now: dt.datetime) -> int: ...


def next_kid(region: str, existing: Iterable[str]) -> str:
    """``region`` + one more than the highest index already used under it, from 1."""
    taken = set(existing)
    pattern = re.compile(re.escape(region) + r"([1-9][0-9]{0,8})")
    used = [int(match.group(1)) for kid in taken if (match := pattern.fullmatch(kid))]
    index = max(used, default=0) + 1
    while f"{region}{index}" in taken:  # cannot happen for well-formed kids; kept for safety
        index += 1
    return f"{region}{index}"


def verifiable_keys(keys: Iterable[SigningKey], now: dt.datetime) -> list[SigningKey]:
    """The active key and the retired keys still inside their verification window."""
    return [key for key in keys if key.active or (key.verify_until is not None and now < key.verify_until)]


def _active(keys: Iterable[SigningKey]) -> SigningKey | None:
    return next((key for key in keys if key.active), None)


# --- transitions ---------------------------------------------------------------------
def ensure_signing_key(store: SigningKeyStore, sealer: Sealer, clock: Clock, region: str) -> None:
    """Make sure an active key exists; of many concurrent first starts exactly one key wins."""
    for _ in range(_FIRST_KEY_ATTEMPTS):
        keys = store.list_signing_keys()
        if _active(keys) is not None:
            return
        candidate = generate_signing_key(next_kid(region, (key.kid for key in keys)), sealer, clock.now())
        try:
            if store.add_first_signing_key(candidate):
                return
        except AlreadyExists:
            pass  # a concurrent starter inserted the same kid: look again
    if _active(store.list_signing_keys()) is None:
        raise NoActiveKey("could not establish an active signing key")


def rotate(
    store: SigningKeyStore, sealer: Sealer, clock: Clock, region: str, overlap: dt.timedelta = DEFAULT_OVERLAP
) -> SigningKey:
    """Make a new key active; the old one stays verifiable for ``overlap``. Returns the active key.

    ``overlap=0`` is an emergency removal: the old key's tokens are rejected as soon
    as each node's ring refreshes (KR04 in docs/SECURITY.md). If a concurrent rotation wins
    the compare-and-swap, nothing more is changed and the winner's key is returned.
    """
    if overlap < dt.timedelta(0):
        raise ValueError("overlap must not be negative")
    keys = store.list_signing_keys()
    current = _active(keys)
    if current is None:
        ensure_signing_key(store, sealer, clock, region)
        return _require_active(store)
    now = clock.now()
    new_key = generate_signing_key(next_kid(region, (key.kid for key in keys)), sealer, now)
    try:
        won = store.rotate_signing_key(current.kid, new_key, now + overlap, now)
    except AlreadyExists:
        won = False  # a concurrent rotation took the same kid
    if not won:
        return _require_active(store)
    store.prune_signing_keys(now)
    return new_key


def _require_active(store: SigningKeyStore) -> SigningKey:
    active = _active(store.list_signing_keys())
    if active is None:
        raise NoActiveKey("the store has no active signing key")
    return active


def load_keyring(store: SigningKeyStore, sealer: Sealer, clock: Clock) -> KeyRing:
    """A ring of the keys verifiable now. Prunes nothing."""
    return KeyRing(verifiable_keys(store.list_signing_keys(), clock.now()), sealer)


class SigningKeys:
    """The signing keys as an administrator sees them (the console's Keys page, ``idpool keys``):
    every key the store holds, and a rotation."""

    def __init__(self, store: SigningKeyStore, sealer: Sealer, clock: Clock, region: str,
                 rotated: Callable[[], None] = lambda: None) -> None:
        self._store, self._sealer, self._clock, self._region = store, sealer, clock, region
        self._rotated = rotated  # e.g. this node's KeyRingCache.refresh: signs with the new key at once

    def list(self) -> list[SigningKey]:
        """Newest first: the active key, then retired ones, still verifiable or not."""
        return sorted(self._store.list_signing_keys(), key=lambda key: key.created_at, reverse=True)

    def rotate(self) -> SigningKey:
        key = rotate(self._store, self._sealer, self._clock, self._region)
        self._rotated()
        return key


# --- the per-node cache ------------------------------------------------------------------
class KeyRingCache:
    """A ``KeyRing`` kept fresh from the store, shared by every thread of a process.

    Bound: a rotation committed by any node at time T is signed with, published in
    the JWKS and enforced (an emergency removal included) by this node from
    T + ``refresh`` seconds at the latest (plus one store read), while the store is
    reachable. A token whose kid this node has not seen yet triggers an immediate
    reload, at most one per ``unknown_kid_interval`` seconds so that forged kids
    cannot flood the store. When the store is unavailable the last ring is kept
    (retired keys still lapse at their ``verify_until``).
    """

    def __init__(
        self,
        store: SigningKeyStore,
        sealer: Sealer,
        clock: Clock,
        *,
        refresh: float = 5.0,
        unknown_kid_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self._sealer, self._clock = store, sealer, clock
        self._refresh, self._unknown_kid_interval, self._monotonic = refresh, unknown_kid_interval, monotonic
        self._lock = threading.Lock()
        self._fingerprint: tuple[tuple[str, bool, dt.datetime | None], ...] | None = None
        self._last_forced = -float("inf")
        self._ring = self._build(store.list_signing_keys())
        self._loaded_at = monotonic()

    def get(self) -> KeyRing:
        """The current ring; reloads it first when it is older than ``refresh``."""
        if self._monotonic() - self._loaded_at >= self._refresh and self._lock.acquire(blocking=False):
            try:  # a thread that finds the lock taken keeps using the ring being replaced
                if self._monotonic() - self._loaded_at >= self._refresh:
                    self._reload()
            finally:
                self._lock.release()
        return self._ring

    def refresh(self) -> None:
        """Reload now (this node just rotated): other nodes follow within ``refresh``."""
        with self._lock:
            self._reload()

    def sign(self, claims: Mapping[str, Any]) -> str:
        return self.get().sign(claims)

    def jwks(self, now: dt.datetime | None = None) -> dict[str, list[dict[str, str]]]:
        return self.get().jwks(now)

    def verify(
        self, token: str, *, now: dt.datetime, issuer: str, leeway: dt.timedelta = dt.timedelta(seconds=60)
    ) -> dict[str, Any]:
        """``KeyRing.verify``, retried once on a fresh ring when the kid is unknown."""
        ring = self.get()
        try:
            return ring.verify(token, now=now, issuer=issuer, leeway=leeway)
        except UnknownKid:
            fresh = self._reload_for_unknown_kid()
            if fresh is ring:
                raise
            return fresh.verify(token, now=now, issuer=issuer, leeway=leeway)

    def _reload_for_unknown_kid(self) -> KeyRing:
        with self._lock:
            started = self._monotonic()
            if started - self._last_forced >= self._unknown_kid_interval:
                self._last_forced = started
                self._reload()
            return self._ring

    def _reload(self) -> None:
        """Called with the lock held. Keeps the ring object when no key changed."""
        try:
            records = self._store.list_signing_keys()
        except Unavailable:
            records = None  # keep serving the last ring; try again after another `refresh`
        if records is not None:
            self._ring = self._build(records)
        self._loaded_at = self._monotonic()

    def _build(self, records: Sequence[SigningKey]) -> KeyRing:
        keys = verifiable_keys(records, self._clock.now())
        fingerprint = tuple((key.kid, key.active, key.verify_until) for key in keys)
        if fingerprint != self._fingerprint:
            self._ring, self._fingerprint = KeyRing(keys, self._sealer), fingerprint
        return self._ring
