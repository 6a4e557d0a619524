"""Every service's error table against its two sources: the botocore model and AWS's
documented common errors. A code that is in neither must be listed below as observed,
with where it was seen; a status that differs from the model needs the same."""

from __future__ import annotations

import inspect

import pytest

from idpool import errors
from idpool.gateway.responses import ERRORS as GATEWAY_ERRORS
from idpool.pipeline import ERROR_TABLES
from idpool.protocols import JsonProtocol, QueryProtocol, service_model
from idpool.protocols.wire_errors import WireError

# AWS API Reference, "Common Errors" (the page every Query service's reference links to,
# e.g. docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html): errors any action
# may return; newer services' pages add the HTTP-level ones (413, 408).
COMMON_ERRORS = {
    "AccessDeniedException": 400, "IncompleteSignature": 400, "InternalFailure": 500, "InvalidAction": 400,
    "InvalidClientTokenId": 403, "InvalidParameterCombination": 400, "InvalidParameterValue": 400,
    "InvalidQueryParameter": 400, "MalformedQueryString": 404, "MissingAction": 400,
    "MissingAuthenticationToken": 403, "MissingParameter": 400, "NotAuthorized": 400, "OptInRequired": 403,
    "RequestExpired": 400, "ServiceUnavailable": 503, "ThrottlingException": 400, "ValidationError": 400,
    "RequestEntityTooLargeException": 413, "RequestTimeoutException": 408,
}

# Observed on the real services (not on the common-errors page, not in the model).
OBSERVED = {
    ("cognito-identity", "MissingAuthenticationTokenException"): 400,  # Coral JSON stack (DynamoDB)
    ("cognito-identity", "IncompleteSignatureException"): 400,
    ("cognito-identity", "InvalidSignatureException"): 400,  # aws/aws-sdk-php#2444 (cognito-idp)
    ("cognito-identity", "UnrecognizedClientException"): 400,  # aws/aws-sdk-php#2444
    ("cognito-identity", "ExpiredTokenException"): 400,
    ("cognito-identity", "UnknownOperationException"): 400,  # aws/aws-sdk-js#425
    ("cognito-identity", "SerializationException"): 400,  # awsJson1_1 decoding failures
    ("cognito-identity", "ValidationException"): 400,  # "1 validation error detected" (Coral)
    ("cognito-identity", "ServiceUnavailableException"): 503,
    ("sts", "SignatureDoesNotMatch"): 403,  # hashicorp/terraform-provider-aws#35860, aws/aws-cli#6676
    ("iam", "SignatureDoesNotMatch"): 403,
    ("sts", "ExpiredToken"): 403,  # pulumi/pulumi-aws#2560
    ("iam", "ExpiredToken"): 403,
    ("sts", "AccessDenied"): 403,  # aws-amplify/aws-sdk-android#9, aws/aws-sdk-js-v3#6225
    ("iam", "AccessDenied"): 403,
    ("sts", "RequestEntityTooLarge"): 413,
    ("iam", "RequestEntityTooLarge"): 413,
    ("sts", "RequestTimeout"): 408,
    ("iam", "RequestTimeout"): 408,
    # AWS re:Post knowledge center, "How do I resolve API throttling or "Rate exceeded" errors
    # for IAM and AWS STS?": code Throttling, message "Rate exceeded", HTTP 400.
    ("sts", "Throttling"): 400,
    ("iam", "Throttling"): 400,
}

# Cognito Identity answers client errors with 400 whatever the Smithy model says
# (NotAuthorized 403 and ResourceNotFound 404 there; observed 400: amplify-js#2443,
# aws-sdk-js-v3#3113, amplify-js#13650). botocore's model has no statuses for it.
COGNITO_CLIENT_STATUS = 400

TABLES = sorted(ERROR_TABLES.items())


def modelled(service: str) -> dict[str, tuple[int | None, bool]]:
    out: dict[str, tuple[int | None, bool]] = {}
    for shape in service_model(service).error_shapes:
        error = shape.metadata.get("error") or {}
        fault = bool(getattr(shape, "_shape_model", {}).get("fault", False))
        status = error.get("httpStatusCode")
        sender = error.get("senderFault")
        if sender is None:  # unmarked: a server fault if the model says 5xx or ``fault``
            sender = not fault and (status is None or status < 500)
        out[error.get("code", shape.name)] = (status, sender)
    return out


@pytest.mark.parametrize(("service", "table"), TABLES)
def test_every_code_and_status_has_a_source(service: str, table: object) -> None:
    model = modelled(service)
    for wire in table:  # type: ignore[attr-defined]
        assert isinstance(wire, WireError)
        if wire.code in model:
            status, sender = model[wire.code]
            expected = status or (COGNITO_CLIENT_STATUS if sender else 500)
            assert (wire.code, wire.status, wire.sender_fault) == (wire.code, expected, sender)
        elif (service, wire.code) in OBSERVED:
            assert (wire.code, wire.status) == (wire.code, OBSERVED[(service, wire.code)])
        else:
            assert wire.code in COMMON_ERRORS, f"{service} {wire.code}: in neither the model nor the common errors"
            assert (wire.code, wire.status) == (wire.code, COMMON_ERRORS[wire.code])
        assert wire.sender_fault == (wire.status < 500), wire


@pytest.mark.parametrize(("service", "table"), TABLES)
def test_every_codec_code_is_named(service: str, table: object) -> None:
    codec = JsonProtocol if service == "cognito-identity" else QueryProtocol
    for code in codec.ERROR_CODES:
        assert table.for_code(code).status == 400  # type: ignore[attr-defined]


PIPELINE_ERRORS = [errors.AccessDenied, errors.ExpiredCredentials, errors.RequestTooLarge, errors.RequestTimeout,
                   errors.UnsupportedOperation, errors.ServiceUnavailable, errors.InternalFailure,
                   errors.TooManyRequests]


@pytest.mark.parametrize(("service", "table"), TABLES)
def test_every_service_names_the_pipelines_own_failures(service: str, table: object) -> None:
    for cls in PIPELINE_ERRORS:
        assert table.for_exception(cls("m")) is not None, (service, cls)  # type: ignore[attr-defined]
    assert table.for_exception(errors.ServiceUnavailable("m")).status == 503  # type: ignore[attr-defined]
    assert table.for_exception(errors.InternalFailure("m")).status == 500  # type: ignore[attr-defined]


def test_every_domain_error_is_named_by_some_service() -> None:
    """The AWS services' tables, and the gateway's (its own errors are API Gateway's)."""
    domain = [cls for _, cls in inspect.getmembers(errors, inspect.isclass)
              if issubclass(cls, errors.IdpoolError) and cls is not errors.IdpoolError]
    tables = [*ERROR_TABLES.values(), GATEWAY_ERRORS]
    for cls in domain:
        assert any(table.for_exception(cls("m")) for table in tables), cls.__name__
