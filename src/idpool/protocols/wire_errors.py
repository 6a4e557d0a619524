"""Errors with their wire facts, and one table per service that names every failure.

A failure is a domain error class (``idpool.errors``), a SigV4 ``AuthFailure`` kind, or a
code a codec raises (``ProtocolError.code``). Each service's table (in
``idpool.api.<service>``) says what that failure is called on its wire, with which HTTP
status and whether the sender is at fault; the pipeline asks the table and nothing else,
so the same failure always gets the same answer on every path.
``tests/protocol/test_error_tables.py`` checks every entry against the botocore model and
AWS's documented common errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from idpool.sigv4.errors import AuthFailure, SigV4Error

Failure = type[Exception] | AuthFailure


@dataclass(frozen=True, slots=True)
class WireError:
    code: str
    status: int
    sender_fault: bool = True


class ErrorTable:
    """One service's failures -> wire errors. Exceptions match by class, most specific first."""

    def __init__(self, service: str, failures: Mapping[Failure, WireError], codec_codes: Mapping[str, int]) -> None:
        self.service = service
        self._failures = dict(failures)
        self._codes = {code: WireError(code, status) for code, status in codec_codes.items()}
        for wire in self._failures.values():
            self._codes.setdefault(wire.code, wire)
        missing = {kind for kind in AuthFailure if kind not in self._failures}
        if missing:
            raise ValueError(f"{service}: no wire error for {sorted(k.name for k in missing)}")

    def for_exception(self, exc: BaseException) -> WireError | None:
        """The wire error of a domain error or a SigV4 failure; None if this table has none."""
        if isinstance(exc, SigV4Error):
            return self._failures[exc.kind]
        for cls in type(exc).__mro__:
            found = self._failures.get(cls)
            if found is not None:
                return found
        return None

    def for_code(self, code: str) -> WireError:
        """A codec's error code (``ProtocolError``), with this service's status for it."""
        found = self._codes.get(code)
        if found is None:
            raise KeyError(f"{self.service} has no wire error {code!r}")
        return found

    def __iter__(self) -> Iterator[WireError]:
        """Every wire error this service can answer with (for the conformance test)."""
        return iter(dict.fromkeys(self._codes.values()))

    def failures(self) -> Mapping[Failure, WireError]:
        return dict(self._failures)
