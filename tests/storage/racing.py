"""Run many calls at the same instant from threads, keeping each result or exception."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def race(count: int, call: Callable[[int], T], *, timeout: float = 60) -> list[T | BaseException]:
    """Call ``call(i)`` for i in range(count), all released together by a barrier."""
    barrier = threading.Barrier(count)

    def one(i: int) -> T | BaseException:
        barrier.wait(timeout=timeout)
        try:
            return call(i)
        except Exception as exc:  # kept, so the test can count winners and losers
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count), timeout=timeout))


def errors(results: Sequence[object]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]
