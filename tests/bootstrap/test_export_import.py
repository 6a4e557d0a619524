"""``idpool export --identities`` from one idpool, ``idpool import`` into another: every pool
id, IdentityId and login survives, and the second server answers as the first would."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from idpool.bootstrap.apply import apply
from idpool.bootstrap.aws import Clients
from idpool.bootstrap.document import load, parse, read_text
from idpool.bootstrap.errors import BootstrapError
from idpool.bootstrap.export import dump, export
from idpool.bootstrap.report import Report
from idpool.bootstrap.restore import ImportReport, import_document
from idpool.storage.memory import MemoryStore
from idpool.storage.open import open_store
from idpool.testing.kit import IdpoolServer

from .files import DEV, EXAMPLE, trust

GUESTS_DEV = "login.guests.example"
ACCOUNT, REGION = "000000000000", "us-east-1"  # the testing kit's defaults
NOW = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def bootstrap() -> dict[str, Any]:
    """The example app's file and a second pool that lets guests in."""
    raw = copy.deepcopy(read_text(EXAMPLE.read_text()))
    raw["identity_pools"].append({
        "name": "Guests", "allow_unauthenticated_identities": True, "developer_provider_name": GUESTS_DEV,
        "roles": {"unauthenticated": "Guest_Role"}})
    guest_trust = trust("Guests")
    guest_trust["Statement"][0]["Condition"]["ForAnyValue:StringLike"] = {
        "cognito-identity.amazonaws.com:amr": "unauthenticated"}
    raw["roles"].append({"name": "Guest_Role", "trust_policy": guest_trust})
    return raw


def populate(server: IdpoolServer) -> dict[str, str]:
    """Pools, roles, a user, and identities in every state: linked twice, merged away,
    unlinked, a guest."""
    apply(parse(bootstrap()), Clients.from_session(server.session()), Report())
    cognito = server.client("cognito-identity")
    pools = {p["IdentityPoolName"]: p["IdentityPoolId"] for p in cognito.list_identity_pools(MaxResults=60)["IdentityPools"]}

    def login(pool: str, provider: str, user: str, **extra: Any) -> str:
        return str(cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pools[pool], Logins={provider: user}, **extra)["IdentityId"])

    ids = {user: login("MyApp", DEV, user) for user in ("alice", "bob", "carol", "dave")}
    login("MyApp", DEV, "alice@work", IdentityId=ids["alice"])
    cognito.merge_developer_identities(SourceUserIdentifier="carol", DestinationUserIdentifier="dave",
                                       DeveloperProviderName=DEV, IdentityPoolId=pools["MyApp"])
    ids["erin"] = login("Guests", GUESTS_DEV, "erin")
    cognito.unlink_developer_identity(IdentityId=ids["erin"], IdentityPoolId=pools["Guests"],
                                      DeveloperProviderName=GUESTS_DEV, DeveloperUserIdentifier="erin")
    ids["guest"] = public(server).get_id(IdentityPoolId=pools["Guests"])["IdentityId"]
    return {**ids, **{f"pool:{name}": pool_id for name, pool_id in pools.items()}}


