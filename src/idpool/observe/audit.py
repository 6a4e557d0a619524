"""The audit log: one JSON line per event, to a file or to standard output.

Events are named and shaped in the spirit of AWS CloudTrail's records ("CloudTrail record
contents", AWS CloudTrail User Guide): ``eventName`` is the API operation,
``eventSource`` the service's endpoint name, and ``userIdentity``, ``sourceIPAddress``,
``requestID``, ``requestParameters``, ``responseElements``, ``errorCode`` and
``errorMessage`` mean what they mean there. What goes in ``requestParameters`` and
``responseElements`` is chosen per operation by each API module's ``AUDIT`` table (ids,
names, ARNs, access key ids), never a secret, a token or a session token: the log may be
read by people who must not be able to act as the users it names.

Every line is written with one ``write`` on a file opened for appending, so the lines of
several worker processes never mix, and flushed at once.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class AuditLog:
    """Where audit events go: ``-`` is standard output, anything else a file appended to
    (created 0600: it names users and their identities)."""

    def __init__(self, destination: str) -> None:
        self.destination = destination
        self._lock = threading.Lock()
        self._fd: int | None = None
        if destination != "-":
            self._fd = os.open(Path(destination), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, event: Mapping[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=_plain) + "\n"
        if self._fd is not None:
            os.write(self._fd, line.encode("utf-8", "replace"))  # one write: lines of workers never mix
            return
        with self._lock:
            sys.stdout.write(line)
            sys.stdout.flush()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _plain(value: object) -> str:
    """Datetimes (credential expirations) and anything else JSON lacks, as text."""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
