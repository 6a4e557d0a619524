"""ARN formats, defined once (IAM User Guide, "IAM identifiers"; Service Authorization
Reference, Amazon Cognito Identity's identitypool resource). Leaf module."""

from __future__ import annotations


def pool_arn(region: str, account_id: str, pool_id: str) -> str:
    return f"arn:aws:cognito-identity:{region}:{account_id}:identitypool/{pool_id}"


def root_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:root"


def role_arn(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account_id}:role{path}{name}"


def user_arn(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account_id}:user{path}{name}"


def assumed_role_arn(account_id: str, role_name: str, session_name: str) -> str:
    """The role's path is not part of it (STS API Reference, AssumedRoleUser)."""
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"


def execute_api_arn(region: str, account_id: str, api_id: str, stage: str, method: str, path: str) -> str:
    """An API method as ``execute-api:Invoke`` is authorized on (API Gateway Developer Guide,
    "Control access to an API with IAM permissions"): ``path`` without its leading slash."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path}"
