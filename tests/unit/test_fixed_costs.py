"""The cheap forms of per-request work (issue #16) keep their contracts: request ids and
access key ids look like AWS's and do not repeat, also across a fork; the log handler writes
whole lines, from many threads at once, long ones included."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path

from idpool import ids
from idpool.observe.log_lines import LineHandler

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_request_ids_are_guids_that_do_not_repeat_across_batches_and_threads() -> None:
    found: list[str] = []

    def draw() -> None:
        found.extend(ids.new_request_id() for _ in range(500))  # several batches of 64 each

    workers = [threading.Thread(target=draw) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(found) == 2000 and len(set(found)) == 2000
    assert all(GUID.fullmatch(value) for value in found)


def test_a_forked_child_does_not_hand_out_its_parents_next_request_ids() -> None:
    ids.new_request_id()  # the parent has a batch in hand
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ids and leave at once
        os.write(write, json.dumps([ids.new_request_id() for _ in range(3)]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = json.loads(pipe.read())
    os.waitpid(pid, 0)
    parent = [ids.new_request_id() for _ in range(3)]
    assert not set(child) & set(parent)


def test_access_key_ids_are_uppercase_base32_of_the_right_length_and_differ() -> None:
    keys = {ids.new_access_key_id("ASIA") for _ in range(2000)}
    assert len(keys) == 2000
    assert all(re.fullmatch(r"ASIA[A-Z2-7]{16}", key) for key in keys)
    assert all(re.fullmatch(r"AROA[A-Z2-7]{17}", ids.new_unique_id("AROA")) for _ in range(200))
    # every character of the alphabet turns up in every position: no bias toward a few
    for position in range(4, 20):
        assert len({key[position] for key in keys}) == 32


def _log_from_threads(fd: int, lines: set[str]) -> None:
    logger = logging.getLogger("idpool.test-line-handler")
    logger.handlers[:] = [LineHandler(fd)]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    ordered = sorted(lines)
    workers = [threading.Thread(target=lambda part: [logger.info(line) for line in part], args=(ordered[n::8],))
               for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_the_line_handler_writes_whole_lines_to_a_pipe_from_many_threads() -> None:
    read, write = os.pipe()
    lines = {f"{n}:" + "x" * 300 for n in range(2000)}  # access lines: well under PIPE_BUF
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(b"".join(iter(lambda: os.read(read, 65536), b""))))
    reader.start()
    _log_from_threads(write, lines)
    os.close(write)
    reader.join()
    os.close(read)
    assert set(received[0].decode().splitlines()) == lines


def test_the_line_handler_writes_whole_long_lines_to_a_file_from_many_threads(tmp_path: Path) -> None:
    lines = {f"{n}:" + "x" * (20_000 if n % 5 == 0 else 200) for n in range(400)}  # tracebacks among them
    fd = os.open(tmp_path / "err.log", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        _log_from_threads(fd, lines)
    finally:
        os.close(fd)
    assert set((tmp_path / "err.log").read_text().splitlines()) == lines
