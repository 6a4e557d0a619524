"""The same authorization inside a Python app: ``IamAuthorization`` (ASGI middleware) around
a Starlette app served by uvicorn, and ``Gateway.check`` called directly, as a framework
that is not ASGI would call it. Both share the gateway's check and answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from idpool.gateway import CONTEXT_HEADER, Allowed, Api, Gateway, IamAuthorization, Inbound, Refused
from tests.gateway.support import ACCOUNT, REGION, AsgiThread, Notes, call, error_of, signed
from tests.support import LiveServer


def notes_service() -> Starlette:
    """An app written for the gateway: its routes have no stage, the caller is in a header."""

    async def note(request: Request) -> Response:
        return JSONResponse({
            "owner": request.path_params["owner"],
            "identity": request.state.identity,
            "header": json.loads(request.headers[CONTEXT_HEADER]),
            "credentials": [h for h in ("authorization", "x-amz-security-token") if h in request.headers],
            "body": (await request.body()).decode(),
        })

    return Starlette(routes=[Route("/notes/{owner}", note, methods=["GET", "POST"])])


@pytest.fixture(scope="module")
def gateway_check(live: LiveServer) -> Gateway:
    return Gateway(Api(REGION, ACCOUNT), live.services.api.authenticator, live.services.authorizer)


@pytest.fixture(scope="module")
def app_server(gateway_check: Gateway) -> Iterator[AsgiThread]:
    server = AsgiThread(IamAuthorization(notes_service(), gateway_check, cors_origins=["http://app.test"])).start()
    yield server
    server.stop()


def test_the_app_sees_the_caller_and_its_own_routes(app_server: AsgiThread, notes: Notes) -> None:
    alice = notes.alice
    response = call("POST", f"{app_server.url}/prod/notes/{alice.identity_id}", alice.credentials, body=b"remember",
                    headers={CONTEXT_HEADER: '{"cognitoIdentityId": "forged"}'})
    assert response.status_code == 200, response.text
    got = response.json()
    assert got["owner"] == alice.identity_id and got["body"] == "remember"
    assert got["identity"] == got["header"]
    assert got["identity"]["cognitoIdentityId"] == alice.identity_id
    assert got["identity"]["userArn"] == notes.assumed_arn(notes.auth_role)
    assert got["credentials"] == []


def test_the_middleware_refuses_as_the_gateway_does(app_server: AsgiThread, notes: Notes) -> None:
    denied = call("GET", f"{app_server.url}/prod/notes/{notes.bob.identity_id}", notes.alice.credentials)
    status, kind, body = error_of(denied)
    assert (status, kind) == (403, "AccessDeniedException")
    assert body["Message"].endswith(f"on resource: arn:aws:execute-api:{REGION}:{ACCOUNT}:api/prod/GET/notes/"
                                    f"{notes.bob.identity_id}")
    assert error_of(httpx.get(f"{app_server.url}/prod/notes/x")) == (
        403, "MissingAuthenticationTokenException", {"message": "Missing Authentication Token"})
    assert httpx.get(f"{app_server.url}/notes/x").status_code == 403  # no stage: not the API


def test_the_middleware_answers_preflights_for_its_origins(app_server: AsgiThread, notes: Notes) -> None:
    preflight = httpx.options(f"{app_server.url}/prod/notes/x", headers={
        "Origin": "http://app.test", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-security-token"})
    assert (preflight.status_code, preflight.headers["access-control-allow-origin"]) == (204, "http://app.test")
    answered = call("GET", f"{app_server.url}/prod/notes/{notes.alice.identity_id}", notes.alice.credentials,
                    headers={"Origin": "http://app.test"})
    assert answered.headers["access-control-allow-origin"] == "http://app.test"


def test_any_framework_can_call_the_check(gateway_check: Gateway, notes: Notes) -> None:
    """What a Flask or Django view does: hand the request as received to Gateway.check."""
    url, headers = signed("GET", f"http://api.test/prod/notes/{notes.alice.identity_id}?full=1", notes.alice.credentials)
    path = url.removeprefix("http://api.test").split("?")[0]
    headers["Host"] = "api.test"  # as the request arrives (botocore signs it without adding it)

    def check(method: str, headers: dict[str, str]) -> Any:
        return gateway_check.check(Inbound(method, path, "full=1", list(headers.items()), b"", source_ip="192.0.2.7"))

    allowed = check("GET", headers)
    assert isinstance(allowed, Allowed)
    assert allowed.path == f"/notes/{notes.alice.identity_id}"
    assert allowed.identity["sourceIp"] == "192.0.2.7"
    assert allowed.resource == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api/prod/GET/notes/{notes.alice.identity_id}"
    refused = check("POST", headers)  # signed for GET: the signature no longer matches
    assert isinstance(refused, Refused)
    assert (refused.status, refused.error_type) == (403, "InvalidSignatureException")
    assert json.loads(refused.body)["message"].startswith("The request signature we calculated does not match")
