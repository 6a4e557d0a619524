"""Domain errors, named in the vocabulary of the AWS service they belong to.

The domain raises these; each service's error table (``ERRORS`` in
``idpool.api.<service>``, see ``idpool.protocols.wire_errors``) names them on its wire. Nothing here knows about
HTTP. Messages are written for the person reading them: where AWS is terse on the
wire we keep its wording, and say more in ``detail`` (logged, shown in the console).
"""

from __future__ import annotations


class IdpoolError(Exception):
    """Base class. ``message`` goes on the wire; ``detail`` only to logs and the console."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    @property
    def wire_message(self) -> str:
        """What the client reads: AWS's wording, never the detail."""
        return self.message


# --- Cognito Identity -------------------------------------------------------
class InvalidParameter(IdpoolError):
    pass


class NotAuthorized(IdpoolError):
    pass


class ResourceNotFound(IdpoolError):
    pass


class ResourceConflict(IdpoolError):
    pass


class LimitExceeded(IdpoolError):
    pass


class DeveloperUserAlreadyRegistered(IdpoolError):
    pass


class InvalidIdentityPoolConfiguration(IdpoolError):
    pass


class ConcurrentModification(IdpoolError):
    pass


class TooManyRequests(IdpoolError):
    pass


class ExternalService(IdpoolError):
    pass


# --- every service: authorization and the request pipeline ------------------
class AccessDenied(IdpoolError):
    """The caller is known but no policy allows the action (or one denies it). ``encoded_message``:
    the why, sealed for STS DecodeAuthorizationMessage (logged; an entry point may show it)."""

    encoded_message: str | None = None


class RequestTooLarge(IdpoolError):
    """The request body is larger than the server accepts (IDPOOL_MAX_BODY_BYTES)."""


class RequestTimeout(IdpoolError):
    """The client did not send the request body in time."""


class UnsupportedOperation(IdpoolError):
    """An operation the service's model has but idpool does not implement."""


class InternalFailure(IdpoolError):
    """Anything unexpected: logged with its traceback, answered with a request id only."""


# --- IAM ---------------------------------------------------------------------
class NoSuchEntity(IdpoolError):
    pass


class EntityAlreadyExists(IdpoolError):
    pass


class DeleteConflict(IdpoolError):
    pass


class MalformedPolicyDocument(IdpoolError):
    """IAM's exact wording on the wire (clients match it); what is wrong and where is the detail."""


class InvalidInput(IdpoolError):
    pass


class IamLimitExceeded(IdpoolError):
    pass


class IamValidationError(IdpoolError):
    """IAM's common ``ValidationError`` (a self-service call without UserName from credentials
    that are not an IAM user's)."""


# --- STS -----------------------------------------------------------------------
class InvalidIdentityToken(IdpoolError):
    pass


class ExpiredToken(IdpoolError):
    pass


class IDPRejectedClaim(IdpoolError):
    pass


class PackedPolicyTooLarge(IdpoolError):
    pass


class InvalidAuthorizationMessage(IdpoolError):
    """DecodeAuthorizationMessage was given something idpool did not encode."""


class StsValidationError(IdpoolError):
    """STS's common ``ValidationError`` (e.g. DurationSeconds above MaxSessionDuration)."""


class ServiceUnavailable(IdpoolError):
    """The store cannot be reached, or the node is still starting: retryable."""


class ExpiredCredentials(IdpoolError):
    """Temporary credentials used after their Expiration (JSON ExpiredTokenException, Query ExpiredToken)."""


# --- the gateway (API Gateway's vocabulary: "gateway responses") ------------------
class InvalidRequestPath(IdpoolError):
    """A path the gateway will not authorize: dot segments, empty segments, an encoded
    slash, or bytes that are not UTF-8 (the resource ARN must name what the upstream serves)."""


class IntegrationFailure(IdpoolError):
    """The upstream could not be reached, or broke off its answer (INTEGRATION_FAILURE)."""


class IntegrationTimeout(IdpoolError):
    """The upstream did not answer within the gateway's upstream timeout (INTEGRATION_TIMEOUT)."""
