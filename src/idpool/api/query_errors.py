"""What STS and IAM share on the Query wire: authentication failures and codec errors.

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
