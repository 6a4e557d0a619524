"""A separate idpool process for the storage tests: ``python store_worker.py MODE JSON``.

Run as a script (not imported), so each process has its own interpreter and its
own connections, as two ``idpool serve`` processes would. The parent starts every
worker, waits for each to print ``ready``, then writes ``go`` to all of them, so
their calls overlap. Results go to stdout as one JSON line at the end, except in
``ack`` mode, which prints a line after each call returns (an acknowledged write)
and runs until it is killed.

Modes: ``claim`` (many threads claim one login), ``hammer`` (threads write for a
while), ``ack`` (write and acknowledge until killed), ``migrate`` (open a store),
``pools`` (many threads create a pool each, under a per-account limit).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from idpool.ids import new_regional_guid
from idpool.model import Identity, IdentityPool, Login
from idpool.storage import LimitReached, migrations
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore


def candidate(pool_id: str, account_id: str) -> Identity:
    at = dt.datetime.now(dt.UTC)
    return Identity(new_regional_guid("us-east-1"), pool_id, account_id, at, at)


def increment(pool: IdentityPool) -> IdentityPool:
    return dataclasses.replace(pool, tags={"n": str(int(pool.tags.get("n", "0")) + 1)})


def wait_for_go() -> None:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("expected go")


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # reported to the parent, which fails the test
            results[i] = {"error": f"{type(exc).__name__}: {exc}"}

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def claim(store: SqlStore, args: dict[str, Any]) -> list[Any]:
    login = Login(args["provider"], args["subject"])

    def one(_: int) -> list[Any]:
        identity, created = store.get_or_create_identity_for_login(
            args["pool_id"], login, candidate(args["pool_id"], args["account_id"])
        )
        return [identity.identity_id, created]

    return in_threads(args["threads"], one)


def pools(store: SqlStore, args: dict[str, Any]) -> list[Any]:
    def one(i: int) -> str:
        at = dt.datetime.now(dt.UTC)
        pool = IdentityPool(account_id=args["account_id"], pool_id=new_regional_guid("us-east-1"),
                            name=f"p{i}", allow_unauthenticated=False, created_at=at)  # fmt: skip
        try:
            store.create_pool(pool, max_per_account=args["limit"])
        except LimitReached:
            return "limit"
        return "created"

    return in_threads(args["threads"], one)


def hammer(store: SqlStore, args: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + args["seconds"]
    tag = args["tag"]

    def one(i: int) -> dict[str, Any]:
        claims: list[list[str]] = []
        errors: list[str] = []
        increments = 0
        while time.monotonic() < deadline:
            subject = f"{tag}-{i}-{len(claims)}"
            try:
                identity, _ = store.get_or_create_identity_for_login(
                    args["pool_id"], Login("dev", subject), candidate(args["pool_id"], args["account_id"])
                )
                claims.append([subject, identity.identity_id])
                store.update_pool(args["pool_id"], increment)
                increments += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        return {"claims": claims, "increments": increments, "errors": errors}

    return {"threads": in_threads(args["threads"], one)}


def ack(store: SqlStore, args: dict[str, Any]) -> None:
    n = 0
    while True:
        n += 1
        subject = f"{args['tag']}-{n}"
        identity, _ = store.get_or_create_identity_for_login(
            args["pool_id"], Login("dev", subject), candidate(args["pool_id"], args["account_id"])
        )
        print(f"claimed {subject} {identity.identity_id}", flush=True)
        pool = store.update_pool(args["pool_id"], increment)
        print(f"counted {pool.tags['n']}", flush=True)


def main() -> None:
    mode, args = sys.argv[1], json.loads(sys.argv[2])
    if mode == "migrate":
        wait_for_go()
        store = open_sql_store(args["url"], Path(args["data_dir"]))
        print(json.dumps(migrations.schema_version(store.flavor)), flush=True)
        store.close()
        return
    store = open_sql_store(args["url"], Path(args["data_dir"]), migrate=False)
    try:
        if mode == "ack":
            ack(store, args)
        wait_for_go()
        result = {"claim": claim, "pools": pools, "hammer": hammer}[mode](store, args)
        print(json.dumps(result), flush=True)
    finally:
        store.close()


if __name__ == "__main__":
    main()
