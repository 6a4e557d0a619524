"""Quota sets and quota files: the built-in sets say what docs/AWS_REFERENCE.md says, and a
file that cannot be used is refused with a line naming the entry and what is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from idpool.quotas.counters import LocalCounters
from idpool.quotas.rules import ABUSE_PROTECTION, AWS_PUBLISHED, Quota, QuotaFileError, load_quotas
from idpool.quotas.throttle import Throttle


def test_aws_quotas_are_the_published_cognito_identity_rates_per_second() -> None:
    published = {"GetId": 25, "GetOpenIdToken": 200, "GetCredentialsForIdentity": 200,
                 "GetOpenIdTokenForDeveloperIdentity": 50, "ListIdentities": 5, "DeleteIdentities": 10,
                 "TagResource": 5, "UntagResource": 5, "ListTagsForResource": 10}
    assert {q.operation: q.limit for q in AWS_PUBLISHED} == published
    assert all((q.service, q.per, q.window) == ("cognito-identity", "account", 1) for q in AWS_PUBLISHED)
    assert load_quotas("aws") == AWS_PUBLISHED + ABUSE_PROTECTION  # and still abuse protection per source
    assert load_quotas("off") == ()


def test_the_default_limits_every_public_operation_per_source_well_below_500_per_second() -> None:
    public = {("cognito-identity", "GetId"), ("cognito-identity", "GetOpenIdToken"),
              ("cognito-identity", "GetCredentialsForIdentity"), ("cognito-identity", "UnlinkIdentity"),
              ("sts", "AssumeRoleWithWebIdentity")}
    assert {(q.service, q.operation) for q in load_quotas("default")} == public
    assert all(q.per == "source" and q.limit / q.window <= 50 for q in ABUSE_PROTECTION)


def test_a_file_adds_to_an_included_set(tmp_path: Path) -> None:
    path = tmp_path / "q.toml"
    path.write_text('include = ["aws"]\n[[quota]]\noperation = "iam:*"\nper = "account"\nlimit = 20\nwindow = 60\n')
    assert load_quotas(str(path)) == AWS_PUBLISHED + ABUSE_PROTECTION + (Quota("iam", "*", "account", 20, 60),)


@pytest.mark.parametrize("text, says", [
    ("[[quota]]\noperation = \"GetId\"\nper = \"source\"\nlimit = 1\n", "expected \"service:Operation\""),
    ("[[quota]]\noperation = \"s3:GetObject\"\nper = \"source\"\nlimit = 1\n", "service 's3'"),
    ("[[quota]]\noperation = \"sts:GetCallerIdentity\"\nper = \"user\"\nlimit = 1\n", "per 'user'"),
    ("[[quota]]\noperation = \"sts:GetCallerIdentity\"\nper = \"account\"\nlimit = 0\n", "limit 0"),
    ("[[quota]]\noperation = \"sts:GetCallerIdentity\"\nper = \"account\"\nlimit = 1.5\n", "limit 1.5"),
    ("[[quota]]\noperation = \"sts:*\"\nper = \"account\"\nlimit = 1\nwindow = 0\n", "window 0"),
    ("[[quota]]\noperation = \"sts:*\"\nper = \"account\"\nlimit = 1\nburst = 3\n", "unknown key 'burst'"),
    ("include = [\"strict\"]\n", "include 'strict'"),
    ("limits = 3\n", "unknown key 'limits'"),
    ("[[quota]\n", "not valid TOML"),
])
def test_a_bad_file_is_refused_naming_the_entry(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "q.toml"
    path.write_text(text)
    with pytest.raises(QuotaFileError) as refused:
        load_quotas(str(path))
    assert says in str(refused.value) and str(path) in str(refused.value)


def test_fixed_windows_count_each_key_apart_and_start_again() -> None:
    now = [1000.0]
    throttle = Throttle([Quota("sts", "*", "account", 2, 10), Quota("sts", "AssumeRoleWithWebIdentity", "source", 1, 10)],
                        LocalCounters(), "000000000000", clock=lambda: now[0])
    for _ in range(2):
        throttle.check("sts", "GetCallerIdentity", account="111111111111", source_ip="192.0.2.1")
    with pytest.raises(Exception, match="Rate exceeded"):
        throttle.check("sts", "AssumeRole", account="111111111111", source_ip="192.0.2.1")  # "sts:*": one count
    throttle.check("sts", "GetCallerIdentity", account="222222222222", source_ip="192.0.2.1")  # another account
    throttle.check("sts", "AssumeRoleWithWebIdentity", account=None, source_ip="192.0.2.1")  # the server's account
    with pytest.raises(Exception, match="Rate exceeded"):
        throttle.check("sts", "AssumeRoleWithWebIdentity", account=None, source_ip="192.0.2.1")  # per source: 1
    with pytest.raises(Exception, match="Rate exceeded"):  # unsigned calls count against the server's account
        throttle.check("sts", "AssumeRoleWithWebIdentity", account=None, source_ip="192.0.2.2")
    now[0] = 1010.0  # the next window
    throttle.check("sts", "AssumeRole", account="111111111111", source_ip="192.0.2.1")
