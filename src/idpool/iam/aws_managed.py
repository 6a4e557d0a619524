"""The AWS managed policies idpool provides: the few that identity-pool setups use.

Each is AWS's own document, version and dates as the AWS Managed Policy Reference publishes them
(docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html), under
``arn:<partition>:iam::aws:policy/<name>``. They can be attached, used as permissions boundaries
and passed as session policies (``PolicyArns``) like AWS's; they cannot be changed or deleted.
Their policy ids are idpool's own (derived from the name), not AWS's.

- ``AdministratorAccess``: everything (job function policy).
- ``AmazonCognitoDeveloperAuthenticatedIdentities``: what a developer backend calls
  (GetOpenIdTokenForDeveloperIdentity, Lookup/Merge/UnlinkDeveloperIdentity).
- ``AmazonCognitoReadOnly``: reading identity pools (and user pools, sync, the IAM lists the
  console shows).
- ``AmazonCognitoUnAuthedIdentitiesSessionPolicy``: the scope-down session policy Amazon
  Cognito applies to guests of the enhanced flow (see ``identity_pools.scope_down``).
- ``AmazonCognitoUnauthenticatedIdentities``: its predecessor.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence

from idpool.arns import AWS_MANAGED_ACCOUNT
from idpool.model import ManagedPolicy, PolicyVersion


def _document(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, separators=(",", ":"))


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _policy_id(name: str) -> str:
    """``ANPA`` and 17 base32 characters of the name's SHA-256: stable across nodes and releases."""
    digest = base64.b32encode(hashlib.sha256(f"aws-managed:{name}".encode()).digest()).decode()
    return "ANPA" + digest[:17]


def _managed(name: str, description: str, version: int, created: str, updated: str, document: str) -> ManagedPolicy:
    return ManagedPolicy(
        account_id=AWS_MANAGED_ACCOUNT, name=name, policy_id=_policy_id(name), path="/", created_at=_at(created),
        updated_at=_at(updated), versions=(PolicyVersion(version, document, _at(updated)),), default_version=version,
        next_version=version + 1, description=description,
    )  # fmt: skip


UNAUTHED_SESSION_POLICY = "AmazonCognitoUnAuthedIdentitiesSessionPolicy"

CATALOGUE: tuple[ManagedPolicy, ...] = (
    _managed("AdministratorAccess", "Provides full access to AWS services and resources.", 1,
             "2015-02-06T18:39:00", "2015-02-06T18:39:00", _document({"Effect": "Allow", "Action": "*", "Resource": "*"})),
    _managed("AmazonCognitoDeveloperAuthenticatedIdentities",
             "Provides access to Amazon Cognito APIs to support developer authenticated identities from your "
             "authentication backend.", 1, "2015-03-24T17:22:00", "2015-03-24T17:22:00",
             _document({"Effect": "Allow", "Action": [
                 "cognito-identity:GetOpenIdTokenForDeveloperIdentity", "cognito-identity:LookupDeveloperIdentity",
                 "cognito-identity:MergeDeveloperIdentities", "cognito-identity:UnlinkDeveloperIdentity"],
                 "Resource": "*"})),
    _managed("AmazonCognitoReadOnly", "Provides read only access to Amazon Cognito resources.", 4,
             "2015-03-24T17:06:00", "2019-08-01T19:21:00",
             _document({"Effect": "Allow", "Action": [
                 "cognito-identity:Describe*", "cognito-identity:Get*", "cognito-identity:List*",
                 "cognito-idp:Describe*", "cognito-idp:AdminGet*", "cognito-idp:AdminList*", "cognito-idp:List*",
                 "cognito-idp:Get*", "cognito-sync:Describe*", "cognito-sync:Get*", "cognito-sync:List*",
                 "iam:ListOpenIdConnectProviders", "iam:ListRoles", "sns:ListPlatformApplications"],
                 "Resource": "*"})),
    _managed(UNAUTHED_SESSION_POLICY,
             "This policy defines the set of permissions allowed for unauthenticated identities for Cognito "
             "Identity Pools. This policy is not intended to be used as a stand alone permission policy.", 3,
             "2023-07-19T23:04:00", "2024-11-01T18:12:00",
             _document({"Sid": "CognitoUnAuthedIdentitiesSessionPolicy", "Effect": "Allow", "Action": [
                 "rum:PutRumEvents", "sagemaker:InvokeEndpoint", "polly:*", "comprehend:*", "translate:*",
                 "transcribe:*", "rekognition:*", "mobiletargeting:*", "firehose:*", "personalize:*",
                 "geo:GetMap*", "geo:SearchPlaceIndex*", "geo:GetPlace", "geo:CalculateRoute*", "geo:*Geofence",
                 "geo:*Geofences", "geo:*DevicePosition*", "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptTo",
                 "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:GenerateDataKeyPair",
                 "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext"],
                 "Resource": "*"})),
    _managed("AmazonCognitoUnauthenticatedIdentities",
             "This policy defines the set of permissions allowed for unauthenticated identities for Cognito "
             "Identity Pools.", 1, "2023-02-01T22:36:00", "2023-02-01T22:36:00",
             _document({"Effect": "Allow", "Action": "rum:PutRumEvents", "Resource": "*"})),
)
_BY_NAME = {policy.name: policy for policy in CATALOGUE}
_BY_ID = {policy.policy_id: policy for policy in CATALOGUE}


def aws_managed(name: str) -> ManagedPolicy | None:
    """The AWS managed policy of that name (names are case-sensitive in ARNs), or None."""
    return _BY_NAME.get(name)


def aws_managed_by_id(policy_ids: Sequence[str]) -> list[ManagedPolicy]:
    return [_BY_ID[i] for i in policy_ids if i in _BY_ID]


def is_aws_managed(policy_id: str) -> bool:
    return policy_id in _BY_ID
