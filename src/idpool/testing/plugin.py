"""The pytest plugin (entry point ``pytest11``, name ``idpool``): a real idpool per test
session, or per test on request, and the variables that point code under test at it.

- ``idpool``: the running server (``.endpoint_url``, ``.region``, ``.account_id``,
  ``.client(name)``, ``.session()``, ``.env``, ``.apply(file)``). One per session (with
  pytest-xdist, one per worker); a test marked ``@pytest.mark.idpool(...)`` gets a server of
  its own, started with the marker's options.
- ``idpool_env``: sets the ``AWS_*`` variables of ``idpool.env`` for the test (and removes
  the ones that would send credentials elsewhere: a profile, a session token), so code that
  builds its own boto3 clients, and subprocesses (the AWS CLI, Node), find the server.
- ``idpool_factory(**options)``: more servers, stopped when the test ends.

Settings in the ini file: ``idpool_bootstrap`` (files applied to the session's server),
``idpool_snapshot`` (a file imported into it first), ``idpool_database`` (``sqlite``, the
default, or ``memory``), ``idpool_region``, ``idpool_account_id``, ``idpool_subprocess``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from idpool.testing.kit import IdpoolServer

# Variables that would make boto3 or the CLI use other credentials than idpool's root keys:
# a profile (botocore then ignores the key variables), a session token, a role to assume.
AMBIENT = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)
OPTIONS = frozenset({"bootstrap", "snapshot", "database", "database_url", "region", "account_id", "subprocess"})
MARKER = ("idpool(bootstrap=..., snapshot=..., database=..., region=..., account_id=..., subprocess=...): "
          "this test gets an idpool of its own, started with these options")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("idpool_bootstrap", "bootstrap files applied to the session's idpool (idpool apply)", type="paths")
    parser.addini("idpool_snapshot", "a file imported into the session's idpool before it serves (idpool import)",
                  type="paths")
    parser.addini("idpool_database", "sqlite (default: in a temporary directory) or memory", default="sqlite")
    parser.addini("idpool_region", "the servers' region", default="us-east-1")
    parser.addini("idpool_account_id", "the servers' account id", default="000000000000")
    parser.addini("idpool_subprocess", "run each server as an `idpool serve` process", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


@pytest.fixture(scope="session")
def _idpool_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdpoolServer]:
    config = request.config
    options = _ini_options(config)
    options["bootstrap"] = [Path(p) for p in config.getini("idpool_bootstrap")]
    snapshots = config.getini("idpool_snapshot")
    if len(snapshots) > 1:
        raise pytest.UsageError("idpool_snapshot: one file, the export to start from")
    if snapshots:
        options["snapshot"] = Path(snapshots[0])
    running = _start(tmp_path_factory, options)
    yield running
    running.stop()


@pytest.fixture
def idpool(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdpoolServer]:
    marker = request.node.get_closest_marker("idpool")
    if marker is None:
        yield request.getfixturevalue("_idpool_session")
        return
    options = {**_ini_options(request.config), **_relative_to(request.path.parent, marker.kwargs)}
    running = _start(tmp_path_factory, options)
    yield running
    running.stop()


@pytest.fixture
def idpool_env(idpool: IdpoolServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in idpool.env.items():
        monkeypatch.setenv(name, value)
    if "boto3" in sys.modules:  # boto3's default session caches the credentials it found first
        monkeypatch.setattr(sys.modules["boto3"], "DEFAULT_SESSION", None)
    return idpool.env


@pytest.fixture
def idpool_factory(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., IdpoolServer]]:
    started: list[IdpoolServer] = []

    def start(**options: Any) -> IdpoolServer:
        running = _start(tmp_path_factory, {**_ini_options(request.config), **options})
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def _ini_options(config: pytest.Config) -> dict[str, Any]:
    return {
        "database": config.getini("idpool_database"), "region": config.getini("idpool_region"),
        "account_id": config.getini("idpool_account_id"), "subprocess": config.getini("idpool_subprocess"),
    }  # fmt: skip


def _relative_to(folder: Path, options: dict[str, Any]) -> dict[str, Any]:
    """A marker's file names are relative to its test module's directory."""
    out = dict(options)
    for key in ("bootstrap", "snapshot"):
        value = out.get(key)
        if isinstance(value, str | Path):
            out[key] = folder / value
        elif value is not None:
            out[key] = [folder / v for v in value]
    return out


def _start(tmp_path_factory: pytest.TempPathFactory, options: dict[str, Any]) -> IdpoolServer:
    from idpool.testing.kit import start_server

    options = dict(options)
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise pytest.UsageError(f"idpool: unknown option {', '.join(unknown)}; expected {', '.join(sorted(OPTIONS))}")
    database = options.pop("database", "sqlite")
    if database not in ("sqlite", "memory"):
        raise pytest.UsageError(f"idpool database: {database!r} is not accepted; expected sqlite or memory")
    options.setdefault("database_url", "memory://" if database == "memory" else None)
    return start_server(data_dir=tmp_path_factory.mktemp("idpool"), **options)
