"""What STS and IAM share on the Query wire: the pipeline's failures, authentication
failures and codec errors. Each service adds its own errors and its internal error.

AccessDenied 403 for a permission refusal (observed: aws-amplify/aws-sdk-android#9,
aws/aws-sdk-js-v3#6225); ServiceUnavailable 503 and InvalidAction 400 from AWS's "Common
Errors"; RequestEntityTooLarge 413 and RequestTimeout 408 as newer services' common-errors
pages name the HTTP-level failures.

SigV4 failures (IAM API Reference and AWS API Reference "Common Errors":
IncompleteSignature 400, InvalidClientTokenId 403, MissingAuthenticationToken 403) and as
the services were observed answering them: SignatureDoesNotMatch 403 for a bad signature,
a wrong region scope ("Credential should be scoped to a valid region.",
hashicorp/terraform-provider-aws#35860) and an expired date ("Signature expired: ... is
now earlier than ...", aws/aws-cli#6676); ExpiredToken 403 for temporary credentials
past their Expiration (pulumi/pulumi-aws#2560).
"""

from __future__ import annotations

from collections.abc import Mapping

from idpool import errors
from idpool.protocols.wire_errors import Failure, WireError
from idpool.sigv4 import AuthFailure

QUERY_AUTH_ERRORS: Mapping[Failure, WireError] = {
    AuthFailure.MISSING_TOKEN: WireError("MissingAuthenticationToken", 403),
    AuthFailure.INCOMPLETE_SIGNATURE: WireError("IncompleteSignature", 400),
    AuthFailure.UNSUPPORTED_ALGORITHM: WireError("IncompleteSignature", 400),
    AuthFailure.SIGNATURE_MISMATCH: WireError("SignatureDoesNotMatch", 403),
    AuthFailure.EXPIRED_REQUEST: WireError("SignatureDoesNotMatch", 403),
    AuthFailure.UNKNOWN_KEY: WireError("InvalidClientTokenId", 403),
    AuthFailure.INVALID_TOKEN: WireError("InvalidClientTokenId", 403),
    AuthFailure.EXPIRED_TOKEN: WireError("ExpiredToken", 403),
}

# Codes the Query codec raises, all 400 on AWS's "Common Errors" page.
QUERY_CODEC_CODES: dict[str, int] = {
    "MissingAction": 400, "MissingParameter": 400, "InvalidAction": 400, "InvalidQueryParameter": 400,
    "ValidationError": 400,
}

QUERY_COMMON_ERRORS: Mapping[Failure, WireError] = {
    errors.AccessDenied: WireError("AccessDenied", 403),
    errors.ExpiredCredentials: WireError("ExpiredToken", 403),
    errors.RequestTooLarge: WireError("RequestEntityTooLarge", 413),
    errors.RequestTimeout: WireError("RequestTimeout", 408),
    errors.UnsupportedOperation: WireError("InvalidAction", 400),
    errors.ServiceUnavailable: WireError("ServiceUnavailable", 503, sender_fault=False),
    # Over a request-rate quota: "Throttling", "Rate exceeded", 400 (AWS re:Post knowledge
    # center, "How do I resolve API throttling or "Rate exceeded" errors for IAM and AWS STS?").
    errors.TooManyRequests: WireError("Throttling", 400),
    **QUERY_AUTH_ERRORS,
}
