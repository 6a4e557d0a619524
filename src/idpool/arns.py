"""ARN formats of the contract."""

from __future__ import annotations

from dataclasses import dataclass


def pool_arn(region: str, account_id: str, pool_id: str) -> str:
    return f"arn:aws:cognito-identity:{region}:{account_id}:identitypool/{pool_id}"


def role_arn(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account_id}:role{path}{name}"


def user_arn(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account_id}:user{path}{name}"


def assumed_role_arn(account_id: str, role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> "Arn":
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
            raise ValueError(f"not an ARN: {text!r}")
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"
