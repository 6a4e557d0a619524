"""A real idpool for a test suite: started on a free loopback port with its own data, root
credentials and master key, and handed out with what clients need (docs/TESTING.md).

In this process by default (uvicorn in a thread: the first start pays the imports, later
ones take a fraction of a second), or as an ``idpool serve`` subprocess. Storage is SQLite in
the server's data directory unless ``database_url`` says otherwise (``memory://`` gets a
name of its own, so servers never share one). Heavy imports (boto3, the server) happen
when a server starts, not when pytest loads the plugin.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

    from idpool.bootstrap.report import Report
    from idpool.web.threaded import ThreadedServer

START_SECONDS = 30.0
SERVED = ("COGNITO_IDENTITY", "STS", "IAM")


class IdpoolServer:
    """A running idpool: ``endpoint_url``, ``region``, ``account_id``, root credentials,
    ``client()``, ``session()``, ``env``; ``stop()`` ends it (and its data, unless the caller
    gave the data directory)."""

    def __init__(self, *, endpoint_url: str, region: str, account_id: str, access_key_id: str,
                 secret_access_key: str, data_dir: Path) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.account_id = account_id
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.data_dir = data_dir
        self._threaded: ThreadedServer | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._owned_dir = False
        self._owned_memory: str | None = None  # a memory:// database named by the kit: let go at stop
        self._boto: boto3.Session | None = None
        self._boto_lock = threading.Lock()  # boto3 sessions do not make clients safely from two threads

    @property
    def env(self) -> dict[str, str]:
        """The ``AWS_*`` variables that point the AWS CLI, boto3 and the JS SDK here as root."""
        endpoints = {f"AWS_ENDPOINT_URL_{service}": self.endpoint_url for service in SERVED}
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url, **endpoints,
            "AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
        }  # fmt: skip

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A boto3 client for this server with root credentials; keyword arguments win."""
        from botocore.config import Config

        kwargs.setdefault("config", Config(retries={"mode": "standard", "max_attempts": 2}))
        with self._boto_lock:
            if self._boto is None:
                self._boto = self.session()
            return self._boto.client(service_name, **kwargs)

    def session(self) -> boto3.Session:
        """A boto3 Session with root credentials whose clients all come here (as with
        ``AWS_ENDPOINT_URL``): nothing made from it reaches AWS by accident."""
        return _endpoint_session(self.endpoint_url)(
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key,
            region_name=self.region, botocore_session=_botocore_session())

    def apply(self, path: str | Path, *, dry_run: bool = False) -> Report:
        """``idpool apply`` a bootstrap file here; returns the report (new access keys included)."""
        from idpool.bootstrap.apply import apply
        from idpool.bootstrap.aws import Clients
        from idpool.bootstrap.document import load
        from idpool.bootstrap.report import Report

        return apply(load(Path(path)), Clients.from_session(self.session()), Report(dry_run=dry_run))

    def stop(self) -> None:
        if self._threaded is not None:
            self._threaded.stop()
            self._threaded = None
        if self._process is not None:
            _end(self._process)
            self._process = None
        if self._owned_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._owned_dir = False
        if self._owned_memory is not None:
            from idpool.storage.memory import forget_named_database

            forget_named_database(self._owned_memory)
            self._owned_memory = None

    def __repr__(self) -> str:
        return f"<IdpoolServer {self.endpoint_url} region={self.region} account={self.account_id}>"


@contextlib.contextmanager
def server(**options: Any) -> Iterator[IdpoolServer]:
    """``with idpool.testing.server() as idp:``: a running server, stopped on exit. Options
    as ``start_server``."""
    running = start_server(**options)
    try:
        yield running
    finally:
        running.stop()


