"""Requests generated from the botocore models, for every operation of the three models,
valid and mutated, against a real server (P05 in tests/catalogue.py): the answer is never
a 5xx, and every error is a well-formed AWS error of the service (tests/fuzz/wire.py).

Valid requests are drawn from the operation's input shape (every constraint the model
states) and serialized by botocore itself; some of their members name things that exist
(a pool, an identity, a role, a user, a real OpenID token), so calls reach the handlers and
the store rather than stopping at "not found". Mutated requests damage such a request on
the wire. Both are signed by root over the exact bytes sent (so they get past SigV4), or,
for the public operations, sometimes sent unsigned.

The budget per operation is small in CI (``IDPOOL_GENERATED_EXAMPLES``, default 8 for the
operations idpool serves and 3 for the other IAM operations, which idpool parses and then
refuses); ``scripts/fuzz.py --generated N`` runs it longer.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idpool.api import cognito_identity, iam, sts
from idpool.app import build_services
from idpool.protocols import service_model, unsigned_operations
from tests.fuzz.wire import assert_well_formed, mutate_form, mutate_json, send, serialize
from tests.protocol.shape_strategies import top_level
from tests.support import LiveServer, client, make_settings

SERVED = {"cognito-identity": set(cognito_identity.HANDLERS), "sts": set(sts.HANDLERS), "iam": set(iam.HANDLERS)}
CASES = [(service, name) for service in SERVED for name in sorted(service_model(service).operation_names)]
EXAMPLES = int(os.environ.get("IDPOOL_GENERATED_EXAMPLES", "8"))
DEV = "login.generated"
ACCOUNT = "123456789012"


def budget(service: str, name: str) -> settings:
    examples = EXAMPLES if name in SERVED[service] else max(1, EXAMPLES // 3)
    return settings(max_examples=examples, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own (generated calls create and delete freely), on SQLite in memory-backed
    storage when the machine has it: the same store code, without an fsync per generated write."""
    shm = Path("/dev/shm")
    tmp = Path(tempfile.mkdtemp(prefix="idpool-generated-", dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("generated")
    live = LiveServer(lambda port: build_services(make_settings(tmp, port=port, issuer=f"http://127.0.0.1:{port}")))
    live.start()
    yield live
    live.stop()
    shutil.rmtree(tmp, ignore_errors=True)


class Anchors:
    """Things that exist, by the member names that refer to them; made again after an
    operation that may have deleted or changed them (Delete*, Unlink*, Merge*, Update*)."""

    def __init__(self, server: LiveServer) -> None:
        self.cognito, self.iam = client(server, "cognito-identity"), client(server, "iam")
        self.values: dict[str, Any] = {}

    def for_operation(self, name: str) -> dict[str, Any]:
        if not self.values:
            self.values = self._make()
        values = self.values
        if name.startswith(("Delete", "Unlink", "Merge", "Update", "Set", "Untag", "Remove")):
            self.values = {}  # the next operation gets fresh ones
        return values

    def _make(self) -> dict[str, Any]:
        pool_id = self.cognito.create_identity_pool(
            IdentityPoolName=f"gen{uuid.uuid4().hex[:8]}", AllowUnauthenticatedIdentities=True, AllowClassicFlow=True,
            DeveloperProviderName=DEV)["IdentityPoolId"]
        issued = self.cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "user-a"})
        self.cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "user-b"})
        role = f"Gen{uuid.uuid4().hex[:8]}"
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id}}}]}
        role_arn = self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "cognito-identity:*", "Resource": "*"}]})
        self.iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=policy)
        self.cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role_arn})
        user = f"gen{uuid.uuid4().hex[:8]}"
        self.iam.create_user(UserName=user)
        key = self.iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
        return {
            "IdentityPoolId": pool_id, "IdentityId": issued["IdentityId"], "DeveloperProviderName": DEV,
            "DeveloperUserIdentifier": "user-a", "SourceUserIdentifier": "user-a", "DestinationUserIdentifier": "user-b",
            "Logins": {"cognito-identity.amazonaws.com": issued["Token"]}, "WebIdentityToken": issued["Token"],
            "RoleName": role, "RoleArn": role_arn, "CustomRoleArn": role_arn, "PolicyName": "p", "UserName": user,
            "AccessKeyId": key, "ResourceArn": f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/{pool_id}",
            "IdentityIdsToDelete": [issued["IdentityId"]], "PolicyDocument": policy, "Policy": policy,
            "AssumeRolePolicyDocument": json.dumps(trust),
        }


@pytest.fixture(scope="module")
def anchor_source(server: LiveServer) -> Anchors:
    return Anchors(server)


@pytest.fixture
def anchors(anchor_source: Anchors, request: pytest.FixtureRequest) -> dict[str, Any]:
    service, name = request.node.callspec.params["service"], request.node.callspec.params["name"]
    return anchor_source.for_operation(name) if name in SERVED[service] else {}


@st.composite
def requests(draw: st.DrawFn, service: str, name: str, anchors: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(the operation, params valid for its input shape, some naming things that exist)."""
    operation = service_model(service).operation_model(name)
    params: dict[str, Any] = {}
    if operation.input_shape is not None:
        protocol = "json" if service == "cognito-identity" else "query"
        params = draw(top_level(operation.input_shape, "input", protocol))
        members = operation.input_shape.members
        for member in sorted(set(members) & set(anchors)):
            if draw(st.booleans()):
                params[member] = anchors[member]
    return operation, params


def public(service: str, name: str) -> bool:
    return name in unsigned_operations(service_model(service))


@pytest.mark.catalogue("P05")
@pytest.mark.parametrize(("service", "name"), CASES)
def test_valid_requests_get_an_answer_or_a_well_formed_error(server: LiveServer, anchors: dict[str, Any],
                                                             service: str, name: str) -> None:
    @budget(service, name)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        operation, params = data.draw(requests(service, name, anchors))
        signed = not public(service, name) or data.draw(st.booleans())
        response = send(server.url, serialize(service, operation, params), signed=signed)
        assert_well_formed(response, service, operation)

    check()


@pytest.mark.catalogue("P05", "R04", "R05")
@pytest.mark.parametrize(("service", "name"), CASES)
def test_mutated_requests_get_a_well_formed_error(server: LiveServer, anchors: dict[str, Any],
                                                  service: str, name: str) -> None:
    mutate = mutate_json if service == "cognito-identity" else mutate_form

    @budget(service, name)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        operation, params = data.draw(requests(service, name, anchors))
        wire = data.draw(mutate(serialize(service, operation, params)))
        response = send(server.url, wire, signed=data.draw(st.booleans()))
        assert_well_formed(response, service)

    check()
