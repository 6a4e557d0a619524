"""An upgrade from a database an earlier release made (F10 in docs/reliability.md).

``releases/<commit>/`` holds what ``scripts/make_release_database.py`` kept from a real run
of that commit: its SQLite database (as an SQL dump) and what its calls returned. The
current idpool opens that database (migrating it forward), and boto3 finds everything the
release stored, signs with the access key it issued (its secret unsealed under the same
master key), and keeps writing. A second server, whose clock is set to a minute after the
release ran, accepts the OpenID token and the temporary credentials the release issued.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from idpool.app import build_services
from idpool.clock import Clock, FixedClock
from idpool.storage.migrations import MIGRATIONS
from tests.sigv4.sigv4_oracle import sign
from tests.support import LiveServer, client, make_settings

RELEASES = Path(__file__).with_name("releases")
DEV = "login.release"


def restore(release: Path, data_dir: Path) -> dict[str, Any]:
    """The release's database, as it left it, in ``data_dir``; its facts."""
    data_dir.mkdir(mode=0o700)
    database = sqlite3.connect(data_dir / "idpool.db")
    try:
        database.executescript((release / "database.sql").read_text(encoding="utf-8"))
    finally:
        database.close()
    (data_dir / "idpool.db").chmod(0o600)
    return dict(json.loads((release / "release.json").read_text(encoding="utf-8")))


@contextmanager
def serving(data_dir: Path, release: dict[str, Any], clock: Clock | None = None) -> Iterator[LiveServer]:
    settings = make_settings(data_dir, account_id=release["account_id"], issuer=release["issuer"],
                             master_key=release["master_key"], root_access_key_id=release["root_access_key_id"],
                             root_secret_access_key=release["root_secret_access_key"])
    server = LiveServer(lambda port: build_services(settings, clock=clock)).start()
    try:
        yield server
    finally:
        server.stop()


def as_root(server: LiveServer, release: dict[str, Any], service: str) -> Any:
    return client(server, service, key=release["root_access_key_id"], secret=release["root_secret_access_key"])


def unsigned(server: LiveServer, service: str) -> Any:
    return boto3.client(service, endpoint_url=server.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


@pytest.mark.catalogue("F10")
@pytest.mark.parametrize("release_dir", sorted(p for p in RELEASES.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_everything_a_release_stored_is_readable_and_usable_after_the_upgrade(tmp_path: Path, release_dir: Path) -> None:
    data_dir = tmp_path / "data"
    release = restore(release_dir, data_dir)
    facts, pool_id = release["facts"], release["facts"]["pool_id"]
    assert release["schema_version"] < len(MIGRATIONS)  # an upgrade is what is being tested
    with serving(data_dir, release) as server:
        cognito, iam = as_root(server, release, "cognito-identity"), as_root(server, release, "iam")
        pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
        assert pool["IdentityPoolName"] == "release_pool" and pool["DeveloperProviderName"] == DEV
        assert pool["IdentityPoolTags"] == {"team": "release"}
        assert cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == {"authenticated": facts["role_arn"]}
        ids = facts["identities"]
        alice = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="alice@work")
        assert alice["IdentityId"] == ids["alice"] and sorted(alice["DeveloperUserIdentifierList"]) == ["alice", "alice@work"]
        merged = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="carol")
        assert merged["IdentityId"] == ids["dave"]
        visible = {i["IdentityId"] for i in cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60, HideDisabled=True)["Identities"]}
        assert visible == {ids["alice"], ids["bob"], ids["dave"], facts["guest"]}  # carol's identity stays merged away

        role = iam.get_role(RoleName="ReleaseAuth")["Role"]
        assert role["Arn"] == facts["role_arn"] and role["Description"] == "from the release"
        assert role["Tags"] == [{"Key": "team", "Value": "release"}]
        assert iam.get_role_policy(RoleName="ReleaseAuth", PolicyName="describe")["PolicyDocument"]["Statement"]
        assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="backend")["AccessKeyMetadata"]] == [facts["access_key_id"]]

        backend = client(server, "cognito-identity", key=facts["access_key_id"], secret=facts["secret_access_key"])
        again = backend.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "bob"})
        assert again["IdentityId"] == ids["bob"]  # the key the release issued still signs, and finds its users
        new = backend.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "erin"})
        assert new["IdentityId"] not in ids.values()
        old_kid = jwt.get_unverified_header(facts["openid_token"])["kid"]
        keys = httpx.get(server.url + "/.well-known/jwks_uri").json()["keys"]
        assert old_kid in {k["kid"] for k in keys}  # the release's signing key is still the one in use
        assert jwt.get_unverified_header(new["Token"])["kid"] == old_kid

    database = sqlite3.connect(data_dir / "idpool.db")
    try:
        versions = [row[0] for row in database.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == [m.version for m in MIGRATIONS]  # migrated forward, once each
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        database.close()


@pytest.mark.catalogue("F10")
@pytest.mark.parametrize("release_dir", sorted(p for p in RELEASES.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_tokens_and_credentials_the_release_issued_still_work_until_they_expire(tmp_path: Path, release_dir: Path) -> None:
    data_dir = tmp_path / "data"
    release = restore(release_dir, data_dir)
    facts = release["facts"]
    then = dt.datetime.fromtimestamp(release["made_at"] + 60, dt.UTC)  # a minute after the release issued them
    with serving(data_dir, release, FixedClock(then)) as server:
        out = unsigned(server, "cognito-identity").get_credentials_for_identity(
            IdentityId=facts["identities"]["bob"], Logins={"cognito-identity.amazonaws.com": facts["openid_token"]})
        assert out["IdentityId"] == facts["identities"]["bob"]
        session = facts["session"]
        signed = sign(params={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, host=server.url.split("//", 1)[1],
                      at=then, access_key=session["access_key_id"], secret=session["secret_key"], token=session["session_token"])
        answer = httpx.post(server.url + "/?" + signed.query_string, headers=list(signed.headers), content=signed.body)
        assert answer.status_code == 200, answer.text
        assert ":assumed-role/ReleaseAuth/CognitoIdentityCredentials" in answer.text
