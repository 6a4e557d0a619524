"""The fixed per-request costs issue #16 names, each timed alone in this process:

    python bench/fixed_costs.py [--rounds 5]

- a request id (every call has one);
- a new access key id (every GetCredentialsForIdentity and AssumeRole* issues one);
- SigV4 on the server: the authenticator's ``session_token`` then ``verify`` of a signed
  GetCallerIdentity (the header index and the query were built twice before);
- one access-log line through idpool's logging handler (``idpool serve``'s, writing to
  /dev/null here), from 1 thread and from 8 threads at once (the handler's lock).

Prints microseconds per call, the best of ``--rounds``. Run it on two commits to compare
(``git worktree add /tmp/old <commit>``, then PYTHONPATH=/tmp/old/src).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Callable

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import idpool
from idpool import ids
from idpool.cli import setup_logging
from idpool.sigv4 import HttpRequest, SigningSecret, session_token, verify


def per_call(fn: Callable[[], object], n: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - began) / n)
    return best * 1e6


def signed_request() -> tuple[HttpRequest, SigningSecret, dt.datetime]:
    creds = Credentials("ASIABENCH00000000001", "secret-0123456789abcdefghijklmnopqrstuv", "token-" + "x" * 300)
    request = AWSRequest(method="POST", url="http://127.0.0.1:8740/", data=b"Action=GetCallerIdentity&Version=2011-06-15",
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, "sts", "us-east-1").add_auth(request)
    headers = [("host", "127.0.0.1:8740"), *((k, v) for k, v in request.headers.items()),
               ("user-agent", "Boto3/1.44 md/Botocore#1.44 ua/2.1 os/linux lang/python#3.11"), ("accept-encoding", "identity")]
    http = HttpRequest("POST", "/", "", headers, request.body)
    signed_at = dt.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return http, SigningSecret(creds.secret_key, creds.token), signed_at


def sigv4_once(template: HttpRequest, secret: SigningSecret, now: dt.datetime) -> None:
    request = HttpRequest(template.method, template.path, template.query_string, template.headers, template.body)
    session_token(request)
    verify(request, service="sts", allowed_regions={"us-east-1"}, lookup=lambda _key: secret, now=now)


def log_lines(threads: int, lines: int) -> float:
    """Microseconds of wall time per access line, ``threads`` threads logging together."""
    log = logging.getLogger("idpool.access")
    line = json.dumps({"requestId": ids.new_request_id(), "service": "sts", "operation": "GetCallerIdentity",
                       "status": 200, "error": None, "caller": "arn:aws:iam::123456789012:root",
                       "sourceIp": "127.0.0.1", "ms": 0.812})
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(lines):
            log.info(line)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    return (time.perf_counter() - began) / (threads * lines) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"idpool from {os.path.dirname(idpool.__file__)}")
    print(f"request id:           {per_call(ids.new_request_id, 100_000, args.rounds):6.2f} us")
    print(f"access key id:        {per_call(lambda: ids.new_access_key_id('ASIA'), 50_000, args.rounds):6.2f} us")
    http, secret, now = signed_request()
    print(f"sigv4 token + verify: {per_call(lambda: sigv4_once(http, secret, now), 10_000, args.rounds):6.2f} us")
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(2)
    os.dup2(devnull, 2)  # the handler writes to standard error: here, nowhere
    try:
        setup_logging("info")
        one = min(log_lines(1, 20_000) for _ in range(args.rounds))
        eight = min(log_lines(8, 5_000) for _ in range(args.rounds))
    finally:
        os.dup2(saved, 2)
    print(f"access line, 1 thread:  {one:6.2f} us")
    print(f"access line, 8 threads: {eight:6.2f} us")


if __name__ == "__main__":
    main()
