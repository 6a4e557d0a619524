"""ARN formats as AWS writes them (docs/AWS_REFERENCE.md §2, §5, §6). Leaf module."""

from __future__ import annotations


def pool_arn(region: str, account_id: str, pool_id: str) -> str:
    return f"arn:aws:cognito-identity:{region}:{account_id}:identitypool/{pool_id}"


def role_arn(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account_id}:role{path}{name}"


def user_arn(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account_id}:user{path}{name}"


def assumed_role_arn(account_id: str, role_name: str, session_name: str) -> str:
    """The role's path is not part of it (STS API Reference, AssumedRoleUser)."""
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"
