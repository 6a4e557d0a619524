"""The CLI's own rules: settings from flags and IDPOOL_* variables, a banner that leaks nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from idpool.cli import _describe_database
from idpool.settings import Settings, SettingsError, from_env


def test_banner_never_shows_database_credentials() -> None:
    settings = Settings(database_url="postgresql://idpool:Sup3rSecret@db.internal:6432/idp?password=Sup3rSecret")
    described = _describe_database(settings)
    assert "Sup3rSecret" not in described and "idpool:" not in described
    assert described == "postgresql db.internal:6432/idp"
    assert _describe_database(Settings(data_dir=Path("/var/lib/idpool"))) == "sqlite /var/lib/idpool/idpool.db"


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
