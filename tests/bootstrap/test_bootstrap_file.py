"""The bootstrap file format: its published JSON Schema, and every way a file can be wrong
getting one line that says where."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from idpool.bootstrap.document import load, parse, read_text, schema
from idpool.bootstrap.errors import BootstrapError
from idpool.model import Login

from .files import EXAMPLE, minimal_pool, trust

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_is_valid_json_schema_and_the_docs_publish_it() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    guide = (ROOT / "docs" / "BOOTSTRAP.md").read_text()
    assert "src/idpool/bootstrap/schema.json" in guide


def test_the_example_file_reads_into_typed_records() -> None:
    document = load(EXAMPLE)
    pool = document.pools[0]
    assert (pool.name, pool.developer_provider_name, pool.allow_unauthenticated) == ("MyApp", "login.myapp.example", False)
    assert pool.roles == {"authenticated": "MyApp_Auth_Role"}
    assert pool.role_mappings is not None and pool.role_mappings["login.myapp.example"].rules[0].role == "MyApp_Pro_Role"
    assert pool.tags == {"team": "web"} and pool.allow_classic_flow is None  # not given: left as the pool has it
    assert [role.name for role in document.roles] == ["MyApp_Auth_Role", "MyApp_Pro_Role"]
    assert document.users[0].access_keys == 1


def test_json_files_are_read_strictly(tmp_path: Path) -> None:
    good = tmp_path / "idpool.json"
    good.write_text(json.dumps({"version": 1, "identity_pools": [minimal_pool("A")]}))
    assert load(good).pools[0].name == "A"
    twice = tmp_path / "twice.json"
    twice.write_text('{"version": 1, "version": 1}')
    with pytest.raises(BootstrapError, match=r"twice\.json: not valid JSON: duplicate key 'version'"):
        load(twice)


def test_a_yaml_key_given_twice_is_refused() -> None:
    with pytest.raises(BootstrapError, match="duplicate key 'name'"):
        read_text("version: 1\nidentity_pools:\n  - name: A\n    name: B\n")


def test_unquoted_yaml_timestamps_are_read_as_text() -> None:
    raw = read_text("version: 1\nusers:\n  - name: ci\n    created: 2026-01-02T03:04:05Z\n")
    created = parse(raw).users[0].created
    assert created is not None and created.isoformat() == "2026-01-02T03:04:05+00:00"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("version"), r"\(top level\): 'version' is a required property"),
    (lambda d: d.update(version=2), r"version: 1 was expected"),
    (lambda d: d.update(pools=[]), r"\(top level\): Additional properties are not allowed \('pools' was unexpected\)"),
    (lambda d: d["identity_pools"][0].update(allow_unauthenticated_identities="yes"),
     r"identity_pools\[0\]\.allow_unauthenticated_identities: 'yes' is not of type 'boolean'"),
    (lambda d: d["identity_pools"][0].update(name="bad/name"), r"identity_pools\[0\]\.name: 'bad/name' does not match"),
    (lambda d: d["identity_pools"][0]["roles"].update(guest="R"),
     r"identity_pools\[0\]\.roles: Additional properties are not allowed \('guest' was unexpected\)"),
    (lambda d: d["roles"][0].pop("trust_policy"), r"roles\[0\]: 'trust_policy' is a required property"),
    (lambda d: d["roles"][0].update(max_session_duration=60), r"roles\[0\]\.max_session_duration: 60 is less than"),
    (lambda d: d["users"][0].update(access_keys=3), r"users\[0\]\.access_keys: 3 is greater than the maximum of 2"),
    (lambda d: d["identity_pools"][0]["role_mappings"]["login.myapp.example"].pop("rules"),
     r"identity_pools\[0\]\.role_mappings\.login\.myapp\.example: 'rules' is a required property"),
])
def test_schema_violations_name_their_place(change: Any, message: str) -> None:
    raw = copy.deepcopy(read_text(EXAMPLE.read_text()))
    change(raw)
    with pytest.raises(BootstrapError, match=message):
        parse(raw, where="idpool.yaml")


def document_with(**extra: Any) -> dict[str, Any]:
    return {"version": 1, **extra}


@pytest.mark.parametrize(("raw", "message"), [
    (document_with(identity_pools=[minimal_pool("A"), minimal_pool("A")]),
     r"identity_pools\[0\]: 2 identity pools are named 'A'; give each its id"),
    (document_with(roles=[{"name": "R", "trust_policy": trust("A")}, {"name": "r", "trust_policy": trust("A")}],
                   identity_pools=[minimal_pool("A")]),
     r"roles: 2 entries have the name \(IAM ignores case\) 'r'"),
    (document_with(roles=[{"name": "R", "trust_policy": trust("Missing")}]),
     r"roles\[0\]\.trust_policy: \{\{pool:Missing\}\} names no identity pool of this file"),
    (document_with(roles=[{"name": "R", "trust_policy": {"Statement": [{"Resource": "{{pool A}}"}]}}]),
     r"unknown reference \{\{pool A\}\}: use \{\{pool:NAME\}\}, \{\{account\}\} or \{\{region\}\}"),
    (document_with(identity_pools=[{**minimal_pool("A"), "roles": {"authenticated": "Nowhere"}}]),
     r"identity_pools\[0\]\.roles\.authenticated: 'Nowhere' is not a role of this file \(name another role by its ARN\)"),
    (document_with(identity_pools=[{**minimal_pool("A"), "identities": [
        {"id": "us-east-1:00000000-0000-0000-0000-000000000001", "disabled": True, "logins": {"dev": ["a"]}}]}]),
     r"identity_pools\[0\]\.identities\[0\]: a disabled identity \(merged into another\) has no logins"),
    (document_with(identity_pools=[{**minimal_pool("A"), "identities": [
        {"id": "us-east-1:00000000-0000-0000-0000-000000000001", "logins": {"dev": ["a"]}},
        {"id": "us-east-1:00000000-0000-0000-0000-000000000002", "logins": {"dev": ["a"]}}]}]),
     r"identities\[1\]: the login dev 'a' is also linked to us-east-1:00000000-0000-0000-0000-000000000001"),
    (document_with(users=[{"name": "ci", "created": "yesterday"}]), r"'yesterday' is not a date and time"),
])
def test_what_the_schema_cannot_say_is_checked_too(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(BootstrapError, match=message):
        parse(raw)


def test_an_arn_names_a_role_outside_the_file() -> None:
    arn = "arn:aws:iam::123456789012:role/Elsewhere"
    pool = parse(document_with(identity_pools=[{**minimal_pool("A"), "roles": {"authenticated": arn}}])).pools[0]
    assert pool.roles == {"authenticated": arn}


def test_identities_default_to_authenticated_when_they_have_logins() -> None:
    pool = parse(document_with(identity_pools=[{**minimal_pool("A"), "identities": [
        {"id": "us-east-1:00000000-0000-0000-0000-000000000001", "logins": {"dev": ["b", "a"]}},
        {"id": "us-east-1:00000000-0000-0000-0000-000000000002"},
        {"id": "us-east-1:00000000-0000-0000-0000-000000000003", "disabled": True},
    ]}])).pools[0]
    linked, guest, merged = pool.identities
    assert linked.logins == (Login("dev", "a"), Login("dev", "b")) and linked.authenticated
    assert not guest.authenticated and not guest.disabled
    assert merged.authenticated and merged.disabled


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BootstrapError, match=r"nothing\.yaml: cannot read it"):
        load(tmp_path / "nothing.yaml")
