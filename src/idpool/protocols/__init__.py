"""The AWS wire protocols, generic and driven by botocore's service models.

Owns: routing a request to (service, protocol, operation); the awsJson1_1 codec
(Cognito Identity) and the AWS Query codec (STS, IAM); validation of every model
constraint with AWS's messages; which operations are public. Nothing here knows an
operation's meaning: API adapters receive and return plain dicts in model member names.
This package may import botocore (the schema); the domain packages may not.
"""

from idpool.protocols.aws_json import JsonProtocol
from idpool.protocols.aws_query import QueryProtocol, parse_form
from idpool.protocols.base import ProtocolError, WireResponse
from idpool.protocols.models import service_model, unsigned_operations
from idpool.protocols.routing import Routed, protocol_for, route
from idpool.protocols.validation import validate

__all__ = [
    "JsonProtocol",
    "ProtocolError",
    "QueryProtocol",
    "Routed",
    "WireResponse",
    "parse_form",
    "protocol_for",
    "route",
    "service_model",
    "unsigned_operations",
    "validate",
]
