"""The gateway's decision, sans-I/O: one request in, ``Allowed`` or ``Refused`` out.

API Gateway with ``AWS_IAM`` authorization (API Gateway Developer Guide, "Control access
to an API with IAM permissions") does, for every request to
``https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/<path>``:

1. a path outside a deployed stage is not found: 403 ``Missing Authentication Token``;
2. the request must be SigV4-signed for service ``execute-api`` (unsigned: the same 403);
3. the signer must be known, the signature right, the credentials unexpired;
4. the caller's policies must allow ``execute-api:Invoke`` on
   ``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>``.

``Gateway.check`` does the same through ``idpool.auth`` (the one authenticator and
authorizer of every signed entry point), so policy variables, principal tags and the
session's own policy apply as they do to AWS API calls. The proxy (``proxy.py``) and the
ASGI middleware (``middleware.py``) both call it; nothing here does I/O but the store
reads the authorizer makes (the caller's role or user, read afresh on every request).

``Allowed`` carries what the upstream is told about the caller: API Gateway's
``requestContext.identity`` fields, sent as one JSON header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from idpool import errors, storage
from idpool.arns import execute_api_arn
from idpool.auth import Authenticator, Authorizer, Principal, cognito_identity
from idpool.gateway.responses import Refused, missing_authentication_token, refused
from idpool.sigv4 import HttpRequest, SigV4Error, is_signed
from idpool.sigv4.canonical import wire_bytes

SERVICE = "execute-api"
INVOKE = "execute-api:Invoke"
CONTEXT_HEADER = "x-idpool-request-context"

_ENCODED_SLASH = re.compile(r"%2f", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Api:
    """The API a gateway stands for: the parts of its ``execute-api`` ARNs."""

    region: str
    account_id: str
    api_id: str = "api"
    stage: str = "prod"

    def arn(self, method: str, path: str) -> str:
        return execute_api_arn(self.region, self.account_id, self.api_id, self.stage, method, path)


@dataclass(frozen=True)
class Inbound:
    """A request as the client sent it: the path with the stage, still percent-encoded,
    and the query string raw (ASGI's bytes decoded latin-1, as ``sigv4`` reads them)."""

    method: str
    path: str
    query_string: str
    headers: Sequence[tuple[str, str]]
    body: bytes = field(default=b"", repr=False)
    # The body is still to come (it streams to the upstream after the check): its SHA-256 as
    # X-Amz-Content-SHA256 states it; the reader checks the bytes against it.
    body_sha256: str | None = None
    source_ip: str | None = None
    secure: bool = False  # received over TLS (aws:SecureTransport)


@dataclass(frozen=True)
class Allowed:
    principal: Principal
    resource: str  # the execute-api ARN the call was authorized on
    path: str  # what the upstream is asked for: the path after the stage, as received
    identity: Mapping[str, str | None]  # API Gateway's requestContext.identity

    @property
    def context_header(self) -> str:
        """The ``X-Idpool-Request-Context`` value: the identity as compact JSON."""
        return json.dumps(self.identity, separators=(",", ":"))


class Gateway:
    def __init__(self, api: Api, authenticator: Authenticator, authorizer: Authorizer) -> None:
        self.api = api
        self._authenticator = authenticator
        self._authorizer = authorizer
        self._regions = frozenset({api.region})

    def locate(self, raw_path: str) -> str | None:
        """The path after ``/<stage>`` (``/`` for the stage itself), or None outside the stage."""
        prefix = "/" + self.api.stage
        if raw_path == prefix:
            return "/"
        if raw_path.startswith(prefix + "/"):
            return raw_path[len(prefix):]
        return None

    def check(self, inbound: Inbound) -> Allowed | Refused:
        """Authenticate and authorize ``inbound``; store outages and unknown failures raise
        (``storage.Unavailable`` is answered as ServiceUnavailable by ``refused``)."""
        path = self.locate(inbound.path)
        if path is None:
            return missing_authentication_token()
        principal: Principal | None = None
        try:
            resource = self.api.arn(inbound.method.upper(), resource_path(path))
            request = HttpRequest(inbound.method, inbound.path, inbound.query_string, inbound.headers,
                                  inbound.body, inbound.body_sha256)
            if not is_signed(request):
                raise SigV4Error.missing()
            principal = self._authenticator.authenticate(request, service=SERVICE, regions=self._regions)
            self._authorizer.authorize(principal, INVOKE, resource, condition_context(inbound))
        except errors.AccessDenied as exc:
            assert principal is not None  # only the authorizer denies
            # API Gateway's wording: the caller and the resource, no reason.
            message = f"User: {principal.arn} is not authorized to perform: {INVOKE} on resource: {resource}"
            return _refused(errors.AccessDenied(message, detail=exc.detail or exc.message), principal)
        except storage.Unavailable as exc:
            unavailable = errors.ServiceUnavailable("Service Unavailable", detail=str(exc))
            return _refused(unavailable, principal)
        except (SigV4Error, errors.IdpoolError) as exc:
            return _refused(exc, principal)
        return Allowed(principal, resource, path, request_identity(principal, inbound.source_ip))


def _refused(exc: Exception, principal: Principal | None) -> Refused:
    refusal = refused(exc, principal.arn if principal else None)
    if refusal is None:
        raise exc  # not the gateway's to answer: the caller's internal error
    return refusal


def resource_path(path: str) -> str:
    """The ``<path>`` of the resource ARN: ``path`` (after the stage, raw) percent-decoded,
    without its leading slash.

    The ARN must name what the upstream will serve. SigV4's canonical URI drops dot and
    empty segments, and an upstream decodes ``%2F`` into a separator or not as it
    pleases, so a path that could mean two things is refused rather than guessed at.
    """
    raw = path[1:]
    try:
        decoded = unquote_to_bytes(wire_bytes(raw)).decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidRequestPath("The request path is not valid UTF-8 once percent-decoded.") from None
    if _ENCODED_SLASH.search(raw) or _CONTROL.search(decoded):
        raise errors.InvalidRequestPath("The request path may not contain an encoded '/' or control characters.")
    segments = decoded.split("/")
    inner = segments[:-1]  # a trailing slash leaves one empty segment, which is allowed
    if any(s in (".", "..") for s in segments) or any(not s for s in inner):
        raise errors.InvalidRequestPath("The request path may not contain '.', '..' or empty segments.")
    return decoded


def condition_context(inbound: Inbound) -> dict[str, Any]:
    """Request condition keys (IAM User Guide, "AWS global condition context keys")."""
    keys: dict[str, Any] = {"aws:SecureTransport": inbound.secure}
    if inbound.source_ip:
        keys["aws:SourceIp"] = inbound.source_ip
    for name, key in (("user-agent", "aws:UserAgent"), ("referer", "aws:Referer")):
        value = next((v for n, v in inbound.headers if n.lower() == name), None)
        if value is not None:
            keys[key] = value
    return keys


def request_identity(principal: Principal, source_ip: str | None) -> dict[str, str | None]:
    """API Gateway's ``requestContext.identity`` for ``principal`` (API Gateway Developer
    Guide, "$context variables": ``$context.identity.*``); the Cognito fields are null
    unless the credentials came from a Cognito identity."""
    cognito = cognito_identity(principal)
    kind = None if cognito is None else "authenticated" if cognito.authenticated else "unauthenticated"
    return {
        "cognitoIdentityPoolId": cognito.pool_id if cognito else None,
        "accountId": principal.account_id,
        "cognitoIdentityId": cognito.identity_id if cognito else None,
        "caller": principal.user_id,
        "sourceIp": source_ip,
        "accessKey": principal.access_key_id,
        "cognitoAuthenticationType": kind,
        "cognitoAuthenticationProvider": ",".join(cognito.providers) or None if cognito else None,
        "userArn": principal.arn,
    }
