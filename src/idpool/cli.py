"""The ``idpool`` command: serve, gateway, migrate, keys rotate|list, apply, export, import.

Flags mirror ``IDPOOL_*`` variables (``idpool serve --help`` lists them); settings are
validated once here, and a bad one is a one-line error, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import signal
import socket
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from idpool import __version__
from idpool.bootstrap.commands import apply_command, export_command
from idpool.settings import (
    DESCRIPTIONS,
    ENV_FIELDS,
    GATEWAY_DESCRIPTIONS,
    GATEWAY_ENV_FIELDS,
    GatewaySettings,
    Settings,
    SettingsError,
    from_env,
    gateway_from_env,
    gateway_variable,
    to_env,
    variable,
)

_COMMON = [
    click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="State directory [./.idpool]"),
    click.option("--database-url", default=None, help="postgresql://... (default: SQLite in the data dir)"),
    click.option("--region", default=None, help="AWS region name [us-east-1]"),
    click.option("--account-id", default=None, help="12-digit account id [000000000000]"),
]


def _common(func: Any) -> Any:
    for option in reversed(_COMMON):
        func = option(func)
    return func


def _settings(**flags: Any) -> Settings:
    try:
        return from_env(**flags)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _variables_help(rows: dict[str, str], intro: str = "Every setting", outro: str = "") -> str:
    """A ``--help`` epilog: every variable with a line on what it does ({variable: line})."""
    width = max(len(name) for name in rows)
    lines = [f"  {name:<{width}}  {line}" for name, line in rows.items()]
    # "\b" keeps click from re-wrapping the table.
    return f"{intro} is also read from the environment (a flag given wins):\n\n\b\n" + "\n".join(lines) + outro


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if message.startswith("{"):
            return message
        doc = {"level": record.levelname.lower(), "logger": record.name, "message": message}
        if record.exc_info:
            doc["traceback"] = self.formatException(record.exc_info)
        return json.dumps(doc)


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    # uvicorn's loggers write through the same handler, as JSON lines, warnings only: its
    # start and stop chatter stays out, a failure it sees does not.
    for name, threshold in (("idpool", level.upper()), ("psycopg", "WARNING"), ("uvicorn", "WARNING")):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(threshold)
        logger.propagate = False


@click.group()
@click.version_option(__version__, prog_name="idpool")
def main() -> None:
    """idpool: Amazon Cognito Identity Pools, STS and IAM, self-hosted."""


@main.command(epilog=_variables_help({variable(name): DESCRIPTIONS[name] for name in ENV_FIELDS}))
@click.option("--host", default=None, help="Interface to listen on [127.0.0.1]")
@click.option("--port", type=int, default=None, help="Port [8740]; 0 picks a free one")
@_common
@click.option("--issuer", default=None, help="Token issuer URL [http://<host>:<port>]")
@click.option("--workers", type=int, default=None, help="Worker processes [1]")
@click.option("--quotas", default=None, help="Request-rate quotas: default, aws, off, or a TOML file [default]")
@click.option("--redis-url", default=None, help="Share quota counters through Redis [the database]")
@click.option("--trusted-proxies", default=None, help="CIDRs of proxies whose X-Forwarded-For is believed [none]")
@click.option("--audit-log", default=None, help="Audit log: a file, or - for standard output [off]")
@click.option("--bootstrap", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Bootstrap file (YAML or JSON) applied before the port answers")
def serve(**flags: Any) -> None:
    """Serve the AWS APIs, OpenID discovery and JWKS on one port."""
    settings = _settings(**flags)
    document = None if settings.bootstrap is None else _bootstrap_file(settings.bootstrap)
    setup_logging(settings.log_level)
    _raise_descriptor_limit()
    sock = _bind(settings.host, settings.port)
    if settings.port == 0:
        settings = _settings(**{**flags, "port": sock.getsockname()[1]})
    _initialize_and_announce(settings, document)
    os.environ.update(to_env(settings))
    _run_uvicorn(settings, sock)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _raise_descriptor_limit() -> None:
    """Raise the soft limit on open files to the hard limit: each client socket is one, and
    a default soft limit of 1024 is soon reached by a burst of slow clients, even though
    each is cut off after IDPOOL_HEADER_TIMEOUT_SECONDS. Inherited by worker processes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _initialize_and_announce(settings: Settings, document: Any = None) -> None:
    """Migrate, create keys and root credentials once, in the parent, apply the bootstrap
    file if there is one, then print the banner."""
    from idpool.app import build_services

    try:
        services = build_services(settings)
    except Exception as exc:
        raise click.ClickException(f"idpool cannot start: {exc}") from None
    try:
        if document is not None:
            _apply_bootstrap(settings, services.root.access_key_id, services.root.secret_access_key, document)
        _banner(settings, services.root.access_key_id, services.root.secret_access_key if services.root_created else None)
    finally:
        services.close()


