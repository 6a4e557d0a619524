"""Sealing secrets at rest, and the master key that seals them.

A sealed blob is ``version (1 byte) || nonce (12 bytes) || AES-256-GCM ciphertext+tag``.
The version byte is also bound into the GCM associated data, together with the
caller's AAD, which names the blob's purpose and owner (``b"signing-key:" + kid``,
``b"access-key:" + access_key_id``): a blob copied onto another row fails to open.
Nonces are 96 random bits, as NIST SP 800-38D §8.2.2 allows for fewer than 2**32
messages under one key (K01, K03 in docs/SECURITY.md).

The master key comes from ``IDPOOL_MASTER_KEY`` or from ``<data_dir>/master.key``,
created on first use with mode 0600 in a 0700 directory and refused when other
users can read it (K05 in docs/SECURITY.md). A key with obviously no entropy (all bytes
equal, all zero, a handful of byte values) is refused wherever it comes from: it would
seal every secret under a key anyone can guess.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from idpool.keys.errors import MasterKeyError, SealError

MASTER_KEY_BYTES = 32
MASTER_KEY_FILE = "master.key"
MASTER_KEY_ENV = "IDPOOL_MASTER_KEY"
# A uniformly random 32-byte key has about 30 distinct byte values; fewer than 8 happens by
# chance with probability below 1e-37, so such a key was typed or derived, not generated.
MIN_DISTINCT_BYTES = 8
ACCEPTED = f"{MASTER_KEY_BYTES} random bytes as base64 (44 characters) or 64 hex digits (openssl rand -base64 32)"
_VERSION = 1
_NONCE_BYTES = 12
_TAG_BYTES = 16
_HEADER = bytes([_VERSION])


class Sealer:
    """AES-256-GCM under the master key. Holds no copy of the key beyond the cipher."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise MasterKeyError(f"the master key must be {MASTER_KEY_BYTES} bytes")
        self._aead = AESGCM(master_key)

    def __repr__(self) -> str:
        return "Sealer(<AES-256-GCM>)"

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _HEADER + nonce + self._aead.encrypt(nonce, plaintext, _HEADER + aad)

    def unseal(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < 1 + _NONCE_BYTES + _TAG_BYTES or blob[0] != _VERSION:
            raise SealError("sealed blob is malformed or of an unknown version")
        nonce, body = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, _HEADER + aad)
        except InvalidTag:
            raise SealError("sealed blob failed authentication (tampered, wrong master key or wrong owner)") from None


# --- the master key ---------------------------------------------------------------
def load_master_key(*, env_value: str | None, data_dir: Path) -> bytes:
    """The master key from ``IDPOOL_MASTER_KEY`` if set, else from ``<data_dir>/master.key``.

    An env value that is set but empty is refused rather than silently replaced by
    a new key file: data sealed under the intended key would become unreadable.
    """
    if env_value is not None:
        return _decode_key(env_value, source=MASTER_KEY_ENV)
    path = data_dir / MASTER_KEY_FILE
    if not os.path.lexists(path):
        try:
            _create_key_file(data_dir, path)
        except OSError as exc:
            raise MasterKeyError(f"cannot create the master key file {path}: {exc.strerror}") from None
    return _read_key_file(path)


def _decode_key(text: str, *, source: str) -> bytes:
    """32 bytes given as 64 hex digits or as base64 (standard or URL-safe, padding optional).

    Every refusal is one line naming the source and what is accepted, never the value.
    """
    value = text.strip()
    if not value:
        raise MasterKeyError(f"{source} is set but empty; give it {ACCEPTED}")
    raw = _from_hex(value) if len(value) == 2 * MASTER_KEY_BYTES else _from_base64(value)
    if raw is None or len(raw) != MASTER_KEY_BYTES:
        found = "undecodable text" if raw is None else f"{len(raw)} bytes"
        raise MasterKeyError(f"{source} must be {ACCEPTED}; found {found}")
    distinct = len(set(raw))
    if distinct < MIN_DISTINCT_BYTES:
        what = "all its bytes are equal" if distinct == 1 else f"it has only {distinct} distinct byte values"
        raise MasterKeyError(f"{source} is not a random key ({what}); give it {ACCEPTED}")
    return raw


def _from_hex(value: str) -> bytes | None:
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _from_base64(value: str) -> bytes | None:
    standard = value.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _create_key_file(data_dir: Path, path: Path) -> None:
    """Create the key file atomically: whole content or nothing, one winner.

    The key is written to a private temporary file (``O_EXCL``, 0600), synced, then
    hard-linked to its final name; ``link`` fails with EEXIST when another process
    won, and every process then reads back the one file, so no one ever sees a
    half-written key.
    """
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = data_dir / f".{MASTER_KEY_FILE}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(base64.b64encode(secrets.token_bytes(MASTER_KEY_BYTES)) + b"\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process won; its key is the one
            os.link(tmp, path)
        _fsync_dir(data_dir)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_key_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise MasterKeyError(f"{path} is a symbolic link; the master key must be a regular file") from None
        raise MasterKeyError(f"cannot read the master key file {path}: {exc.strerror}") from None
    try:
        _check_protection(path, os.fstat(fd))  # of the file opened, not of a name that may change
        text = os.read(fd, 4096)
    finally:
        os.close(fd)
    return _decode_key(text.decode("ascii", errors="replace"), source=str(path))


def _check_protection(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise MasterKeyError(f"{path} is not a regular file")
    if info.st_mode & 0o077:
        raise MasterKeyError(
            f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"run `chmod 600 {path}` and start again"
        )
