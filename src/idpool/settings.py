"""Configuration: read and validated once, at start. The only reader of ``os.environ``.

Every ``idpool serve`` flag also reads ``IDPOOL_<FLAG>`` (``--port`` and ``IDPOOL_PORT``);
a flag given on the command line wins. A bad value is refused with one line naming the
variable (and its flag) and what it accepts, before anything is opened or created.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from idpool.storage.memory import memory_database_name

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_ACCOUNT = re.compile(r"\d{12}")


class SettingsError(ValueError):
    """A setting is invalid; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8740
    data_dir: Path = Path(".idpool")
    database_url: str | None = None
    region: str = "us-east-1"
    account_id: str = "000000000000"
    issuer: str | None = None  # default http://<host>:<port>, fixed once the port is known
    workers: int = 1
    master_key: str | None = dataclasses.field(default=None, repr=False)
    root_access_key_id: str | None = None
    root_secret_access_key: str | None = dataclasses.field(default=None, repr=False)
    max_body_bytes: int = 1024 * 1024
    clock_skew_seconds: int = 300
    log_level: str = "info"
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 30.0
    drain_seconds: float = 30.0
    quotas: str = "default"  # default | aws | off | the path of a TOML file
    redis_url: str | None = dataclasses.field(default=None, repr=False)  # may hold a password
    trusted_proxies: str = ""  # comma-separated CIDRs whose X-Forwarded-For is believed
    audit_log: str | None = None  # a file, or "-" for standard output; unset: no audit log
    max_guests_per_pool: int = 0  # 0: no cap
    unused_guest_days: int = 90  # 0: keep unused guests forever
    tracing: str = "off"  # off | console | otlp
    metrics_dir: str | None = None  # set by `serve --workers N` for its workers
    bootstrap: Path | None = None  # a bootstrap file ``idpool serve`` applies before it answers

    @property
    def issuer_url(self) -> str:
        if self.issuer:
            return self.issuer.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def validate(self) -> Settings:
        if not _REGION.fullmatch(self.region):
            raise _bad("region", repr(self.region), "an AWS region name such as us-east-1")
        if not _ACCOUNT.fullmatch(self.account_id):
            raise _bad("account_id", repr(self.account_id), "12 digits")
        if not 0 <= self.port <= 65535:
            raise _bad("port", self.port, "a port number from 0 to 65535 (0 picks a free one)")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise _bad("log_level", repr(self.log_level), "debug, info, warning or error")
        if self.max_body_bytes < 1024:
            raise _bad("max_body_bytes", self.max_body_bytes, "a number of bytes, at least 1024")
        if not 0 < self.clock_skew_seconds <= 900:
            raise _bad("clock_skew_seconds", self.clock_skew_seconds, "seconds, from 1 to 900")
        if self.workers < 1:
            raise _bad("workers", self.workers, "a number of processes, at least 1")
        for name in ("header_timeout_seconds", "body_timeout_seconds", "drain_seconds"):
            if not 0.1 <= getattr(self, name) <= 3600:
                raise _bad(name, getattr(self, name), "seconds, from 0.1 to 3600")
        if bool(self.root_access_key_id) != bool(self.root_secret_access_key):
            raise SettingsError(
                "IDPOOL_ROOT_ACCESS_KEY_ID and IDPOOL_ROOT_SECRET_ACCESS_KEY must be set together"
            )
        if self.root_access_key_id and not re.fullmatch(r"[A-Z0-9]{16,128}", self.root_access_key_id):
            raise SettingsError("IDPOOL_ROOT_ACCESS_KEY_ID must be 16-128 upper-case letters and digits")
        if self.root_secret_access_key and len(self.root_secret_access_key) < 16:
            raise SettingsError("IDPOOL_ROOT_SECRET_ACCESS_KEY must be at least 16 characters")
        self._validate_database_url()
        self._validate_observability()
        return self

    def _validate_observability(self) -> None:
        if not (self.quotas in ("default", "aws", "off") or Path(self.quotas).is_file()):
            raise _bad("quotas", repr(self.quotas), "default, aws, off, or the path of a TOML quota file")
        if self.redis_url is not None and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise _bad("redis_url", "(not shown)", "a URL starting with redis://, rediss:// or unix://")
        try:
            proxy_networks(self.trusted_proxies)
        except ValueError:
            raise _bad("trusted_proxies", repr(self.trusted_proxies),
                       "comma-separated addresses or CIDRs, e.g. 10.0.0.0/8,192.168.1.10") from None
        if self.audit_log == "":
            raise _bad("audit_log", "''", "a file path, or - for standard output")
        if not 0 <= self.max_guests_per_pool <= 10**12:
            raise _bad("max_guests_per_pool", self.max_guests_per_pool, "a number of identities, 0 for no cap")
        if not 0 <= self.unused_guest_days <= 36500:
            raise _bad("unused_guest_days", self.unused_guest_days, "days, from 0 (never) to 36500")
        if self.tracing not in ("off", "console", "otlp"):
            raise _bad("tracing", repr(self.tracing), "off, console or otlp")

    def _validate_database_url(self) -> None:
        url = self.database_url
        if not url:
            return
        if not url.startswith(("postgresql://", "postgres://", "sqlite:///", "memory://")):
            raise _bad("database_url", "(not shown)", "a URL starting with postgresql://, sqlite:/// or memory://")
        if url.startswith("memory://"):
            try:
                memory_database_name(url)
            except ValueError as exc:
                raise SettingsError(f"--database-url: {exc}") from None
            if self.workers != 1:
                # Each worker process would hold a database of its own: clients would see
                # identities and keys come and go depending on which worker answered.
                raise SettingsError("--database-url memory:// keeps the data in one process: --workers must be 1")