def _bootstrap_file(path: Path) -> Any:
    """The bootstrap file, read and checked before anything is created."""
    from idpool.bootstrap.commands import load_or_exit

    return load_or_exit(path)


def _apply_bootstrap(settings: Settings, access_key_id: str, secret: str, document: Any) -> None:
    """``--bootstrap``: apply the file through the AWS APIs, as root, to a private server on a
    loopback port of its own, before the public port answers: a client that sees
    ``/health`` 200 sees the file applied."""
    import boto3

    from idpool.app import build_services
    from idpool.bootstrap.apply import apply
    from idpool.bootstrap.aws import Clients
    from idpool.bootstrap.commands import show_new_keys
    from idpool.bootstrap.errors import BootstrapError
    from idpool.bootstrap.report import Report
    from idpool.web.threaded import ThreadedServer

    try:
        private = ThreadedServer(lambda _port: build_services(settings)).start()
    except Exception as exc:
        raise click.ClickException(f"--bootstrap {settings.bootstrap}: cannot start the private server: {exc}") from None
    try:
        session = boto3.Session(aws_access_key_id=access_key_id, aws_secret_access_key=secret,
                                region_name=settings.region)
        click.echo(f"bootstrap {settings.bootstrap}:")
        report = apply(document, Clients.from_session(session, private.url), Report(emit=click.echo))
    except BootstrapError as exc:
        raise click.ClickException(f"--bootstrap {settings.bootstrap}: {exc}") from None
    finally:
        private.stop()
    click.echo(report.summary())
    show_new_keys(report.new_access_keys)
    click.echo("")


def _banner(settings: Settings, access_key_id: str, new_secret: str | None) -> None:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    endpoint = f"http://{host}:{settings.port}"
    storage = _describe_database(settings)
    lines = [
        f"idpool {__version__} listening on {endpoint}",
        f"  issuer   {settings.issuer_url}   (JWKS: {settings.issuer_url}/.well-known/jwks_uri)",
        f"  storage  {storage}",
        f"  region   {settings.region}   account {settings.account_id}   workers {settings.workers}",
        "",
    ]
    # Per-service endpoints: other AWS services the user's code calls still go to AWS
    # (AWS_ENDPOINT_URL would send them all here).
    endpoints = [f"export AWS_ENDPOINT_URL_{service}={endpoint}" for service in ("COGNITO_IDENTITY", "STS", "IAM")]
    regions = [f"export AWS_DEFAULT_REGION={settings.region}", f"export AWS_REGION={settings.region}"]
    if new_secret is not None:
        lines += ["Root credentials, shown this once (stored encrypted). Paste into your shell:"]
        lines += [*endpoints, f"export AWS_ACCESS_KEY_ID={access_key_id}",
                  f"export AWS_SECRET_ACCESS_KEY={new_secret}", *regions]
    else:
        lines += [f"Root access key {access_key_id} (its secret was shown at first start or set by you).",
                  *endpoints, *regions]
    click.echo("\n".join(lines), nl=True)
    sys.stdout.flush()


def _describe_database(settings: Settings) -> str:
    """Where the data lives, for the banner: never the credentials in the URL."""
    if not settings.database_url:
        return f"sqlite {settings.data_dir / 'idpool.db'}"
    if settings.database_url.startswith("sqlite:///"):
        return f"sqlite {settings.database_url.removeprefix('sqlite:///')}"
    if settings.database_url.startswith("memory://"):
        return "memory (this process only: nothing is kept when it stops)"
    url = urllib.parse.urlsplit(settings.database_url)
    return f"postgresql {url.hostname or 'localhost'}:{url.port or 5432}{url.path}"


