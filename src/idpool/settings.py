"""Configuration: read and validated once, at start. The only reader of ``os.environ``.

Every ``idpool serve`` flag also reads ``IDPOOL_<FLAG>`` (CONTRACT.md "Install and start").
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

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

    @property
    def issuer_url(self) -> str:
        if self.issuer:
            return self.issuer.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def validate(self) -> "Settings":
        if not _REGION.fullmatch(self.region):
            raise SettingsError(f"--region {self.region!r} is not an AWS region name such as us-east-1")
        if not _ACCOUNT.fullmatch(self.account_id):
            raise SettingsError(f"--account-id {self.account_id!r} must be 12 digits")
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"--port {self.port} is out of range")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise SettingsError(f"IDPOOL_LOG_LEVEL {self.log_level!r} must be debug, info, warning or error")
        if self.max_body_bytes < 1024:
            raise SettingsError("IDPOOL_MAX_BODY_BYTES must be at least 1024")
        if not 0 < self.clock_skew_seconds <= 900:
            raise SettingsError("IDPOOL_CLOCK_SKEW_SECONDS must be between 1 and 900")
        if self.workers < 1:
            raise SettingsError("--workers must be at least 1")
        for name in ("header_timeout_seconds", "body_timeout_seconds", "drain_seconds"):
            if not 0.1 <= getattr(self, name) <= 3600:
                raise SettingsError(f"IDPOOL_{name.upper()} must be between 0.1 and 3600 seconds")
        if bool(self.root_access_key_id) != bool(self.root_secret_access_key):
            raise SettingsError(
                "IDPOOL_ROOT_ACCESS_KEY_ID and IDPOOL_ROOT_SECRET_ACCESS_KEY must be set together"
            )
        if self.root_access_key_id and not re.fullmatch(r"[A-Z0-9]{16,128}", self.root_access_key_id):
            raise SettingsError("IDPOOL_ROOT_ACCESS_KEY_ID must be 16-128 upper-case letters and digits")
        if self.root_secret_access_key and len(self.root_secret_access_key) < 16:
            raise SettingsError("IDPOOL_ROOT_SECRET_ACCESS_KEY must be at least 16 characters")
        if self.database_url and not self.database_url.startswith(("postgresql://", "postgres://", "sqlite:///")):
            raise SettingsError("--database-url must start with postgresql:// or sqlite:///")
        return self


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
}


def from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``IDPOOL_*`` variables, then explicit overrides (CLI flags) on top."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, kind in ENV_FIELDS.items():
        raw = environ.get(f"IDPOOL_{name.upper()}")
        if raw not in (None, ""):
            try:
                values[name] = kind(raw)
            except ValueError as exc:
                raise SettingsError(f"IDPOOL_{name.upper()}={raw!r}: {exc}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values).validate()  # type: ignore[arg-type]


def to_env(settings: Settings) -> dict[str, str]:
    """The ``IDPOOL_*`` variables that reproduce ``settings`` (hand-off to worker processes)."""
    env: dict[str, str] = {}
    for name in ENV_FIELDS:
        value = getattr(settings, name)
        if value is not None:
            env[f"IDPOOL_{name.upper()}"] = str(value)
    return env
