"""The CLI's own rules: settings from flags and IDPOOL_* variables, a banner that leaks nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from idpool.cli import _describe_database
from idpool.settings import Settings, SettingsError, from_env


@pytest.mark.catalogue("K04")
def test_banner_never_shows_database_credentials() -> None:
    settings = Settings(database_url="postgresql://idpool:Sup3rSecret@db.internal:6432/idp?password=Sup3rSecret")
    described = _describe_database(settings)
    assert "Sup3rSecret" not in described and "idpool:" not in described
    assert described == "postgresql db.internal:6432/idp"
    assert _describe_database(Settings(data_dir=Path("/var/lib/idpool"))) == "sqlite /var/lib/idpool/idpool.db"
    assert _describe_database(Settings(database_url="memory://")).startswith("memory (this process only")


def test_flags_override_environment_and_bad_values_are_named() -> None:
    settings = from_env({"IDPOOL_PORT": "9000", "IDPOOL_REGION": "eu-west-1"}, port=9100)
    assert settings.port == 9100 and settings.region == "eu-west-1"
    with pytest.raises(SettingsError, match="IDPOOL_PORT"):
        from_env({"IDPOOL_PORT": "eighty"})
    with pytest.raises(SettingsError, match="region"):
        from_env({"IDPOOL_REGION": "moon-1"})
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        from_env({"IDPOOL_LOG_LEVEL": "verbose"})
    with pytest.raises(SettingsError, match="together"):
        from_env({"IDPOOL_ROOT_ACCESS_KEY_ID": "AKIAONLYHALFGIVEN000"})


def test_default_issuer_is_host_and_port() -> None:
    assert Settings(host="127.0.0.1", port=8740).issuer_url == "http://127.0.0.1:8740"
    assert Settings(host="0.0.0.0", port=80).issuer_url == "http://localhost:80"
    assert Settings(issuer="https://id.example.com/").issuer_url == "https://id.example.com"


def test_an_empty_master_key_variable_is_kept_so_that_it_is_refused() -> None:
    """``IDPOOL_MASTER_KEY=""`` must not fall back to a key file: data sealed under the
    intended key would become unreadable (the empty value reaches ``load_master_key``)."""
    assert from_env({"IDPOOL_MASTER_KEY": ""}).master_key == ""
    assert from_env({}).master_key is None
    assert from_env({"IDPOOL_PORT": ""}).port == 8740  # other empty variables still mean "unset"


# --- the first hour: help, bad values, key commands run from the wrong place -------------
def run_cli(*args: str, env: dict[str, str] | None = None) -> Any:
    from click.testing import CliRunner

    from idpool.cli import main

    return CliRunner().invoke(main, list(args), env=env)


def test_serve_help_names_every_variable_with_what_it_does() -> None:
    from idpool.settings import DESCRIPTIONS, ENV_FIELDS, variable

    result = run_cli("serve", "--help")
    assert result.exit_code == 0
    help_text = " ".join(result.output.split())
    assert "IDPOOL_MASTER_KEY" in help_text
    for name in ENV_FIELDS:
        assert f"{variable(name)} {' '.join(DESCRIPTIONS[name].split())}" in help_text


@pytest.mark.parametrize("name, value, accepted", [
    ("IDPOOL_PORT", "abc", "whole number"),
    ("IDPOOL_WORKERS", "-1", "at least 1"),
    ("IDPOOL_DRAIN_SECONDS", "0", "seconds"),
    ("IDPOOL_HEADER_TIMEOUT_SECONDS", "soon", "number of seconds"),
    ("IDPOOL_REGION", "moon", "us-east-1"),
    ("IDPOOL_QUOTAS", "/no/such/quotas.toml", "default, aws, off"),
    ("IDPOOL_REDIS_URL", "http://cache:6379", "redis://"),
    ("IDPOOL_TRUSTED_PROXIES", "10.0.0.0/8,lb.internal", "CIDRs"),
    ("IDPOOL_MAX_GUESTS_PER_POOL", "-5", "0 for no cap"),
    ("IDPOOL_UNUSED_GUEST_DAYS", "-1", "0 (never)"),
    ("IDPOOL_TRACING", "jaeger", "off, console or otlp"),
])
def test_a_bad_variable_is_one_line_naming_it_and_what_is_accepted(
    tmp_path: Path, name: str, value: str, accepted: str
) -> None:
    data = tmp_path / "data"
    result = run_cli("serve", "--data-dir", str(data), env={name: value})
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert name in lines[0] and accepted in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert not data.exists()  # refused before anything was created


@pytest.mark.parametrize("command", [("keys", "list"), ("keys", "rotate")])
def test_key_commands_refuse_a_data_dir_that_does_not_exist(tmp_path: Path, command: tuple[str, ...]) -> None:
    nowhere = tmp_path / "not-started-here"
    result = run_cli(*command, "--data-dir", str(nowhere))
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1 and "idpool serve" in result.output
    assert not nowhere.exists()  # no empty store, no master key, no root credentials


@pytest.mark.parametrize("command", [("keys", "list"), ("keys", "rotate")])
def test_key_commands_refuse_a_sqlite_url_that_names_no_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    missing = tmp_path / "missing.db"
    result = run_cli(*command, "--data-dir", str(tmp_path / "d"), "--database-url", f"sqlite:///{missing}")
    assert result.exit_code != 0 and "no idpool database" in result.output
    assert not missing.exists()


def _started_without_root(data: Path) -> Any:
    """A store as the key commands find it: migrated, one signing key, no root credentials yet."""
    from idpool.clock import SystemClock
    from idpool.keys.rotation import ensure_signing_key
    from idpool.keys.sealing import Sealer, load_master_key
    from idpool.storage.open import open_store

    store = open_store(None, data)
    ensure_signing_key(store, Sealer(load_master_key(env_value=None, data_dir=data)), SystemClock(), "us-east-1")
    return store


def test_key_commands_touch_keys_only_never_root_credentials(tmp_path: Path) -> None:
    from idpool.auth.credentials import ROOT_SETTING

    data = tmp_path / "data"
    store = _started_without_root(data)
    try:
        listed = run_cli("keys", "list", "--data-dir", str(data))
        assert listed.exit_code == 0 and listed.output.startswith("us-east-11\tactive")
        rotated = run_cli("keys", "rotate", "--data-dir", str(data))
        assert rotated.exit_code == 0, rotated.output
        assert rotated.output.strip() == "active signing key is now us-east-12"
        assert store.get_setting(ROOT_SETTING) is None  # no root key whose secret nobody saw
    finally:
        store.close()


def test_keys_rotate_without_the_master_key_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _started_without_root(data).close()
    (data / "master.key").unlink()
    result = run_cli("keys", "rotate", "--data-dir", str(data))
    assert result.exit_code != 0 and "master key" in result.output
    assert not (data / "master.key").exists()  # not replaced by a new key that opens nothing


@pytest.mark.postgres
def test_key_commands_refuse_a_postgres_database_without_idpool(postgres_admin_url: str) -> None:
    import uuid

    import psycopg

    schema = f"cli_empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        separator = "&" if "?" in postgres_admin_url else "?"
        url = f"{postgres_admin_url}{separator}options=-csearch_path%3D{schema}"
        result = run_cli("keys", "list", "--database-url", url)
        assert result.exit_code != 0 and "no idpool schema" in result.output
        with psycopg.connect(postgres_admin_url) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)).fetchone()
        assert tables == (0,)  # nothing was created there
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_a_quota_file_that_cannot_be_used_stops_the_start_with_one_line(tmp_path: Path) -> None:
    quotas = tmp_path / "quotas.toml"
    quotas.write_text('[[quota]]\noperation = "cognito-identity:GetIdentity"\nper = "source"\nlimit = 5\n')
    result = run_cli("serve", "--data-dir", str(tmp_path / "data"), "--quotas", str(quotas))
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "quota 1: cognito-identity has no operation 'GetIdentity'" in lines[0], result.output


def test_guests_cleanup_deletes_old_unused_guests_of_an_existing_installation(tmp_path: Path) -> None:
    import datetime as dt

    from idpool.ids import new_regional_guid
    from idpool.model import Identity, IdentityPool
    from idpool.storage.open import open_store

    store = open_store(None, tmp_path)  # an installation that has served before
    try:
        at = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
        pool = IdentityPool("123456789012", new_regional_guid("us-east-1"), "app", True, at)
        store.create_pool(pool)
        store.add_first_signing_key(_a_key(at))
        for _ in range(2):
            store.create_identity(Identity(new_regional_guid("us-east-1"), pool.pool_id, pool.account_id, at, at))
    finally:
        store.close()
    kept = run_cli("guests", "cleanup", "--data-dir", str(tmp_path), "--unused-guest-days", "30")
    assert kept.exit_code == 0 and "deleted 0 unused guest identities" in kept.output, kept.output
    result = run_cli("guests", "cleanup", "--data-dir", str(tmp_path), "--unused-guest-days", "7")
    assert result.exit_code == 0 and "deleted 2 unused guest identities older than 7 days" in result.output


def test_guests_cleanup_refuses_where_idpool_never_ran(tmp_path: Path) -> None:
    result = run_cli("guests", "cleanup", "--data-dir", str(tmp_path / "nowhere"))
    assert result.exit_code != 0 and "no idpool database" in result.output
    assert not (tmp_path / "nowhere").exists()


def _a_key(at: object) -> Any:
    from idpool.model import SigningKey

    return SigningKey("k1", "RS512", {"kty": "RSA"}, b"sealed", at, True)  # type: ignore[arg-type]