ENV_FIELDS = {
    "host": str,
    "port": int,
    "data_dir": Path,
    "database_url": str,
    "region": str,
    "account_id": str,
    "issuer": str,
    "workers": int,
    "master_key": str,
    "root_access_key_id": str,
    "root_secret_access_key": str,
    "max_body_bytes": int,
    "clock_skew_seconds": int,
    "log_level": str,
    "header_timeout_seconds": float,
    "body_timeout_seconds": float,
    "drain_seconds": float,
    "quotas": str,
    "redis_url": str,
    "trusted_proxies": str,
    "audit_log": str,
    "max_guests_per_pool": int,
    "unused_guest_days": int,
    "tracing": str,
    "metrics_dir": str,
    "bootstrap": Path,
}

# One line per variable, for ``idpool serve --help`` (a test keeps it complete).
DESCRIPTIONS = {
    "host": "interface to listen on [127.0.0.1]; 0.0.0.0 for every interface",
    "port": "port to listen on [8740]; 0 picks a free one and prints it",
    "data_dir": "state directory: SQLite database and master.key [./.idpool]",
    "database_url": "postgresql://user@host/db for many nodes [SQLite in the data dir]",
    "region": "the AWS region this server answers as [us-east-1]",
    "account_id": "the 12-digit account id of every ARN [000000000000]",
    "issuer": "OpenID token issuer URL, e.g. the load balancer's [http://<host>:<port>]",
    "workers": "worker processes [1]",
    "master_key": "32-byte key (base64 or hex) sealing secrets at rest [<data-dir>/master.key]",
    "root_access_key_id": "fixed root access key id (with the secret) [generated at first start]",
    "root_secret_access_key": "fixed root secret access key (with the id) [printed once at first start]",
    "max_body_bytes": "largest request body accepted; 413 above it [1048576]",
    "clock_skew_seconds": "how far a SigV4 timestamp may be from this clock [300]",
    "log_level": "debug, info (one JSON line per request), warning or error [info]",
    "header_timeout_seconds": "a client must send its request headers within this time [10]",
    "body_timeout_seconds": "a client must send its whole request body within this time [30]",
    "drain_seconds": "on SIGTERM, how long in-flight requests may finish [30]",
    "quotas": "request-rate quotas: default (abuse protection), aws, off, or a TOML file [default]",
    "redis_url": "redis://host:6379/0 to share quota counters through Redis [the database]",
    "trusted_proxies": "proxies (CIDRs) whose X-Forwarded-For names the client [none]",
    "audit_log": "audit log of changes, issued credentials and refusals: a file, or - for stdout [off]",
    "max_guests_per_pool": "cap on unauthenticated identities per pool; GetId above it fails [0: none]",
    "unused_guest_days": "delete guests that never got a token or credentials after N days [90; 0: never]",
    "tracing": "OpenTelemetry traces: off, console or otlp (needs idpool[tracing]) [off]",
    "metrics_dir": "where --workers N share their metrics (set by idpool serve) [a private temp dir]",
    "bootstrap": "a bootstrap file (YAML or JSON) applied before the port answers [none]",
}