def _draining_server(config: Any) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """SIGTERM/SIGINT: stop accepting, drain in-flight requests, then exit 0
        (uvicorn would re-raise the signal and die by it). The handlers stay until the
        process ends, so a repeated signal during the last teardown cannot kill it."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self.handle_exit)
            yield

    return Server(config)


def _run_uvicorn(settings: Settings, sock: socket.socket) -> None:
    from idpool.web.edge import uvicorn_config

    timeouts = {"header_timeout": settings.header_timeout_seconds, "drain_seconds": settings.drain_seconds}
    if settings.workers == 1:
        _draining_server(uvicorn_config(worker_app(), **timeouts)).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    with _shared_metrics_dir(settings):
        config = uvicorn_config("idpool.cli:worker_app", factory=True, workers=settings.workers, **timeouts)
        Multiprocess(config, sockets=[sock]).run()


@contextlib.contextmanager
def _shared_metrics_dir(settings: Settings) -> Iterator[None]:
    """A private directory where the workers share their metrics (prometheus_client's
    multiprocess mode), made before any worker starts and removed when they have all
    stopped. Set as PROMETHEUS_MULTIPROC_DIR, which the library reads when it is imported."""
    import shutil
    import tempfile

    made = tempfile.mkdtemp(prefix="idpool-metrics-")  # 0700
    os.environ[variable("metrics_dir")] = os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    try:
        yield
    finally:
        shutil.rmtree(made, ignore_errors=True)


def worker_app() -> Any:
    """The ASGI app of one worker: settings from IDPOOL_*, services built in the background."""
    from idpool.app import build_services
    from idpool.web.server import create_app

    settings = from_env()
    setup_logging(settings.log_level)
    limits: dict[str, Any] = {"max_body": settings.max_body_bytes, "body_timeout": settings.body_timeout_seconds,
                              "drain_seconds": settings.drain_seconds, "trusted_proxies": settings.trusted_proxies}
    if settings.workers > 1:
        # The parent has migrated and printed the banner; each worker builds its services
        # before it accepts, so no worker can answer "starting" after /health said 200.
        return create_app(services=build_services(settings), **limits)
    return create_app(starter=lambda: build_services(settings), **limits)


@main.command(epilog=_variables_help(
    {gateway_variable(name): GATEWAY_DESCRIPTIONS[name] for name in GATEWAY_ENV_FIELDS}, "Each gateway setting",
    "\n\nThe store (data dir or database URL, master key, region, account), IDPOOL_CLOCK_SKEW_SECONDS, "
    "IDPOOL_HEADER_TIMEOUT_SECONDS, IDPOOL_BODY_TIMEOUT_SECONDS, IDPOOL_DRAIN_SECONDS and IDPOOL_LOG_LEVEL are "
    "read as `idpool serve` reads them."))
@click.option("--upstream", default=None, help="URL of the HTTP service behind the gateway (required)")
@click.option("--api-id", default=None, help="API id in execute-api ARNs [api]")
@click.option("--stage", default=None, help="Stage: requests go to /<stage>/<path> [prod]")
@click.option("--host", default=None, help="Interface to listen on [127.0.0.1]")
@click.option("--port", type=int, default=None, help="Port [8750]; 0 picks a free one")
@click.option("--cors-origins", default=None, help="Origins allowed from browsers, comma-separated, or * [*]")
@_common
def gateway(**flags: Any) -> None:
    """IAM authorization in front of any HTTP service, as API Gateway's AWS_IAM does it.

    Requests must be SigV4-signed for execute-api with credentials idpool issued or knows;
    execute-api:Invoke is authorized on arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>.
    Uses the store of `idpool serve` (same data dir or database, same master key)."""
    from idpool.gateway.server import create_gateway_app

    try:
        settings = gateway_from_env(**flags)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    setup_logging(settings.store.log_level)
    _raise_descriptor_limit()
    sock = _bind(settings.host, settings.port)
    with _existing_store(settings.store) as store:
        _require_master_key(settings.store)
        try:
            app = create_gateway_app(settings, store)
        except Exception as exc:
            raise click.ClickException(f"idpool gateway cannot start: {exc}") from None
        _gateway_banner(settings, sock.getsockname()[1])
        _run_gateway(settings, app, sock)


def _gateway_banner(settings: GatewaySettings, port: int) -> None:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    store = settings.store
    lines = [
        f"idpool gateway {__version__} listening on http://{host}:{port}",
        f"  stage    http://{host}:{port}/{settings.stage}/<path>  ->  {settings.upstream_base}/<path>",
        f"  arn      arn:aws:execute-api:{store.region}:{store.account_id}:{settings.api_id}/{settings.stage}/<METHOD>/<path>",
        f"  storage  {_describe_database(store)}",
        f"  cors     {','.join(settings.cors_origins)}",
    ]
    click.echo("\n".join(lines), nl=True)
    sys.stdout.flush()


def _run_gateway(settings: GatewaySettings, app: Any, sock: socket.socket) -> None:
    """One process: the proxying is asynchronous and the checks run in worker threads;
    start more gateways behind a load balancer to scale out (they keep no state)."""
    from idpool.web.edge import uvicorn_config

    store = settings.store
    config = uvicorn_config(app, header_timeout=store.header_timeout_seconds, drain_seconds=store.drain_seconds)
    _draining_server(config).run(sockets=[sock])


def _require_master_key(settings: Settings) -> None:
    """Commands that work on an existing installation refuse to create a master key: one made
    now could open nothing sealed before it."""
    from idpool.keys.sealing import MASTER_KEY_FILE

    key_file = settings.data_dir / MASTER_KEY_FILE
    if settings.master_key is None and not key_file.exists():
        raise click.ClickException(f"no master key: {key_file} does not exist and IDPOOL_MASTER_KEY is not set")


@main.command()
@_common
def migrate(**flags: Any) -> None:
    """Apply schema migrations and exit (for operators who migrate before rolling out)."""
    from idpool.storage.open import open_store

    settings = _settings(**flags)
    store = open_store(settings.database_url, settings.data_dir)
    store.close()
    click.echo("schema is up to date")


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@_common
def import_file(file: Path, **flags: Any) -> None:
    """Write FILE (from `idpool export`) into this store, keeping every pool id, IdentityId
    and login. Records the store already has are left as they are."""
    from idpool.bootstrap.commands import import_into

    settings = _settings(**flags)
    import_into(file, settings, _describe_database(settings))


@main.group()
def guests() -> None:
    """Unauthenticated identities (guests)."""


@guests.command("cleanup")
@_common
@click.option("--unused-guest-days", type=int, default=None, help="Delete guests never used after this many days [90]")
def guests_cleanup(**flags: Any) -> None:
    """Delete guests that never obtained a token or credentials (what each server also does
    hourly). Safe to run while nodes serve, and on several hosts at once."""
    from idpool.clock import SystemClock
    from idpool.identity_pools.guests import GuestCleanup

    settings = _settings(**flags)
    if settings.unused_guest_days == 0:
        raise click.ClickException("--unused-guest-days / IDPOOL_UNUSED_GUEST_DAYS is 0: unused guests are kept")
    with _existing_store(settings) as store:
        deleted = GuestCleanup(store, SystemClock(), settings.unused_guest_days).run()
    click.echo(f"deleted {deleted} unused guest identities older than {settings.unused_guest_days} days")


@main.group()
def keys() -> None:
    """OpenID token signing keys."""


@keys.command("rotate")
@_common
def keys_rotate(**flags: Any) -> None:
    """Make a new signing key active; the old one verifies until its tokens expire."""
    from idpool.clock import SystemClock
    from idpool.keys.errors import MasterKeyError
    from idpool.keys.rotation import rotate
    from idpool.keys.sealing import Sealer, load_master_key

    settings = _settings(**flags)
    with _existing_store(settings) as store:
        _require_master_key(settings)  # else load_master_key would create one
        try:
            sealer = Sealer(load_master_key(env_value=settings.master_key, data_dir=settings.data_dir))
        except MasterKeyError as exc:
            raise click.ClickException(f"cannot load the master key: {exc}") from None
        key = rotate(store, sealer, SystemClock(), settings.region)
        click.echo(f"active signing key is now {key.kid}")


@keys.command("list")
@_common
def keys_list(**flags: Any) -> None:
    """List signing keys: kid, state, created, verifiable until."""
    with _existing_store(_settings(**flags)) as store:
        for key in store.list_signing_keys():
            state = "active" if key.active else f"retired, verifies until {key.verify_until:%Y-%m-%dT%H:%M:%SZ}"
            click.echo(f"{key.kid}\t{state}\tcreated {key.created_at:%Y-%m-%dT%H:%M:%SZ}")


@contextlib.contextmanager
def _existing_store(settings: Settings) -> Iterator[Any]:
    """The store of an installation that has been started before, opened without migrating.

    The key commands work on existing state only: run from the wrong directory they
    must not create an empty store (nor, as the full start-up would, root credentials
    whose secret nobody sees). Refused with one line when there is no such store.
    """
    from idpool import storage
    from idpool.storage.open import open_store

    where = _describe_database(settings)
    sqlite_file = _sqlite_file(settings)
    if sqlite_file is not None and not sqlite_file.is_file():
        raise click.ClickException(
            f"no idpool database at {sqlite_file}: start `idpool serve` first, or pass the --data-dir "
            "(or --database-url) that it uses"
        )
    try:
        store = open_store(settings.database_url, settings.data_dir, migrate=False)
    except Exception as exc:
        raise click.ClickException(f"cannot open {where}: {exc}") from None
    try:
        try:
            keys = store.list_signing_keys()
        except storage.Unavailable as exc:
            raise click.ClickException(f"cannot reach {where}: {exc}") from None
        except Exception:
            raise click.ClickException(
                f"{where} holds no idpool schema: start `idpool serve` (or run `idpool migrate`) first"
            ) from None
        if not keys:
            raise click.ClickException(f"{where} has no signing key yet: start `idpool serve` first")
        yield store
    finally:
        store.close()


def _sqlite_file(settings: Settings) -> Path | None:
    """The SQLite database file the settings name, or None for PostgreSQL."""
    from idpool.storage.open import DB_FILE_NAME

    if not settings.database_url:
        return settings.data_dir / DB_FILE_NAME
    if settings.database_url.startswith("sqlite:///"):
        return Path("/" + settings.database_url.removeprefix("sqlite:///").lstrip("/"))
    return None


main.add_command(apply_command)
main.add_command(export_command)
