"""The AWS Query protocol (STS, IAM), driven by the botocore model.

Requests: ``Action=<Op>&Version=<apiVersion>&...`` as a urlencoded POST body or a GET
query string. Responses: ``<OpResponse xmlns=ns><OpResult>..</OpResult>
<ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>`` as ``text/xml``;
errors ``<ErrorResponse xmlns=ns><Error><Type>Sender|Receiver</Type><Code/><Message/>
</Error><RequestId/></ErrorResponse>`` (observed verbatim in aws/aws-sdk-js#198).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from idpool.protocols import query_form, query_xml
from idpool.protocols.base import ProtocolError, WireResponse, truncate
from idpool.protocols.plans import Plan, plan_for
from idpool.protocols.query_form import parse_form
from idpool.protocols.validation import validate
from idpool.protocols.wire_errors import WireError

__all__ = ["QueryProtocol", "parse_form"]

CONTENT_TYPE = "text/xml"
_HEADER_SAFE = re.compile(r"[^A-Za-z0-9._#:-]")


class QueryProtocol:
    """Codec for one Query-protocol service model; build once, share across requests."""

    # The codes this codec raises as ``ProtocolError`` (each service's error table names them).
    ERROR_CODES = frozenset({"MissingAction", "MissingParameter", "InvalidAction", "InvalidQueryParameter", "ValidationError"})

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.service = model.service_name
        self.version = model.api_version
        self._namespace = query_xml.text(model.metadata["xmlNamespace"]).replace('"', "&quot;")
        self._operations = {name: model.operation_model(name) for name in model.operation_names}
        self._inputs: dict[str, Plan | None] = {}
        self._outputs: dict[str, tuple[Plan, str] | None] = {}
        for name, operation in self._operations.items():
            self._inputs[name] = plan_for(operation.input_shape) if operation.input_shape else None
            self._outputs[name] = _output_plan(operation)

    def operation_for(self, params: Mapping[str, str]) -> OperationModel:
        action, version = params.get("Action"), params.get("Version")
        if not action:
            raise self._error("MissingAction", "The request must contain the parameter Action.")
        if version is None:
            raise self._error("MissingParameter", "The request must contain the parameter Version.")
        operation = self._operations.get(action)
        if operation is None or version != self.version:
            # Coral's answer to an Action it does not know at this Version.
            text = f"Could not find operation {truncate(action, 128)} for version {truncate(version, 32)}"
            raise self._error("InvalidAction", text)
        return operation

    def parse(self, operation: OperationModel, params: Mapping[str, str]) -> dict[str, Any]:
        """The request's params in model member names, converted and validated."""
        plan = self._inputs[operation.name]
        if plan is None:
            return {}
        parsed: dict[str, Any] = query_form.to_python(plan, query_form.fold(params))
        validate(plan, parsed, style="query")
        return parsed

    def check(self, operation: str, params: Mapping[str, Any]) -> None:
        """Validate params built in this process (the console's calls) as ``parse`` validates a
        request's: the same constraints, the same messages."""
        plan = self._inputs[operation]
        if plan is not None:
            validate(plan, params, style="query")

    def serialize_result(self, operation: OperationModel, result: Mapping[str, Any], request_id: str) -> WireResponse:
        name = operation.name
        out = [f'<{name}Response xmlns="{self._namespace}">']
        output = self._outputs[name]
        if output is not None:
            plan, wrapper = output
            out.append(f"<{wrapper}>")
            query_xml.write(plan, result, out)
            out.append(f"</{wrapper}>")
        out.append(f"<ResponseMetadata><RequestId>{query_xml.text(request_id)}</RequestId></ResponseMetadata>")
        out.append(f"</{name}Response>")
        return WireResponse(200, self._headers(request_id), "".join(out).encode("utf-8"))

    def serialize_error(self, error: WireError, message: str, request_id: str) -> WireResponse:
        body = (
            f'<ErrorResponse xmlns="{self._namespace}"><Error>'
            f"<Type>{'Sender' if error.sender_fault else 'Receiver'}</Type>"
            f"<Code>{query_xml.text(error.code)}</Code><Message>{query_xml.text(message)}</Message>"
            f"</Error><RequestId>{query_xml.text(request_id)}</RequestId></ErrorResponse>"
        )
        return WireResponse(error.status, self._headers(request_id), body.encode("utf-8"))

    def _headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", _HEADER_SAFE.sub("", request_id))]

    def _error(self, code: str, message: str) -> ProtocolError:
        return ProtocolError(code, message, service=self.service)


def _output_plan(operation: OperationModel) -> tuple[Plan, str] | None:
    shape = operation.output_shape
    if shape is None:
        return None
    return plan_for(shape), shape.serialization.get("resultWrapper", f"{operation.name}Result")