_KIND_ACCEPTS = {int: "a whole number", float: "a number of seconds"}
# Settings that ``idpool serve`` also takes as a flag (cli.py).
_FLAGS = frozenset({"host", "port", "data_dir", "database_url", "region", "account_id", "issuer", "workers",
                    "quotas", "redis_url", "trusted_proxies", "audit_log", "unused_guest_days",
                    "bootstrap"})


def proxy_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``IDPOOL_TRUSTED_PROXIES``: comma-separated addresses or CIDRs (``ValueError`` if not)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def variable(name: str) -> str:
    """The environment variable of a setting: ``port`` -> ``IDPOOL_PORT``."""
    return f"IDPOOL_{name.upper()}"


def _bad(name: str, value: object, accepted: str) -> SettingsError:
    """One line: which setting (flag and variable), the value refused, what is accepted."""
    where = f"--{name.replace('_', '-')} / {variable(name)}" if name in _FLAGS else variable(name)
    return SettingsError(f"{where}: {value} is not accepted; expected {accepted}")


# An empty IDPOOL_MASTER_KEY is a mistake to report, not "unset": falling back to a new
# key file would leave everything sealed under the intended key unreadable. The empty
# value goes on to ``keys.sealing.load_master_key``, which refuses it by name.
_EMPTY_IS_A_VALUE = frozenset({"master_key"})


def from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``IDPOOL_*`` variables, then explicit overrides (CLI flags) on top."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, kind in ENV_FIELDS.items():
        raw = environ.get(variable(name))
        if raw == "" and name in _EMPTY_IS_A_VALUE:
            values[name] = raw
        elif raw is not None and raw != "":
            values[name] = _convert(name, kind, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values).validate()  # type: ignore[arg-type]


def _convert(name: str, kind: type, raw: str) -> object:
    try:
        return kind(raw.strip() if kind in (int, float) else raw)
    except ValueError:
        raise _bad(name, repr(raw), _KIND_ACCEPTS.get(kind, "a valid value")) from None


def to_env(settings: Settings) -> dict[str, str]:
    """The ``IDPOOL_*`` variables that reproduce ``settings`` (hand-off to worker processes)."""
    env: dict[str, str] = {}
    for name in ENV_FIELDS:
        value = getattr(settings, name)
        if value is not None:
            env[variable(name)] = str(value)
    return env


# --- idpool gateway ------------------------------------------------------------------------
# Its own settings read IDPOOL_GATEWAY_*, so a shell (or a compose file) that configures
# `idpool serve` with IDPOOL_HOST / IDPOOL_PORT does not move the gateway onto the same port.
# The store settings (data dir, database URL, master key, region, account) are serve's own.
_STAGE = re.compile(r"[A-Za-z0-9_-]{1,128}")  # API Gateway: letters, digits, hyphens, underscores
_API_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


@dataclass(frozen=True)
class GatewaySettings:
    """``idpool gateway``: one API (``api_id``, ``stage``) in front of one upstream."""

    store: Settings
    upstream: str = ""
    api_id: str = "api"
    stage: str = "prod"
    host: str = "127.0.0.1"
    port: int = 8750
    cors_origins: tuple[str, ...] = ("*",)
    max_body_bytes: int = 10 * 1024 * 1024  # API Gateway's payload quota for REST APIs: 10 MB
    upstream_timeout_seconds: float = 29.0  # API Gateway's default integration timeout

    def validate(self) -> GatewaySettings:
        if not self.upstream:
            raise SettingsError(f"{_gateway_where('upstream')} is required: the URL of the HTTP service to put "
                                "behind the gateway, e.g. http://127.0.0.1:8000")
        _check_upstream(self.upstream)
        if not _API_ID.fullmatch(self.api_id):
            raise _bad_gateway("api_id", repr(self.api_id), "1 to 64 letters, digits, '-' or '_'")
        if not _STAGE.fullmatch(self.stage) or self.stage == "health":
            raise _bad_gateway("stage", repr(self.stage), "1 to 128 letters, digits, '-' or '_' (not 'health', "
                               "the gateway's own /health)")
        if not 0 <= self.port <= 65535:
            raise _bad_gateway("port", self.port, "a port number from 0 to 65535 (0 picks a free one)")
        if self.cors_origins != ("*",) and not all(_ORIGIN.fullmatch(o) for o in self.cors_origins):
            raise _bad_gateway("cors_origins", repr(",".join(self.cors_origins)),
                               "'*' or comma-separated origins such as https://app.example.com,http://localhost:3000")
        if self.max_body_bytes < 1024:
            raise _bad_gateway("max_body_bytes", self.max_body_bytes, "a number of bytes, at least 1024")
        if not 0.1 <= self.upstream_timeout_seconds <= 3600:
            raise _bad_gateway("upstream_timeout_seconds", self.upstream_timeout_seconds, "seconds, from 0.1 to 3600")
        if (self.store.database_url or "").startswith("memory://"):
            raise SettingsError("--database-url memory:// lives in one process: the gateway needs the store "
                                "`idpool serve` uses (SQLite in its data dir, or PostgreSQL)")
        return self

    @property
    def upstream_base(self) -> str:
        """The upstream URL without a trailing slash: request paths are appended to it."""
        return self.upstream.rstrip("/")


