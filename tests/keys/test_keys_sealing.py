"""Sealing at rest and the master key (docs/SECURITY.md K01, K03, K05)."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from idpool.keys.errors import MasterKeyError, SealError
from idpool.keys.sealing import MASTER_KEY_FILE, Sealer, load_master_key

KEY = bytes(range(32))


# --- Sealer ----------------------------------------------------------------------------
@pytest.mark.catalogue("K01", "K03")
def test_round_trip_and_fresh_nonces() -> None:
    sealer = Sealer(KEY)
    first = sealer.seal(b"secret material", b"access-key:AKIAEXAMPLE")
    second = sealer.seal(b"secret material", b"access-key:AKIAEXAMPLE")
    assert first != second  # a random nonce per blob
    assert b"secret material" not in first
    assert first[0] == 1 and len(first) == 1 + 12 + len(b"secret material") + 16
    assert sealer.unseal(first, b"access-key:AKIAEXAMPLE") == b"secret material"
    assert sealer.unseal(second, b"access-key:AKIAEXAMPLE") == b"secret material"


def test_empty_plaintext_round_trips() -> None:
    sealer = Sealer(KEY)
    assert sealer.unseal(sealer.seal(b"", b"x"), b"x") == b""


@pytest.mark.catalogue("K01", "K03")
def test_every_flipped_byte_is_rejected() -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(b"0123456789", b"signing-key:us-east-11")
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(SealError):
            sealer.unseal(bytes(tampered), b"signing-key:us-east-11")


@pytest.mark.parametrize("blob_edit", [lambda b: b[:-1], lambda b: b[:10], lambda b: b"", lambda b: b + b"\x00"])
def test_truncated_or_extended_blobs_are_rejected(blob_edit: Callable[[bytes], bytes]) -> None:
    sealer = Sealer(KEY)
    with pytest.raises(SealError):
        sealer.unseal(blob_edit(sealer.seal(b"payload", b"aad")), b"aad")


@pytest.mark.catalogue("K01", "K03")
def test_wrong_aad_is_rejected() -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(b"private key", b"signing-key:us-east-11")
    for aad in (b"signing-key:us-east-12", b"access-key:us-east-11", b"", b"signing-key:us-east-11 "):
        with pytest.raises(SealError):
            sealer.unseal(blob, aad)


@pytest.mark.catalogue("K01", "K03")
def test_wrong_master_key_is_rejected() -> None:
    blob = Sealer(KEY).seal(b"private key", b"aad")
    with pytest.raises(SealError):
        Sealer(bytes(32)).unseal(blob, b"aad")


def test_unknown_version_is_rejected() -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(b"x", b"aad")
    with pytest.raises(SealError):
        sealer.unseal(b"\x02" + blob[1:], b"aad")


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_sealer_needs_a_32_byte_key(size: int) -> None:
    with pytest.raises(MasterKeyError):
        Sealer(b"k" * size)


@pytest.mark.catalogue("K04")
def test_sealer_and_its_errors_do_not_reveal_the_key() -> None:
    sealer = Sealer(KEY)
    assert KEY.hex() not in repr(sealer) and str(KEY) not in repr(sealer)
    with pytest.raises(SealError) as caught:
        sealer.unseal(sealer.seal(b"plaintext", b"a"), b"b")
    assert "plaintext" not in str(caught.value) and KEY.hex() not in str(caught.value)


# --- the master key from the environment ------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        KEY.hex(),
        KEY.hex().upper(),
        base64.b64encode(KEY).decode(),
        base64.b64encode(KEY).decode().rstrip("="),
        base64.urlsafe_b64encode(KEY).decode(),
        f"  {base64.b64encode(KEY).decode()}\n",
    ],
)
def test_env_value_forms(text: str, tmp_path: Path) -> None:
    assert load_master_key(env_value=text, data_dir=tmp_path / "data") == KEY
    assert not (tmp_path / "data").exists()  # the env value wins; no key file is made


@pytest.mark.parametrize(
    "text",
    [
        base64.b64encode(bytes(16)).decode(),
        base64.b64encode(bytes(31)).decode(),
        base64.b64encode(bytes(33)).decode(),
        bytes(16).hex(),
        bytes(33).hex(),
        "not a key at all!",
        "g" * 64,
        "",
        "   ",
    ],
)
def test_env_values_of_other_lengths_or_garbage_are_refused(text: str, tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="IDPOOL_MASTER_KEY"):
        load_master_key(env_value=text, data_dir=tmp_path)


@pytest.mark.parametrize(
    "key",
    [
        bytes(32),  # all zero
        b"\xff" * 32,  # all bytes equal
        b"ab" * 16,  # two byte values
        bytes(range(7)) * 4 + bytes(range(4)),  # seven byte values: still no key anyone should use
    ],
    ids=["all-zero", "all-equal", "two-values", "seven-values"],
)
@pytest.mark.parametrize("encode", [bytes.hex, lambda raw: base64.b64encode(raw).decode()], ids=["hex", "base64"])
def test_env_keys_without_entropy_are_refused(key: bytes, encode: Callable[[bytes], str], tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError) as caught:
        load_master_key(env_value=encode(key), data_dir=tmp_path / "data")
    message = str(caught.value)
    assert "IDPOOL_MASTER_KEY" in message and "random" in message and "\n" not in message
    assert encode(key) not in message
    assert not (tmp_path / "data").exists()  # no key file is made in its place


def test_a_key_with_enough_distinct_bytes_is_accepted(tmp_path: Path) -> None:
    eight = bytes(range(8)) * 4  # the least variety accepted; a random key has about 30 distinct bytes
    assert load_master_key(env_value=eight.hex(), data_dir=tmp_path) == eight


@pytest.mark.catalogue("K04")
def test_env_error_does_not_echo_the_value(tmp_path: Path) -> None:
    secret_ish = base64.b64encode(b"s3cr3t-but-only-24-bytes").decode()
    with pytest.raises(MasterKeyError) as caught:
        load_master_key(env_value=secret_ish, data_dir=tmp_path)
    assert secret_ish not in str(caught.value)
    assert "24 bytes" in str(caught.value)


# --- the master key file -------------------------------------------------------------------
@pytest.mark.catalogue("K05")
def test_first_use_creates_a_private_key_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    key = load_master_key(env_value=None, data_dir=data_dir)
    path = data_dir / MASTER_KEY_FILE
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert base64.b64decode(path.read_text().strip(), validate=True) == key
    assert load_master_key(env_value=None, data_dir=data_dir) == key  # read back, not replaced
    assert sorted(p.name for p in data_dir.iterdir()) == [MASTER_KEY_FILE]  # no temporary file left


def _write_key(path: Path, mode: int, text: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else base64.b64encode(KEY).decode() + "\n")
    os.chmod(path, mode)


def test_existing_0600_file_is_accepted(tmp_path: Path) -> None:
    _write_key(tmp_path / MASTER_KEY_FILE, 0o600)
    assert load_master_key(env_value=None, data_dir=tmp_path) == KEY


def test_existing_hex_file_is_accepted(tmp_path: Path) -> None:
    _write_key(tmp_path / MASTER_KEY_FILE, 0o400, KEY.hex())
    assert load_master_key(env_value=None, data_dir=tmp_path) == KEY


@pytest.mark.catalogue("K05")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606, 0o620])
def test_file_open_to_others_is_refused(mode: int, tmp_path: Path) -> None:
    _write_key(tmp_path / MASTER_KEY_FILE, mode)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        load_master_key(env_value=None, data_dir=tmp_path)


@pytest.mark.catalogue("K05")
def test_symlink_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.key"
    _write_key(target, 0o600)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / MASTER_KEY_FILE).symlink_to(target)
    with pytest.raises(MasterKeyError, match="symbolic link"):
        load_master_key(env_value=None, data_dir=tmp_path / "data")


def test_directory_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / MASTER_KEY_FILE).mkdir(mode=0o700)
    with pytest.raises(MasterKeyError, match="not a regular file"):
        load_master_key(env_value=None, data_dir=tmp_path)


def test_fifo_in_place_of_the_file_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / MASTER_KEY_FILE, 0o600)
    with pytest.raises(MasterKeyError, match="not a regular file"):
        load_master_key(env_value=None, data_dir=tmp_path)


@pytest.mark.parametrize("text", ["", "short", base64.b64encode(bytes(16)).decode()])
def test_file_with_a_bad_key_is_refused(text: str, tmp_path: Path) -> None:
    _write_key(tmp_path / MASTER_KEY_FILE, 0o600, text)
    with pytest.raises(MasterKeyError, match=MASTER_KEY_FILE):
        load_master_key(env_value=None, data_dir=tmp_path)


def test_file_with_an_all_zero_key_is_refused(tmp_path: Path) -> None:
    _write_key(tmp_path / MASTER_KEY_FILE, 0o600, base64.b64encode(bytes(32)).decode())
    with pytest.raises(MasterKeyError, match=f"{MASTER_KEY_FILE}.*random"):
        load_master_key(env_value=None, data_dir=tmp_path)


def test_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("a file where the data dir should be")
    with pytest.raises(MasterKeyError, match="cannot create the master key file"):
        load_master_key(env_value=None, data_dir=tmp_path / "not-a-dir")


def test_concurrent_threads_create_one_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    barrier = threading.Barrier(16)
    results: list[bytes] = []

    def start() -> None:
        barrier.wait()
        results.append(load_master_key(env_value=None, data_dir=data_dir))

    threads = [threading.Thread(target=start) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 16 and len(set(results)) == 1
    assert sorted(p.name for p in data_dir.iterdir()) == [MASTER_KEY_FILE]


_CHILD = """
import sys, time
from pathlib import Path
from idpool.keys.sealing import load_master_key
start = float(sys.argv[2])
while time.time() < start:
    pass
print(load_master_key(env_value=None, data_dir=Path(sys.argv[1])).hex())
"""


def test_concurrent_processes_create_one_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    start_at = str(time.time() + 1.5)  # all children are started by then and spin until it
    children = [
        subprocess.Popen([sys.executable, "-c", _CHILD, str(data_dir), start_at], stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    outputs = [child.communicate(timeout=60)[0].strip() for child in children]
    assert all(child.returncode == 0 for child in children)
    assert len(set(outputs)) == 1 and len(bytes.fromhex(outputs[0])) == 32
    assert bytes.fromhex(outputs[0]) == load_master_key(env_value=None, data_dir=data_dir)
