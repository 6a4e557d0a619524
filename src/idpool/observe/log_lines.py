"""The handler idpool's JSON log lines go through: one ``os.write`` per line, no lock.

``logging.StreamHandler`` takes its lock around every record, then writes and flushes a
buffered text stream, the lock held across the system call. With the access log on (one
line per answered request, the default) every worker thread queued on that lock: in
profiles of ``idpool serve`` under load it was where up to 42 % of the threads' wall time
went. Writing each line with a single ``write(2)`` needs no lock:

- to a regular file (``2>file``, ``2>>file``), Linux serialises writes through one open
  file (the file position lock), so lines never mix;
- to a pipe (a supervisor, a container runtime), POSIX makes a write of at most
  ``PIPE_BUF`` bytes (4096 on Linux) atomic. Access lines are far shorter. A longer line
  (an internal error's traceback) written at the very moment another line is may have that
  line land inside it; the lock did prevent this, at the cost above.
"""

from __future__ import annotations

import logging
import os


class LineHandler(logging.Handler):
    """Formats a record, adds a newline, writes it to ``fd`` in one call."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def handle(self, record: logging.LogRecord) -> bool:
        # logging.Handler.handle without its lock around emit: see the module's docstring
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _write_all(self._fd, (self.format(record) + "\n").encode("utf-8", "replace"))
        except Exception:
            self.handleError(record)


def _write_all(fd: int, data: bytes) -> None:
    """``write(2)`` until every byte is out (a short write can happen on a full pipe)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
