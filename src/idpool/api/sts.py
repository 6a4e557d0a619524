"""AWS STS (2011-06-15) over the Query protocol: unpack, call, pack."""

from __future__ import annotations

from typing import Any, Mapping

from idpool import errors
from idpool.api.context import CallContext, Handler, ResourceOf
from idpool.sts.service import Issued

SERVICE = "sts"
ERRORS: dict[type[errors.IdpoolError], str] = {
    errors.MalformedPolicyDocument: "MalformedPolicyDocument",
    errors.InvalidIdentityToken: "InvalidIdentityToken",
    errors.ExpiredToken: "ExpiredTokenException",
    errors.IDPRejectedClaim: "IDPRejectedClaim",
    errors.PackedPolicyTooLarge: "PackedPolicyTooLarge",
    errors.StsValidationError: "ValidationError",
    errors.AccessDenied: "AccessDenied",
    errors.ExpiredCredentials: "ExpiredToken",
    errors.ServiceUnavailable: "ServiceUnavailable",
}
INTERNAL_ERROR = "InternalFailure"


def _credentials(issued: Issued) -> dict[str, Any]:
    session = issued.session
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": issued.session_token,
        "Expiration": session.expires_at,
    }


def _assumed(issued: Issued) -> dict[str, Any]:
    return {"AssumedRoleId": issued.session.user_id, "Arn": issued.session.arn}


def _no_managed_policies(p: Mapping[str, Any]) -> None:
    if p.get("PolicyArns"):
        raise errors.StsValidationError("idpool supports inline session policies (Policy), not PolicyArns.")


def assume_role_with_web_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    _no_managed_policies(p)
    result = ctx.services.sts.assume_role_with_web_identity(
        p["RoleArn"], p["RoleSessionName"], p["WebIdentityToken"], p.get("DurationSeconds"), p.get("Policy"))
    return {
        "Credentials": _credentials(result.issued),
        "SubjectFromWebIdentityToken": result.subject,
        "AssumedRoleUser": _assumed(result.issued),
        "PackedPolicySize": result.issued.packed_policy_size,
        "Provider": result.provider,
        "Audience": result.audience,
    }


def assume_role(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    _no_managed_policies(p)
    principal = ctx.principal
    assert principal is not None
    tags = {t["Key"]: t["Value"] for t in p.get("Tags") or []}
    issued = ctx.services.sts.assume_role(principal.arn, principal.account_id, p["RoleArn"], p["RoleSessionName"],
                                          p.get("DurationSeconds"), p.get("Policy"), tags)
    return {"Credentials": _credentials(issued), "AssumedRoleUser": _assumed(issued),
            "PackedPolicySize": issued.packed_policy_size}


def get_caller_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    principal = ctx.principal
    assert principal is not None
    return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}


HANDLERS: dict[str, Handler] = {
    "AssumeRoleWithWebIdentity": assume_role_with_web_identity,
    "AssumeRole": assume_role,
    "GetCallerIdentity": get_caller_identity,
}


def resource_for(operation: str) -> ResourceOf:
    if operation == "AssumeRole":
        return lambda ctx, p: str(p["RoleArn"])
    return lambda ctx, p: "*"
