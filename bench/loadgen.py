"""The load generator of bench/run.py, run as a process of its own so its CPU is not the server's.

    python bench/loadgen.py < spec.json > result.json

The spec names a host and port, pre-built raw HTTP/1.1 requests (already signed: SigV4
accepts a replay within its five minutes, so no signing happens during the measurement),
a concurrency, a warm-up and a duration. Each of ``concurrency`` connections is kept alive
and sends its next request as soon as the answer to the previous one is read whole (a
closed loop, as wrk does). The requests are shared out round-robin across connections.

The answer: requests completed in the measured window, non-2xx answers, latency p50 and p99
in milliseconds, and this process's own CPU seconds (user + system), so a reader can see
that the generator was not the bottleneck.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response whole (Content-Length bodies only, as idpool and moto send);
    its status code, and whether the server closes the connection after it (moto's
    Werkzeug server does after every answer: the next request then pays a new connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, close = 0, False
    for line in head.split(b"\r\n")[1:]:
        name = line.split(b":", 1)[0].lower()
        if name == b"content-length":
            length = int(line[15:])
        elif name == b"connection":
            close = b"close" in line.lower()
    if length:
        await reader.readexactly(length)
    return status, close


async def _connection(spec: dict[str, Any], requests: list[bytes], start: int, state: dict[str, Any]) -> None:
    reader, writer = await asyncio.open_connection(spec["host"], spec["port"])
    latencies: list[float] = state["latencies"]
    i = start
    try:
        while not state["stop"]:
            request = requests[i % len(requests)]
            i += state["concurrency"]
            began = time.perf_counter()
            writer.write(request)
            status, close = await _read_response(reader)
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(spec["host"], spec["port"])
            if state["measuring"]:
                latencies.append(time.perf_counter() - began)
                if not 200 <= status < 300:
                    state["errors"] += 1
                    state.setdefault("statuses", {}).setdefault(str(status), 0)
                    state["statuses"][str(status)] += 1
    finally:
        writer.close()


async def _run(spec: dict[str, Any]) -> dict[str, Any]:
    requests = [bytes.fromhex(r) for r in spec["requests"]]
    state: dict[str, Any] = {"stop": False, "measuring": False, "latencies": [], "errors": 0,
                             "concurrency": spec["concurrency"]}
    tasks = [asyncio.create_task(_connection(spec, requests, n, state)) for n in range(spec["concurrency"])]
    await asyncio.sleep(spec["warmup"])
    cpu0 = _cpu()
    state["measuring"] = True
    began = time.perf_counter()
    await asyncio.sleep(spec["seconds"])
    state["measuring"] = False
    elapsed = time.perf_counter() - began
    cpu = _cpu() - cpu0
    state["stop"] = True
    ended = await asyncio.gather(*tasks, return_exceptions=True)
    broken = [repr(e) for e in ended if isinstance(e, BaseException)]  # a connection that failed stops sending
    ordered = sorted(state["latencies"])
    n = len(ordered)
    return {
        "requests": n, "errors": state["errors"], "statuses": state.get("statuses", {}), "seconds": elapsed,
        "rps": n / elapsed if elapsed else 0.0,
        "p50_ms": ordered[n // 2] * 1000 if n else None,
        "p99_ms": ordered[max(0, int(n * 0.99) - 1)] * 1000 if n else None,
        "loadgen_cpu_s": cpu, "broken_connections": broken,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    spec = json.load(sys.stdin)
    try:
        import uvloop  # the faster loop when it is there (it comes with uvicorn[standard])

        result = uvloop.run(_run(spec))
    except ImportError:
        result = asyncio.run(_run(spec))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
