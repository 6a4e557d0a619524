"""The scope-down Amazon Cognito applies to guests of the enhanced flow.

Cognito Developer Guide, "IAM roles" > "Access policies": "Amazon Cognito applies a scope-down
policy to credentials vended by GetCredentialsForIdentity to prevent access to services other
than the ones listed below for your unauthenticated users", with a few services limited to some
actions; "If you need access to something other than these services for your unauthenticated
users, you must use the basic authentication flow." AWS also passes the managed session policy
``AmazonCognitoUnAuthedIdentitiesSessionPolicy`` (AWS Managed Policy Reference: "Cognito Identity
Service will automatically include it as a scoped down policy when creating credentials").

So a guest's credentials carry two session policies, and may do what the unauthenticated role
allows *and* what one of them allows: however broad the role (even ``"Action": "*"``), a guest of
the enhanced flow never reaches IAM, STS or any service outside the list. Authenticated
identities and the basic flow (AssumeRoleWithWebIdentity) get no scope-down.
"""

from __future__ import annotations

import json

from idpool import arns
from idpool.iam.aws_managed import UNAUTHED_SESSION_POLICY

# The guide's list, as action prefixes (Service Authorization Reference), with its restricted
# services limited to the actions the guide's table allows. Amazon API Gateway (`execute-api`)
# is reachable too: AWS documents guests calling IAM-authorized REST APIs with the enhanced flow
# (Amplify documentation, REST API "Define authorization rules": "When the user has not signed
# in, the unauthenticated role is used").
ALLOWED_SERVICES = (
    "appsync", "cloudwatch", "cognito-identity", "cognito-sync", "comprehend", "dynamodb", "gamelift", "iot",
    "firehose", "kinesis", "lambda", "lex", "geo", "machinelearning", "mobileanalytics", "mobiletargeting",
    "polly", "rekognition", "sdb", "ses", "sns", "sqs", "s3", "transcribe", "translate", "execute-api",
)
RESTRICTED_ACTIONS = (
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
    "sagemaker:InvokeEndpoint",
    "textract:DetectDocumentText", "textract:AnalyzeDocument",
    "sumerian:View*",
)
GUEST_SCOPE_DOWN = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "CognitoUnauthenticatedScopeDown", "Effect": "Allow",
    "Action": [f"{service}:*" for service in ALLOWED_SERVICES] + list(RESTRICTED_ACTIONS), "Resource": "*",
}]}, separators=(",", ":"))


def guest_session_policy_arns(partition: str) -> tuple[str, ...]:
    """The managed session policy AWS adds for guests, in this server's partition."""
    return (arns.policy_arn(arns.AWS_MANAGED_ACCOUNT, UNAUTHED_SESSION_POLICY, partition=partition),)
