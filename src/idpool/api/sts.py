"""AWS STS (2011-06-15) over the Query protocol: unpack, call, pack.

Which credentials may call what (STS API Reference, GetSessionToken and GetFederationToken; IAM
User Guide, "Compare AWS STS credentials"): GetSessionToken and GetFederationToken need long-term
credentials (``Cannot call <Operation> with session credentials``); GetSessionToken's credentials
may call only AssumeRole and GetCallerIdentity here, GetFederationToken's only GetCallerIdentity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from idpool import errors
from idpool.api.audit import Audited
from idpool.api.context import Call, Operation, ServiceApi
from idpool.api.query_errors import QUERY_CODEC_CODES, QUERY_COMMON_ERRORS
from idpool.auth import Principal
from idpool.protocols.wire_errors import ErrorTable, WireError
from idpool.sts.issue import Issued, SessionPolicies
from idpool.sts.service import StsService
from idpool.sts.user_sessions import Asker, UserSessions

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
        errors.InvalidAuthorizationMessage: WireError("InvalidAuthorizationMessageException", 400),
        errors.StsValidationError: WireError("ValidationError", 400),
        errors.InternalFailure: WireError("InternalFailure", 500, sender_fault=False),
        **QUERY_COMMON_ERRORS,
    },
    codec_codes=QUERY_CODEC_CODES,
)
# What session credentials may call in STS, by how they were issued.
SESSION_TOKEN_MAY = frozenset({"AssumeRole", "GetCallerIdentity"})
FEDERATION_MAY = frozenset({"GetCallerIdentity"})


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


def _policies(p: Mapping[str, Any]) -> SessionPolicies:
    return SessionPolicies(p.get("Policy"), tuple(str(d["arn"]) for d in p.get("PolicyArns") or []))


def _tags(p: Mapping[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in p.get("Tags") or []}


class StsApi(ServiceApi):
    """STS's operations over the STS services (their narrow ports)."""

    service = "sts"
    errors = ERRORS

    def __init__(self, sts: StsService, users: UserSessions, key_account: Callable[[str], str | None],
                 decode_message: Callable[[str], str]) -> None:
        """``key_account``: the account an access key id belongs to, if idpool knows the key;
        ``decode_message``: an encoded authorization message, decoded."""
        self._sts, self._users, self._key_account, self._decode = sts, users, key_account, decode_message

    def assume_role_with_web_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        result = self._sts.assume_role_with_web_identity(
            p["RoleArn"], p["RoleSessionName"], p["WebIdentityToken"], p.get("DurationSeconds"), _policies(p))
        return {
            "Credentials": _credentials(result.issued),
            "SubjectFromWebIdentityToken": result.subject,
            "AssumedRoleUser": _assumed(result.issued),
            "PackedPolicySize": result.issued.packed_policy_size,
            "Provider": result.provider,
            "Audience": result.audience,
        }

    def assume_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        principal = _signed(call)
        issued = self._sts.assume_role(principal.arn, principal.account_id, p["RoleArn"], p["RoleSessionName"],
                                       p.get("DurationSeconds"), _policies(p), _tags(p))
        return {"Credentials": _credentials(issued), "AssumedRoleUser": _assumed(issued),
                "PackedPolicySize": issued.packed_policy_size}

    def get_caller_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        principal = _signed(call)
        return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}

    def get_session_token(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        issued = self._users.get_session_token(_asker(call, "GetSessionToken"), p.get("DurationSeconds"),
                                               p.get("SerialNumber"), p.get("TokenCode"))
        return {"Credentials": _credentials(issued)}

    def get_federation_token(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        issued = self._users.get_federation_token(_asker(call, "GetFederationToken"), p["Name"],
                                                  p.get("DurationSeconds"), _policies(p), _tags(p))
        return {"Credentials": _credentials(issued),
                "FederatedUser": {"FederatedUserId": issued.session.user_id, "Arn": issued.session.arn},
                "PackedPolicySize": issued.packed_policy_size}

    def get_access_key_info(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        # A key idpool does not know (a temporary key, whose session is only in its token) is
        # this server's: it serves one account.
        return {"Account": self._key_account(p["AccessKeyId"]) or call.account_id}

    def decode_authorization_message(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"DecodedMessage": self._decode(p["EncodedMessage"])}

    def resource(self, operation: str, call: Call, p: Mapping[str, Any]) -> str | None:
        _check_session_may_call(_signed(call), operation)
        if operation == "AssumeRole":
            return str(p["RoleArn"])
        if operation == "GetFederationToken":
            return self._users.federated_user_arn(call.account_id, p["Name"])
        return "*"


def _signed(call: Call) -> Principal:
    if call.principal is None:
        raise errors.NotAuthorized("This operation needs a signed request.")
    return call.principal


def _check_session_may_call(principal: Principal, operation: str) -> None:
    session = principal.session
    if session is None or session.is_role_session:
        return
    allowed = SESSION_TOKEN_MAY if session.source == "session-token" else FEDERATION_MAY
    if operation not in allowed:
        raise errors.AccessDenied(f"Cannot call {operation} with session credentials")


def _asker(call: Call, operation: str) -> Asker:
    """The long-term caller of GetSessionToken / GetFederationToken: an IAM user, or root."""
    principal = _signed(call)
    if principal.session is not None or principal.kind not in ("user", "root"):
        raise errors.AccessDenied(f"Cannot call {operation} with session credentials")
    if principal.kind == "root":
        return Asker(principal.account_id)
    user = principal.attributes.get("user")
    path = user.path if user is not None else "/"
    return Asker(principal.account_id, principal.name, principal.user_id, path)


# Operation -> handler method.
HANDLERS: dict[str, Operation] = {
    "AssumeRoleWithWebIdentity": StsApi.assume_role_with_web_identity,
    "AssumeRole": StsApi.assume_role,
    "GetCallerIdentity": StsApi.get_caller_identity,
    "GetSessionToken": StsApi.get_session_token,
    "GetFederationToken": StsApi.get_federation_token,
    "GetAccessKeyInfo": StsApi.get_access_key_info,
    "DecodeAuthorizationMessage": StsApi.decode_authorization_message,
}


def _session(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
    """The credentials' access key id and who they stand for (never the secret or session token)."""
    creds = r.get("Credentials") or {}
    out: dict[str, Any] = {"accessKeyId": creds.get("AccessKeyId"), "expiration": creds.get("Expiration")}
    if "AssumedRoleUser" in r:
        user = r["AssumedRoleUser"]
        out["assumedRoleUser"] = {"arn": user.get("Arn"), "assumedRoleId": user.get("AssumedRoleId")}
    if "FederatedUser" in r:
        federated = r["FederatedUser"]
        out["federatedUser"] = {"arn": federated.get("Arn"), "federatedUserId": federated.get("FederatedUserId")}
    return out


# What the audit log records (api/audit.py): every credential issued (session policies as given:
# they are not secret); GetCallerIdentity, GetAccessKeyInfo and DecodeAuthorizationMessage change
# nothing (they are in the log only when refused).
AUDIT: dict[str, Audited] = {
    "AssumeRoleWithWebIdentity": Audited(
        ("RoleArn", "RoleSessionName", "DurationSeconds", "Policy", "PolicyArns"),
        ("SubjectFromWebIdentityToken", "Provider", "Audience"), more_response=_session, issues="credentials"),
    "AssumeRole": Audited(("RoleArn", "RoleSessionName", "DurationSeconds", "Policy", "PolicyArns"),
                          more_response=_session, issues="credentials"),
    "GetSessionToken": Audited(("DurationSeconds", "SerialNumber"), more_response=_session, issues="credentials"),
    "GetFederationToken": Audited(("Name", "DurationSeconds", "Policy", "PolicyArns"), more_response=_session,
                                  issues="credentials"),
}
StsApi.operations = HANDLERS
StsApi.audit = AUDIT
