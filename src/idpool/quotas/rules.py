"""Quota sets: idpool's abuse protection (the default), AWS's published per-account quotas
(``--quotas aws``), none (``--quotas off``) or a TOML file (``--quotas FILE``).

A quota is "at most ``limit`` calls of ``service:Operation`` in each fixed window of
``window`` seconds" (windows aligned on the epoch), counted either

- ``per = "source"``: unsigned calls only, per source address (abuse protection: the public
  operations anyone can call); or
- ``per = "account"``: every call, per AWS account: the caller's account for a signed call,
  the server's account (``--account-id``) for an unsigned one, as AWS counts a public call
  against the account that owns the identity pool.

Sources and numbers: docs/AWS_REFERENCE.md, "Request-rate quotas".
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from idpool.protocols.models import service_model

Per = Literal["source", "account"]
MAX_WINDOW = 86400


class QuotaFileError(ValueError):
    """A quota file cannot be used; the message names the file, the entry and why."""


@dataclass(frozen=True)
class Quota:
    service: str  # cognito-identity | sts | iam
    operation: str  # an operation of the service's model, or "*" for all of them
    per: Per
    limit: int  # calls per window
    window: int = 1  # seconds

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation} per {self.per}, {self.limit} per {self.window} s"


def _per_source(operation: str, limit: int, service: str = "cognito-identity") -> Quota:
    return Quota(service, operation, "source", limit, 1)


# Abuse protection: the unsigned (public) operations, per source address, per second. Well
# below what one address could send (a loopback client reaches ~600 GetId/s), above what
# the users behind one NAT address normally need: a guest is created once per install
# (GetId), and credentials last an hour (GetCredentialsForIdentity).
ABUSE_PROTECTION: tuple[Quota, ...] = (
    _per_source("GetId", 10),
    _per_source("GetOpenIdToken", 50),
    _per_source("GetCredentialsForIdentity", 50),
    _per_source("UnlinkIdentity", 10),
    _per_source("AssumeRoleWithWebIdentity", 50, "sts"),
)


def _per_account(operation: str, limit: int) -> Quota:
    return Quota("cognito-identity", operation, "account", limit, 1)


# "Quotas in Amazon Cognito", identity pools API operation request rate quotas (requests per
# second, per account and Region; the page gives the minimum across Regions). IAM and STS
# publish no request rates, so none are set for them here (a quota file can).
AWS_PUBLISHED: tuple[Quota, ...] = (
    _per_account("GetId", 25),
    _per_account("GetOpenIdToken", 200),
    _per_account("GetCredentialsForIdentity", 200),
    _per_account("GetOpenIdTokenForDeveloperIdentity", 50),
    _per_account("ListIdentities", 5),
    _per_account("DeleteIdentities", 10),
    _per_account("TagResource", 5),
    _per_account("UntagResource", 5),
    _per_account("ListTagsForResource", 10),
)


def load_quotas(choice: str) -> tuple[Quota, ...]:
    """The quotas ``--quotas`` names: ``default``, ``aws`` (AWS's, plus abuse protection),
    ``off``, or the path of a TOML file (``QuotaFileError`` if it cannot be used)."""
    if choice == "default":
        return ABUSE_PROTECTION
    if choice == "aws":
        return AWS_PUBLISHED + ABUSE_PROTECTION
    if choice == "off":
        return ()
    return read_quota_file(Path(choice))


def read_quota_file(path: Path) -> tuple[Quota, ...]:
    """A quota file: an optional ``include = ["default" | "aws"]`` and ``[[quota]]`` tables,
    each with ``operation = "service:Operation"`` (or ``"service:*"``), ``per``, ``limit``
    and an optional ``window`` in seconds (1 by default)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise QuotaFileError(f"--quotas / IDPOOL_QUOTAS: cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise QuotaFileError(f"--quotas / IDPOOL_QUOTAS: {path} is not valid TOML: {exc}") from None
    unknown = set(doc) - {"include", "quota"}
    if unknown:
        raise QuotaFileError(f"{path}: unknown key {sorted(unknown)[0]!r}; expected include and [[quota]] tables")
    quotas: list[Quota] = []
    for included in _list(doc.get("include", []), path, "include"):
        if included not in ("default", "aws"):
            raise QuotaFileError(f"{path}: include {included!r} is not accepted; expected \"default\" or \"aws\"")
        quotas += load_quotas(str(included))
    for number, entry in enumerate(_list(doc.get("quota", []), path, "quota"), start=1):
        quotas.append(_quota(entry, path, number))
    return tuple(quotas)


def _list(value: object, path: Path, key: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise QuotaFileError(f"{path}: {key} must be a list")
    return value


def _quota(entry: object, path: Path, number: int) -> Quota:
    where = f"{path}: quota {number}"
    if not isinstance(entry, Mapping):
        raise QuotaFileError(f"{where} must be a table")
    unknown = set(entry) - {"operation", "per", "limit", "window"}
    if unknown:
        raise QuotaFileError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    service, operation = _operation(entry.get("operation"), where)
    per = entry.get("per")
    if per not in ("source", "account"):
        raise QuotaFileError(f"{where}: per {per!r} is not accepted; expected \"source\" or \"account\"")
    limit, window = entry.get("limit"), entry.get("window", 1)
    if type(limit) is not int or limit < 1:
        raise QuotaFileError(f"{where}: limit {limit!r} is not accepted; expected a whole number, at least 1")
    if type(window) is not int or not 1 <= window <= MAX_WINDOW:
        raise QuotaFileError(f"{where}: window {window!r} is not accepted; expected seconds, from 1 to {MAX_WINDOW}")
    return Quota(service, operation, per, limit, window)


def _operation(value: object, where: str) -> tuple[str, str]:
    if not isinstance(value, str) or value.count(":") != 1:
        raise QuotaFileError(f"{where}: operation {value!r} is not accepted; expected \"service:Operation\"")
    service, operation = value.split(":")
    if service not in ("cognito-identity", "sts", "iam"):
        raise QuotaFileError(f"{where}: service {service!r} is not accepted; expected cognito-identity, sts or iam")
    if operation != "*" and operation not in service_model(service).operation_names:
        raise QuotaFileError(f"{where}: {service} has no operation {operation!r}")
    return service, operation
