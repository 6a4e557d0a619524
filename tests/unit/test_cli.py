"""The CLI's own rules: settings from flags and IDPOOL_* variables, a banner that leaks nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
