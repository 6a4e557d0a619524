"""The awsJson1_1 protocol (Cognito Identity), driven by the botocore model.

Requests: ``POST /`` with ``X-Amz-Target: <targetPrefix>.<Operation>`` and a JSON body.
Responses: the output shape's members as JSON; errors are
``{"__type": <code>, "message": <text>}`` with ``x-amzn-ErrorType: <code>:``
(observed headers in aws-amplify/amplify-js#2443; botocore/parsers.py reads ``__type``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from idpool.protocols import json_codec
from idpool.protocols.base import ProtocolError, WireResponse, truncate
from idpool.protocols.plans import Plan, plan_for
from idpool.protocols.validation import validate
from idpool.protocols.wire_errors import WireError

CONTENT_TYPE = "application/x-amz-json-1.1"

# The long target form AWS's own API-reference examples and many hand-written clients
# send (docs/AWS_REFERENCE.md §1); botocore and the SDKs send the short ``targetPrefix`` form.
LONG_TARGET_PREFIXES: dict[str, str] = {
    "AWSCognitoIdentityService": "com.amazonaws.cognito.identity.model.AWSCognitoIdentityService",
}

_HEADER_SAFE = re.compile(r"[^A-Za-z0-9._#:-]")


class JsonProtocol:
    """Codec for one awsJson1_1 service model; build once, share across requests."""

    # The codes this codec raises as ``ProtocolError`` (each service's error table names them).
    ERROR_CODES = frozenset({"UnknownOperationException", "SerializationException", "ValidationException"})

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.service = model.service_name
        prefix = model.metadata["targetPrefix"]
        prefixes = [prefix] + ([LONG_TARGET_PREFIXES[prefix]] if prefix in LONG_TARGET_PREFIXES else [])
        self._targets: dict[str, OperationModel] = {}
        self._inputs: dict[str, Plan | None] = {}
        self._outputs: dict[str, Plan | None] = {}
        for name in model.operation_names:
            operation = model.operation_model(name)
            self._targets.update({f"{p}.{name}": operation for p in prefixes})
            self._inputs[name] = plan_for(operation.input_shape) if operation.input_shape else None
            self._outputs[name] = plan_for(operation.output_shape) if operation.output_shape else None

    def operation_for(self, target: str | None) -> OperationModel:
        operation = self._targets.get(target or "")
        if operation is None:
            # Real awsJson services answer 400 with a bare UnknownOperationException
            # (aws/aws-sdk-js#425, aws/aws-sdk-net#1536).
            shown = truncate(target, 128) if target else "(no X-Amz-Target header)"
            raise ProtocolError("UnknownOperationException", f"Unknown operation {shown}.", service=self.service)
        return operation

    def parse(self, operation: OperationModel, body: bytes) -> dict[str, Any]:
        """The request's params in model member names, converted and validated."""
        data = json_codec.loads(body) if body.strip() else {}
        if not isinstance(data, dict):
            raise json_codec.serialization_error("The request body must be a JSON object.")
        plan = self._inputs[operation.name]
        if plan is None:
            return {}
        params: dict[str, Any] = json_codec.to_python(plan, data)
        validate(plan, params, style="json")
        return params

    def check(self, operation: str, params: Mapping[str, Any]) -> None:
        """Validate params built in this process (the console's calls) as ``parse`` validates a
        request's: the same constraints, the same messages."""
        plan = self._inputs[operation]
        if plan is not None:
            validate(plan, params, style="json")

    def serialize_result(self, operation: OperationModel, result: Mapping[str, Any], request_id: str) -> WireResponse:
        plan = self._outputs[operation.name]
        body = json_codec.to_wire(plan, result) if plan is not None else {}
        return WireResponse(200, self._headers(request_id), _dump(body))

    def serialize_error(self, error: WireError, message: str, request_id: str) -> WireResponse:
        headers = self._headers(request_id) + [("x-amzn-ErrorType", _HEADER_SAFE.sub("", error.code) + ":")]
        return WireResponse(error.status, headers, _dump({"__type": error.code, "message": message}))

    def _headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", _HEADER_SAFE.sub("", request_id))]


def _dump(body: Any) -> bytes:
    # Unpaired surrogates cannot be UTF-8: replace rather than fail on a stored oddity.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")