GATEWAY_ENV_FIELDS: dict[str, type] = {
    "upstream": str,
    "api_id": str,
    "stage": str,
    "host": str,
    "port": int,
    "cors_origins": str,
    "max_body_bytes": int,
    "upstream_timeout_seconds": float,
}

GATEWAY_DESCRIPTIONS = {
    "upstream": "URL of the HTTP service behind the gateway (required), e.g. http://127.0.0.1:8000",
    "api_id": "the API id of execute-api ARNs [api]",
    "stage": "the stage: requests go to /<stage>/<path> [prod]",
    "host": "interface to listen on [127.0.0.1]",
    "port": "port to listen on [8750]; 0 picks a free one and prints it",
    "cors_origins": "origins allowed to call from a browser, comma-separated, or * [*]",
    "max_body_bytes": "largest request body forwarded; 413 above it [10485760]",
    "upstream_timeout_seconds": "how long the upstream may take to answer; 504 after it [29]",
}
_GATEWAY_FLAGS = frozenset({"upstream", "api_id", "stage", "host", "port", "cors_origins"})


def gateway_variable(name: str) -> str:
    """The environment variable of a gateway setting: ``port`` -> ``IDPOOL_GATEWAY_PORT``."""
    return f"IDPOOL_GATEWAY_{name.upper()}"


def _gateway_where(name: str) -> str:
    flag = f"--{name.replace('_', '-')} / " if name in _GATEWAY_FLAGS else ""
    return flag + gateway_variable(name)


def _bad_gateway(name: str, value: object, accepted: str) -> SettingsError:
    return SettingsError(f"{_gateway_where(name)}: {value} is not accepted; expected {accepted}")


def _check_upstream(url: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or parts.username or parts.password or port == 0):
        raise _bad_gateway("upstream", "(not shown)" if "@" in url else repr(url),
                           "an http:// or https:// URL with a host, an optional port and base path, "
                           "no query, fragment or credentials")


def gateway_from_env(environ: Mapping[str, str] | None = None, **flags: object) -> GatewaySettings:
    """Gateway settings: the store's from ``IDPOOL_*`` and its flags (``from_env``), the
    gateway's own from ``IDPOOL_GATEWAY_*``, flags on top."""
    environ = os.environ if environ is None else environ
    store = from_env(environ, **{k: flags.pop(k) for k in list(flags) if k in ENV_FIELDS and k not in GATEWAY_ENV_FIELDS})
    values: dict[str, object] = {}
    for name, kind in GATEWAY_ENV_FIELDS.items():
        raw = environ.get(gateway_variable(name))
        if raw:
            try:
                values[name] = kind(raw.strip() if kind in (int, float) else raw)
            except ValueError:
                raise _bad_gateway(name, repr(raw), _KIND_ACCEPTS.get(kind, "a valid value")) from None
    values.update({k: v for k, v in flags.items() if v is not None})
    origins = values.pop("cors_origins", None)
    if isinstance(origins, str):
        values["cors_origins"] = tuple(o.strip() for o in origins.split(",") if o.strip()) or ("",)
    return GatewaySettings(store=store, **values).validate()  # type: ignore[arg-type]