def public(server: IdpoolServer) -> Any:
    return boto3.client("cognito-identity", endpoint_url=server.endpoint_url, region_name=server.region,
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def exported(server: IdpoolServer, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(dump(export(Clients.from_session(server.session()), identities=True)))
    return path


def comparable(server: IdpoolServer) -> dict[str, Any]:
    document = export(Clients.from_session(server.session()), identities=True)
    del document["source"]  # when and from where, nothing else
    return document


def outcome(call: Callable[[], Any]) -> str:
    """What a client sees: the role of the credentials it got, or the error code."""
    try:
        result = call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return str(result.get("IdentityId") or "ok")


def test_export_then_import_keeps_every_id_and_login(servers: Callable[..., IdpoolServer], tmp_path: Path) -> None:
    first = servers()
    ids = populate(first)
    snapshot = exported(first, tmp_path, "snapshot.yaml")
    second = servers(snapshot=snapshot)  # imported into its store before it serves
    report = apply(load(snapshot), Clients.from_session(second.session()), Report())  # the keys import cannot copy
    assert [c.line() for c in report.changes] == [f'+ user "ci": access key {report.new_access_keys[0].access_key_id} '
                                                  "(its secret is printed once, below)"]
    assert comparable(second) == comparable(first)

    # the second server answers as the first: same identity for the same user, merges and
    # unlinks remembered, the guest still a guest and the unlinked identity not one
    for server in (first, second):
        cognito = server.client("cognito-identity")
        again = cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=ids["pool:MyApp"], Logins={DEV: "alice@work"})
        assert again["IdentityId"] == ids["alice"]
        assert cognito.lookup_developer_identity(IdentityPoolId=ids["pool:MyApp"], DeveloperUserIdentifier="carol")[
            "IdentityId"] == ids["dave"]
        assert public(server).get_credentials_for_identity(IdentityId=ids["guest"])["IdentityId"] == ids["guest"]
    for user in ("erin", "guest"):
        assert outcome(lambda: public(first).get_credentials_for_identity(IdentityId=ids[user])) == outcome(
            lambda: public(second).get_credentials_for_identity(IdentityId=ids[user]))
    assert outcome(lambda: public(second).get_credentials_for_identity(IdentityId=ids["erin"])) == "NotAuthorizedException"


def test_the_exported_file_names_pools_and_roles_so_it_travels(server: IdpoolServer, tmp_path: Path) -> None:
    ids = populate(server)
    text = exported(server, tmp_path, "export.yaml").read_text()
    assert text.startswith("# idpool bootstrap file")
    document = read_text(text)
    pool = next(p for p in document["identity_pools"] if p["name"] == "MyApp")
    assert pool["id"] == ids["pool:MyApp"] and pool["roles"] == {"authenticated": "MyApp_Auth_Role"}
    auth = next(r for r in document["roles"] if r["name"] == "MyApp_Auth_Role")
    assert auth["trust_policy"]["Statement"][0]["Condition"]["StringEquals"] == {
        "cognito-identity.amazonaws.com:aud": "{{pool:MyApp}}"}
    identities = {i["id"]: i for i in pool["identities"]}
    assert identities[ids["alice"]]["logins"] == {DEV: ["alice", "alice@work"]}
    assert identities[ids["dave"]]["logins"] == {DEV: ["carol", "dave"]}
    assert identities[ids["carol"]].get("disabled") is True and "logins" not in identities[ids["carol"]]
    guests = {i["id"]: i for i in next(p for p in document["identity_pools"] if p["name"] == "Guests")["identities"]}
    assert guests[ids["erin"]].get("authenticated") is True and "authenticated" not in guests[ids["guest"]]
    assert next(u for u in document["users"] if u["name"] == "ci")["access_keys"] == 1
    assert "Secret" not in text and "SecretAccessKey" not in text


def test_importing_twice_changes_nothing_the_second_time(servers: Callable[..., IdpoolServer], tmp_path: Path) -> None:
    source = servers()
    ids = populate(source)
    snapshot = exported(source, tmp_path, "snapshot.yaml")
    url = f"sqlite:///{tmp_path / 'target.db'}"
    store = open_store(url, tmp_path)
    try:
        first = import_document(load(snapshot), store, account_id=ACCOUNT, region=REGION, now=NOW)
        second = import_document(load(snapshot), store, account_id=ACCOUNT, region=REGION, now=NOW)
    finally:
        store.close()
    assert first.present == [] and len(first.imported) == 3 + 1 + 2 + 6  # roles, user, pools, identities
    assert second.imported == [] and second.summary() == "Nothing to import: all 12 records of the file are already there."
    target = servers(database_url=url)
    assert target.client("cognito-identity").describe_identity(IdentityId=ids["alice"])["IdentityId"] == ids["alice"]


def test_an_import_that_would_take_a_login_writes_nothing(servers: Callable[..., IdpoolServer], tmp_path: Path) -> None:
    source = servers()
    ids = populate(source)
    snapshot = exported(source, tmp_path, "snapshot.yaml")
    url = f"sqlite:///{tmp_path / 'target.db'}"
    target = servers(database_url=url, snapshot=snapshot)
    cognito = target.client("cognito-identity")
    cognito.unlink_developer_identity(IdentityId=ids["bob"], IdentityPoolId=ids["pool:MyApp"], DeveloperProviderName=DEV,
                                      DeveloperUserIdentifier="bob")
    bob_again = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=ids["pool:MyApp"], Logins={DEV: "bob"})
    cognito.delete_identities(IdentityIdsToDelete=[ids["alice"]])
    store = open_store(url, tmp_path)  # a second handle on the server's database, as `idpool import` opens it
    try:
        with pytest.raises(BootstrapError, match=rf"identity {ids['bob']}: its login {DEV} 'bob' is linked to "
                                                 rf"{bob_again['IdentityId']} in this store"):
            import_document(load(snapshot), store, account_id=ACCOUNT, region=REGION, now=NOW)
    finally:
        store.close()
    with pytest.raises(ClientError, match="ResourceNotFound"):  # alice was not imported again either
        cognito.describe_identity(IdentityId=ids["alice"])


def test_import_refuses_what_the_api_would_refuse() -> None:
    store = MemoryStore()
    loose = {"version": 1, "roles": [{"name": "Loose", "trust_policy": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity"}]}}]}
    with pytest.raises(BootstrapError, match=r'role "Loose": MalformedPolicyDocument: .*aud'):
        import_document(parse(loose), store, account_id=ACCOUNT, region=REGION, now=NOW)
    elsewhere = {"version": 1, "identity_pools": [{"name": "P", "id": "eu-west-1:00000000-0000-4000-8000-000000000000"}]}
    with pytest.raises(BootstrapError, match=r"its id eu-west-1:.* is not of this store's region us-east-1"):
        import_document(parse(elsewhere), store, account_id=ACCOUNT, region=REGION, now=NOW)
    unknown = {"version": 1, "identity_pools": [{"name": "P", "role_mappings": {"accounts.google.com": {
        "type": "Token", "ambiguous_role_resolution": "Deny"}}}]}
    with pytest.raises(BootstrapError, match=r'identity pool "P": InvalidParameter: accounts.google.com is not a valid'):
        import_document(parse(unknown), store, account_id=ACCOUNT, region=REGION, now=NOW)
    assert store.list_roles(ACCOUNT, 10) == [] and store.list_pools(ACCOUNT, 10) == []


def test_import_reports_each_record() -> None:
    lines: list[str] = []
    report = import_document(load(EXAMPLE), MemoryStore(), account_id=ACCOUNT, region=REGION, now=NOW,
                             report=ImportReport(emit=lines.append))
    assert lines[:3] == ['+ role "MyApp_Auth_Role": imported', '+ role "MyApp_Pro_Role": imported',
                         '+ user "ci": imported']
    assert lines[3].startswith('+ identity pool "MyApp" (us-east-1:') and lines[3].endswith("): imported")
    assert report.notes == ["users' access keys are not exported with their secrets: `idpool apply` the same file "
                            "against the running server to create the keys it asks for"]