def start_server(
    *,
    data_dir: str | Path | None = None,
    database_url: str | None = None,
    region: str = "us-east-1",
    account_id: str = "000000000000",
    bootstrap: str | Path | Sequence[str | Path] = (),
    snapshot: str | Path | None = None,
    subprocess: bool = False,
) -> IdpoolServer:
    """Start a server. ``bootstrap``: files applied once it runs (``idpool apply``);
    ``snapshot``: a file imported into its store before it serves (``idpool import``: every
    id kept); ``subprocess``: run ``idpool serve`` in a process of its own."""
    owned = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="idpool-")) if data_dir is None else Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    memory_name = None
    if database_url is not None and database_url.rstrip("/") == "memory:":
        memory_name = f"testing-{secrets.token_hex(6)}"  # never one shared by two servers
        database_url = f"memory://{memory_name}"
    credentials = ("AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
    settings: dict[str, Any] = dict(
        data_dir=folder, database_url=database_url, region=region, account_id=account_id,
        root_access_key_id=credentials[0], root_secret_access_key=credentials[1],
        master_key=secrets.token_hex(32), log_level="warning",
    )  # fmt: skip
    snapshot_path = None if snapshot is None else Path(snapshot)
    try:
        running = (_start_process if subprocess else _start_thread)(settings, snapshot_path)
    except BaseException:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)
        if memory_name is not None:
            from idpool.storage.memory import forget_named_database

            forget_named_database(memory_name)
        raise
    running._owned_dir = owned
    running._owned_memory = memory_name
    try:
        for path in [bootstrap] if isinstance(bootstrap, str | Path) else bootstrap:
            running.apply(path)
    except BaseException:
        running.stop()
        raise
    return running


def _start_thread(settings: dict[str, Any], snapshot: Path | None) -> IdpoolServer:
    from idpool.app import Services, build_services
    from idpool.settings import Settings
    from idpool.web.threaded import ThreadedServer

    def make(port: int) -> Services:
        services = build_services(Settings(**settings, port=port).validate())
        if snapshot is not None:
            try:
                _import(snapshot, services.store, settings)
            except BaseException:
                services.close()
                raise
        return services

    threaded = ThreadedServer(make).start()
    running = _handle(threaded.url, settings)
    running._threaded = threaded
    return running


def _start_process(settings: dict[str, Any], snapshot: Path | None) -> IdpoolServer:
    from idpool.settings import to_env

    url = settings["database_url"] or ""
    if url.startswith("memory://"):
        raise ValueError("a memory:// store lives in one process: a subprocess server needs SQLite or PostgreSQL")
    if snapshot is not None:
        from idpool.storage.open import open_store

        store = open_store(settings["database_url"], settings["data_dir"])
        try:
            _import(snapshot, store, settings)
        finally:
            store.close()
    from idpool.settings import Settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("IDPOOL_")}
    env.update(to_env(Settings(**settings, host="127.0.0.1", port=0).validate()))
    log_path = settings["data_dir"] / "idpool-serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "idpool", "serve"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        endpoint = _wait_for_banner(process, log_path)
        _wait_for_health(process, endpoint, log_path)
    except BaseException:
        _end(process)
        raise
    running = _handle(endpoint, settings)
    running._process = process
    return running


def _handle(endpoint: str, settings: dict[str, Any]) -> IdpoolServer:
    return IdpoolServer(endpoint_url=endpoint, region=settings["region"], account_id=settings["account_id"],
                        access_key_id=settings["root_access_key_id"],
                        secret_access_key=settings["root_secret_access_key"], data_dir=settings["data_dir"])


def _import(snapshot: Path, store: Any, settings: dict[str, Any]) -> None:
    import datetime as dt

    from idpool.bootstrap.document import load
    from idpool.bootstrap.restore import import_document

    import_document(load(snapshot), store, account_id=settings["account_id"], region=settings["region"],
                    now=dt.datetime.now(dt.UTC))


def _wait_for_banner(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if " listening on " in line:
                return line.rsplit(" ", 1)[-1]
        if process.poll() is not None:
            break
        time.sleep(0.02)
    raise RuntimeError(f"idpool serve did not start: {_tail(log_path)}")


def _wait_for_health(process: subprocess.Popen[bytes], endpoint: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{endpoint}/health", timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.02)
    raise RuntimeError(f"idpool serve did not become healthy: {_tail(log_path)}")


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log_path: Path) -> str:
    text = log_path.read_text(errors="replace").strip().splitlines()
    return " | ".join(text[-5:]) or "(no output)"


def _botocore_session() -> Any:
    """A botocore session sharing one loader of service models with every other the kit makes:
    a new session would read and parse the models again (tenths of a second per service)."""
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader())
    return session


@functools.cache
def _shared_loader() -> Any:
    import botocore.loaders

    return botocore.loaders.create_loader()


def _endpoint_session(endpoint_url: str) -> type[boto3.Session]:
    import boto3

    class EndpointSession(boto3.Session):  # type: ignore[misc]  # boto3 has no type information
        """Every client and resource of this session goes to ``endpoint_url`` unless told otherwise."""

        def client(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("endpoint_url", endpoint_url)
            return super().client(*args, **kwargs)

        def resource(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("endpoint_url", endpoint_url)
            return super().resource(*args, **kwargs)

    return EndpointSession
