"""The notes app's roles, written as AWS's documentation writes them.

Trust: the "Role trust and permissions" page of the Amazon Cognito developer guide
(``cognito-identity.amazonaws.com`` federated principal, ``:aud`` = the pool, ``:amr`` =
``authenticated`` or ``unauthenticated``). Permissions: API Gateway's "Control access to an
API with IAM permissions" (``execute-api:Invoke`` on
``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>``) with the
identity pool's policy variable ``${cognito-identity.amazonaws.com:sub}`` so that each
identity reaches only ``notes/<its own identity id>``.
"""

from __future__ import annotations

import json

COGNITO = "cognito-identity.amazonaws.com"


def trust_policy(pool_id: str, amr: str) -> str:
    """Who may assume the role: identities of ``pool_id`` signed in (``authenticated``) or not."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": COGNITO}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{COGNITO}:aud": pool_id},
                      "ForAnyValue:StringLike": {f"{COGNITO}:amr": amr}}}]})


def user_policy(region: str, account: str, api_id: str, stage: str) -> str:
    """A signed-in identity: any method on its own notes, and the public pages."""
    api = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}"
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": [
            f"{api}/*/notes/${{{COGNITO}:sub}}",
            f"{api}/*/notes/${{{COGNITO}:sub}}/*",
            f"{api}/GET/public/*"]}]})


def guest_policy(region: str, account: str, api_id: str, stage: str) -> str:
    """A guest (unauthenticated identity): read the public pages, nothing else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "execute-api:Invoke",
        "Resource": f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/GET/public/*"}]})
