"""AWS STS (2011-06-15) over the Query protocol: unpack, call, pack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idpool import errors
from idpool.api.audit import Audited
from idpool.api.context import Call, Operation, ServiceApi
from idpool.api.query_errors import QUERY_CODEC_CODES, QUERY_COMMON_ERRORS
from idpool.protocols.wire_errors import ErrorTable, WireError
from idpool.sts.service import Issued, StsService

# Every failure as STS names it on the Query wire: modelled errors with the model's status
# (botocore sts 2011-06-15); AccessDenied 403 for a trust or permission refusal (observed:
# aws-amplify/aws-sdk-android#9, aws/aws-sdk-js-v3#6225); authentication failures as the
# AWS API Reference "Common Errors" page and observed answers give them (SignatureDoesNotMatch
# 403: hashicorp/terraform-provider-aws#35860, aws/aws-cli#6676; ExpiredToken 403:
# pulumi/pulumi-aws#2560).
ERRORS = ErrorTable(
    "sts",
    {
        errors.MalformedPolicyDocument: WireError("MalformedPolicyDocument", 400),
        errors.InvalidIdentityToken: WireError("InvalidIdentityToken", 400),
        errors.ExpiredToken: WireError("ExpiredTokenException", 400),
        errors.IDPRejectedClaim: WireError("IDPRejectedClaim", 403),
        errors.PackedPolicyTooLarge: WireError("PackedPolicyTooLarge", 400),
        errors.StsValidationError: WireError("ValidationError", 400),
        errors.InternalFailure: WireError("InternalFailure", 500, sender_fault=False),
        **QUERY_COMMON_ERRORS,
    },
    codec_codes=QUERY_CODEC_CODES,
)


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


class StsApi(ServiceApi):
    """STS's operations over the STS service (its narrow port)."""

    service = "sts"
    errors = ERRORS

    def __init__(self, sts: StsService) -> None:
        self._sts = sts

    def assume_role_with_web_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        _no_managed_policies(p)
        result = self._sts.assume_role_with_web_identity(
            p["RoleArn"], p["RoleSessionName"], p["WebIdentityToken"], p.get("DurationSeconds"), p.get("Policy"))
        return {
            "Credentials": _credentials(result.issued),
            "SubjectFromWebIdentityToken": result.subject,
            "AssumedRoleUser": _assumed(result.issued),
            "PackedPolicySize": result.issued.packed_policy_size,
            "Provider": result.provider,
            "Audience": result.audience,
        }

    def assume_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        _no_managed_policies(p)
        principal = call.principal
        assert principal is not None
        tags = {t["Key"]: t["Value"] for t in p.get("Tags") or []}
        issued = self._sts.assume_role(principal.arn, principal.account_id, p["RoleArn"], p["RoleSessionName"],
                                              p.get("DurationSeconds"), p.get("Policy"), tags)
        return {"Credentials": _credentials(issued), "AssumedRoleUser": _assumed(issued),
                "PackedPolicySize": issued.packed_policy_size}

    def get_caller_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        principal = call.principal
        assert principal is not None
        return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}

    def resource(self, operation: str, call: Call, p: Mapping[str, Any]) -> str | None:
        return str(p["RoleArn"]) if operation == "AssumeRole" else "*"


# Operation -> handler method.
HANDLERS: dict[str, Operation] = {
    "AssumeRoleWithWebIdentity": StsApi.assume_role_with_web_identity,
    "AssumeRole": StsApi.assume_role,
    "GetCallerIdentity": StsApi.get_caller_identity,
}


def _session(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
    """The credentials' access key id and role session (never the secret or session token)."""
    creds, user = r.get("Credentials") or {}, r.get("AssumedRoleUser") or {}
    return {"accessKeyId": creds.get("AccessKeyId"), "expiration": creds.get("Expiration"),
            "assumedRoleUser": {"arn": user.get("Arn"), "assumedRoleId": user.get("AssumedRoleId")}}


# What the audit log records (api/audit.py): every credential issued; GetCallerIdentity
# changes nothing (it is in the log only when refused).
AUDIT: dict[str, Audited] = {
    "AssumeRoleWithWebIdentity": Audited(
        ("RoleArn", "RoleSessionName", "DurationSeconds"),
        ("SubjectFromWebIdentityToken", "Provider", "Audience"), more_response=_session, issues="credentials"),
    "AssumeRole": Audited(("RoleArn", "RoleSessionName", "DurationSeconds"), more_response=_session,
                          issues="credentials"),
}
StsApi.operations = HANDLERS
StsApi.audit = AUDIT
