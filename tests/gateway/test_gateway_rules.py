"""The gateway's pure rules and its command line: which paths name a resource, what is
never forwarded, its answers against API Gateway's documented gateway responses, and
settings refused in one line before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from idpool import errors
from idpool.cli import main
from idpool.gateway.core import resource_path
from idpool.gateway.forwarding import client_headers, upstream_query
from idpool.gateway.responses import ERRORS
from idpool.settings import GATEWAY_DESCRIPTIONS, GATEWAY_ENV_FIELDS, SettingsError, gateway_from_env, gateway_variable
from idpool.sigv4 import AuthFailure


@pytest.mark.parametrize(("path", "resource"), [
    ("/", ""), ("/notes", "notes"), ("/notes/", "notes/"), ("/notes/us-east-1:abc/x", "notes/us-east-1:abc/x"),
    ("/notes/us-east-1%3Aabc", "notes/us-east-1:abc"), ("/caf%C3%A9/menu", "café/menu"), ("/a%20b", "a b"),
])
def test_the_resource_is_the_decoded_path_without_its_slash(path: str, resource: str) -> None:
    assert resource_path(path) == resource


@pytest.mark.parametrize("path", ["/a/../b", "/a/./b", "/..", "/a//b", "//a", "/a%2fb", "/a%2Fb", "/%2e%2e/b",
                                  "/a/%2E", "/%ff", "/a%00b", "/a%0Ab"])
def test_paths_that_could_mean_two_things_are_refused(path: str) -> None:
    with pytest.raises(errors.InvalidRequestPath):
        resource_path(path)


def test_the_presign_parameters_are_not_forwarded_the_rest_is_byte_for_byte() -> None:
    raw = ("q=caf%C3%A9+menu&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA%2F20260101&x-amz-security-token=t"
           "&X-Amz-Signature=ab&X-Amz-SignedHeaders=host&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&flag&a=1&a=2")
    assert upstream_query(raw) == "q=caf%C3%A9+menu&flag&a=1&a=2"
    assert upstream_query("") == ""


def test_hop_by_hop_and_the_upstreams_cors_stay_behind() -> None:
    kept = client_headers([("Content-Type", "text/plain"), ("Connection", "close, X-Internal"), ("X-Internal", "1"),
                           ("Transfer-Encoding", "chunked"), ("Access-Control-Allow-Origin", "*"), ("ETag", '"1"')])
    assert kept == [("Content-Type", "text/plain"), ("ETag", '"1"')]


# API Gateway Developer Guide, "Gateway response types": default status of each response.
DOCUMENTED = {
    AuthFailure.MISSING_TOKEN: 403,  # MISSING_AUTHENTICATION_TOKEN
    AuthFailure.SIGNATURE_MISMATCH: 403, AuthFailure.EXPIRED_REQUEST: 403,  # INVALID_SIGNATURE
    AuthFailure.EXPIRED_TOKEN: 403, errors.ExpiredCredentials: 403,  # EXPIRED_TOKEN
    errors.AccessDenied: 403,  # ACCESS_DENIED
    errors.RequestTooLarge: 413,  # REQUEST_TOO_LARGE
    errors.InvalidRequestPath: 400,  # BAD_REQUEST_PARAMETERS
    errors.IntegrationTimeout: 504,  # INTEGRATION_TIMEOUT
}


def test_the_gateways_answers_have_api_gateways_statuses() -> None:
    failures = ERRORS.failures()
    for failure, status in DOCUMENTED.items():
        assert failures[failure].status == status, failure
    # the one deviation, documented in docs/GATEWAY.md: an unreachable upstream is 502, not 504
    assert failures[errors.IntegrationFailure].status == 502


def test_gateway_settings_are_its_own_variables_and_refused_in_one_line(tmp_path: Path) -> None:
    settings = gateway_from_env({"IDPOOL_PORT": "8740", "IDPOOL_GATEWAY_UPSTREAM": "http://127.0.0.1:8000/api/",
                                 "IDPOOL_GATEWAY_CORS_ORIGINS": "https://app.example.com, http://localhost:3000"})
    assert (settings.port, settings.upstream_base) == (8750, "http://127.0.0.1:8000/api")
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:3000")
    for bad, named in [({}, "--upstream / IDPOOL_GATEWAY_UPSTREAM"),
                       ({"upstream": "http://user:pw@host"}, "IDPOOL_GATEWAY_UPSTREAM"),
                       ({"upstream": "http://h", "stage": "v1/beta"}, "--stage"),
                       ({"upstream": "http://h", "cors_origins": "https://a.example/path"}, "--cors-origins"),
                       ({"upstream": "http://h", "database_url": "memory://"}, "memory://")]:
        with pytest.raises(SettingsError, match=named) as refused:
            gateway_from_env({}, **bad)
        assert "\n" not in str(refused.value) and "pw" not in str(refused.value)


def test_gateway_help_names_every_variable() -> None:
    result = CliRunner().invoke(main, ["gateway", "--help"])
    help_text = " ".join(result.output.split())
    for name in GATEWAY_ENV_FIELDS:
        assert f"{gateway_variable(name)} {' '.join(GATEWAY_DESCRIPTIONS[name].split())}" in help_text


def test_the_gateway_refuses_a_store_serve_never_set_up(tmp_path: Path) -> None:
    nowhere = tmp_path / "not-started-here"
    result = CliRunner().invoke(main, ["gateway", "--upstream", "http://127.0.0.1:9", "--port", "0",
                                       "--data-dir", str(nowhere)])
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1 and "idpool serve" in result.output
    assert not nowhere.exists()
