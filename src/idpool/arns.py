"""ARN formats, defined once (IAM User Guide, "IAM identifiers"; Service Authorization
Reference, Amazon Cognito Identity's identitypool resource). Leaf module.

Every ARN names its partition, which the region decides (AWS General Reference, "Amazon
Resource Names": `aws`, `aws-cn` for the China regions, `aws-us-gov` for AWS GovCloud (US));
a server answers for one region, so every ARN it forms is in that region's partition.
"""

from __future__ import annotations

# Region prefix -> partition, most specific first (AWS General Reference, "Partitions").
_PARTITIONS = (
    ("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"), ("eu-isoe-", "aws-iso-e"),
)
#: The account AWS managed policies belong to, in their ARNs (arn:aws:iam::aws:policy/...).
AWS_MANAGED_ACCOUNT = "aws"


def partition_of(region: str) -> str:
    """``cn-north-1`` -> ``aws-cn``; ``us-gov-west-1`` -> ``aws-us-gov``; ``eu-west-1`` -> ``aws``."""
    for prefix, partition in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def pool_arn(region: str, account_id: str, pool_id: str) -> str:
    return f"arn:{partition_of(region)}:cognito-identity:{region}:{account_id}:identitypool/{pool_id}"


def root_arn(account_id: str, *, partition: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def role_arn(account_id: str, name: str, path: str = "/", *, partition: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role{path}{name}"


def user_arn(account_id: str, name: str, path: str = "/", *, partition: str) -> str:
    return f"arn:{partition}:iam::{account_id}:user{path}{name}"


def policy_arn(account_id: str, name: str, path: str = "/", *, partition: str) -> str:
    """A managed policy: the customer's account, or ``aws`` for AWS managed policies."""
    return f"arn:{partition}:iam::{account_id}:policy{path}{name}"


def assumed_role_arn(account_id: str, role_name: str, session_name: str, *, partition: str) -> str:
    """The role's path is not part of it (STS API Reference, AssumedRoleUser)."""
    return f"arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{session_name}"


def federated_user_arn(account_id: str, name: str, *, partition: str) -> str:
    """GetFederationToken's user (STS API Reference, FederatedUser)."""
    return f"arn:{partition}:sts::{account_id}:federated-user/{name}"


def execute_api_arn(region: str, account_id: str, api_id: str, stage: str, method: str, path: str) -> str:
    """An API method as ``execute-api:Invoke`` is authorized on (API Gateway Developer Guide,
    "Control access to an API with IAM permissions"): ``path`` without its leading slash."""
    return f"arn:{partition_of(region)}:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path}"


def iam_arn_parts(arn: str, partition: str) -> tuple[str, str, str, str] | None:
    """``arn:<partition>:iam::<account>:<type><path><name>`` -> (account, type, path, name), where
    the path keeps its slashes (``/`` at least); None for anything else, another partition included."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] != partition or parts[2] != "iam" or parts[3]:
        return None
    kind, slash, rest = parts[5].partition("/")
    if not slash or not rest or rest.endswith("/"):
        return None
    path, _, name = ("/" + rest).rpartition("/")
    return parts[4], kind, path + "/", name
