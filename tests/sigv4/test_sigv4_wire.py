"""Wire codes per protocol, and no secret in anything a failure carries (S13, S17)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sigv4_oracle import TEMP_AKID, TEMP_SECRET, TOKEN, presign, rejection, replace_header, sign, with_

import idpool.sigv4
from idpool.pipeline import ERROR_TABLES
from idpool.sigv4 import AuthFailure, SigningSecret, SigV4Error

INCOMPLETE = (("IncompleteSignatureException", 400), ("IncompleteSignature", 400))
EXPECTED = {
    AuthFailure.MISSING_TOKEN: (
        ("MissingAuthenticationTokenException", 400), ("MissingAuthenticationToken", 403)),
    AuthFailure.INCOMPLETE_SIGNATURE: INCOMPLETE,
    AuthFailure.UNSUPPORTED_ALGORITHM: INCOMPLETE,
    AuthFailure.SIGNATURE_MISMATCH: (("InvalidSignatureException", 400), ("SignatureDoesNotMatch", 403)),
    AuthFailure.EXPIRED_REQUEST: (("InvalidSignatureException", 400), ("SignatureDoesNotMatch", 403)),
    AuthFailure.UNKNOWN_KEY: (("UnrecognizedClientException", 400), ("InvalidClientTokenId", 403)),
    AuthFailure.INVALID_TOKEN: (("UnrecognizedClientException", 400), ("InvalidClientTokenId", 403)),
    AuthFailure.EXPIRED_TOKEN: (("ExpiredTokenException", 400), ("ExpiredToken", 403)),
}


@pytest.mark.parametrize("kind", list(AuthFailure))
def test_every_kind_has_a_code_for_both_protocols(kind: AuthFailure) -> None:
    failure = SigV4Error(kind, "m")
    named = {service: ERROR_TABLES[service].for_exception(failure) for service in ("cognito-identity", "sts", "iam")}
    json_wire, query_wire = EXPECTED[kind]
    assert named["sts"] == named["iam"]
    assert (named["cognito-identity"].code, named["cognito-identity"].status) == json_wire  # type: ignore[union-attr]
    assert (named["sts"].code, named["sts"].status) == query_wire  # type: ignore[union-attr]


def test_expired_token_is_the_callers_to_raise() -> None:
    error = SigV4Error.expired_token()
    assert error.kind is AuthFailure.EXPIRED_TOKEN
    assert error.message == "The security token included in the request is expired"


def _failures() -> list[SigV4Error]:
    temporary: dict[str, Any] = {"access_key": TEMP_AKID, "secret": TEMP_SECRET}
    return [
        rejection(sign(**temporary)),  # token missing
        rejection(sign(**temporary, token=TOKEN + "x")),  # foreign token
        rejection(sign(**temporary, token=TOKEN), now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)),
        rejection(with_(sign(**temporary, token=TOKEN), body=b"changed")),
        rejection(replace_header(sign(**temporary, token=TOKEN), "Authorization", f"AWS4 {TOKEN}")),
        rejection(with_(presign(**temporary, token=TOKEN), body=b"x")),
    ]


@pytest.mark.catalogue("K04", "S17")
def test_failures_never_carry_the_secret_or_the_token() -> None:
    for error in _failures():
        for text in (error.message, str(error), repr(error)):
            assert TEMP_SECRET not in text and TOKEN not in text


@pytest.mark.catalogue("K04")
def test_signing_secret_repr_hides_both_secrets() -> None:
    shown = repr(SigningSecret(TEMP_SECRET, TOKEN))
    assert TEMP_SECRET not in shown and TOKEN not in shown


# --- static rules over the package's source ---------------------------------------------
SOURCES = sorted(Path(idpool.sigv4.__file__).parent.glob("*.py"))
SECRET_WORDS = ("signature", "token", "secret")
FORBIDDEN_IMPORTS = ("botocore", "boto3", "starlette", "uvicorn", "sqlite3", "psycopg", "idpool.web",
                     "idpool.api", "idpool.protocols")


def _names(node: ast.expr) -> str:
    return " ".join(n.id for n in ast.walk(node) if isinstance(n, ast.Name)).lower() + " " + \
        " ".join(n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)).lower()


@pytest.mark.catalogue("S17")
def test_no_equality_comparison_on_secrets() -> None:
    # S17: signatures, tokens and secrets are compared with hmac.compare_digest only.
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            equality = any(isinstance(op, (ast.Eq, ast.NotEq)) for op in getattr(node, "ops", ()))
            if isinstance(node, ast.Compare) and equality:
                operands = _names(node.left) + " ".join(_names(c) for c in node.comparators)
                assert not any(word in operands for word in SECRET_WORDS), f"{path.name}:{node.lineno}"


@pytest.mark.catalogue("S17")
def test_constant_time_comparisons_are_used() -> None:
    verify_source = (Path(idpool.sigv4.__file__).parent / "verify.py").read_text()
    assert verify_source.count("hmac.compare_digest(") == 2  # signature and session token


def test_the_package_imports_no_framework_driver_or_botocore() -> None:
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for module in modules:
                assert not module.startswith(FORBIDDEN_IMPORTS), f"{path.name} imports {module}"
