"""No credentials that cannot be used: every session token idpool issues is one it accepts back
(at most 8,192 characters), or the call that would issue it fails with AWS's error instead.

Session tags, a session policy and a long developer user id all travel inside the sealed
session token; random (incompressible) text is used where the test needs the worst case.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.api.support import allow, as_creds, name
from tests.support import client

DEV = "login.example.app"
COGNITO = "cognito-identity.amazonaws.com"
ACCOUNT = "123456789012"


def noise(rng: random.Random, size: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def max_tags(seed: int, count: int = 50) -> dict[str, str]:
    """`count` tags of the longest key (128) and value (256) the models allow, random text."""
    rng = random.Random(seed)
    return {f"k{i:02d}" + noise(rng, 125): noise(rng, 256) for i in range(count)}


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def unsigned_sts(live: Any) -> Any:
    return boto3.client("sts", endpoint_url=live.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


@pytest.fixture
def assumer(live: Any, setup: Any) -> dict[str, Any]:
    """An IAM user allowed to assume (and tag) a role that trusts it."""
    iam = setup["iam"]
    user = name("tagger")
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    iam.put_user_policy(UserName=user, PolicyName="assume", PolicyDocument=allow(["sts:AssumeRole", "sts:TagSession"]))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    role = name("Tagged")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}))
    return {"sts": client(live, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"]),
            "role_arn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "role": role}


def test_assume_role_with_the_largest_session_tags_is_refused(assumer: Any) -> None:
    tags = [{"Key": k, "Value": v} for k, v in max_tags(1).items()]
    with pytest.raises(ClientError) as exc:
        assumer["sts"].assume_role(RoleArn=assumer["role_arn"], RoleSessionName="big", Tags=tags)
    assert code(exc) == "PackedPolicyTooLarge"
    message = exc.value.response["Error"]["Message"]
    assert message.startswith("Packed size of session tags consumes ") and message.endswith("% of allotted space.")


def test_tags_and_policies_that_fit_give_credentials_that_work(live: Any, assumer: Any) -> None:
    """50 tags of the largest size are 19,200 characters: they fit once encoded compactly
    (repetitive text), and the credentials then work."""
    tags = [{"Key": f"k{i:02d}" + "k" * 125, "Value": "v" * 256} for i in range(50)]
    out = assumer["sts"].assume_role(RoleArn=assumer["role_arn"], RoleSessionName="many", Tags=tags)
    assert 0 < out["PackedPolicySize"] <= 100
    me = as_creds(live, "sts", out["Credentials"]).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{assumer['role']}/many"
    # the longest session policy, all non-ASCII text (2 bytes each in UTF-8)
    rng = random.Random(2)
    latin = "".join(chr(c) for c in range(0xE0, 0x100))
    head = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity",
                                                    "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/x": ""}}}]}
    room = 2048 - len(json.dumps(head))
    policy = json.dumps(head).replace('"aws:PrincipalTag/x": ""', f'"aws:PrincipalTag/x": "{noise(rng, room, latin)}"')
    assert len(policy) == 2048
    out = assumer["sts"].assume_role(RoleArn=assumer["role_arn"], RoleSessionName="scoped", Policy=policy)
    assert as_creds(live, "sts", out["Credentials"]).get_caller_identity()["Arn"].endswith("/scoped")


def test_a_developer_user_id_of_1024_characters_gets_working_credentials(live: Any, cognito: Any,
                                                                         public_cognito: Any, setup: Any) -> None:
    rng = random.Random(3)
    user_id = "".join(chr(rng.randrange(0x4E00, 0xA000)) for _ in range(1024))  # CJK: 3 bytes each in UTF-8
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: user_id})
    creds = public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"],
                                                        Logins={COGNITO: issued["Token"]})["Credentials"]
    assert as_creds(live, "sts", creds).get_caller_identity()["Arn"].endswith(
        f":assumed-role/{setup['auth']}/CognitoIdentityCredentials")
    out = unsigned_sts(live).assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"],
                                                          RoleSessionName="long-id", WebIdentityToken=issued["Token"])
    assert as_creds(live, "sts", out["Credentials"]).get_caller_identity()["Arn"].endswith("/long-id")
    with pytest.raises(ClientError) as exc:  # DeveloperUserIdentifier is 1..1024 characters everywhere else
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: user_id + "x"})
    assert code(exc) == "InvalidParameterException"
    assert "1024" in exc.value.response["Error"]["Message"]


def test_principal_tags_too_large_for_a_session(live: Any, cognito: Any, public_cognito: Any, setup: Any) -> None:
    """30 random tags of the largest size fit in an OpenID token (< 20,000 characters) but not
    in a session token: both flows refuse with a clear error rather than issue dead credentials."""
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "tags"},
                                                              PrincipalTags=max_tags(4, count=30))
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
    assert code(exc) == "InvalidIdentityPoolConfigurationException"
    assert "session tags" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        unsigned_sts(live).assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"],
                                                         RoleSessionName="tags", WebIdentityToken=issued["Token"])
    assert code(exc) == "PackedPolicyTooLarge"


def test_the_largest_principal_tags_do_not_fit_an_openid_token(cognito: Any, setup: Any) -> None:
    """50 tags of 128 + 256 characters make a token longer than STS accepts (20,000
    characters): GetOpenIdTokenForDeveloperIdentity says so instead of issuing it."""
    with pytest.raises(ClientError) as exc:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "max"},
                                                         PrincipalTags=max_tags(5))
    assert code(exc) == "InvalidParameterException"
    assert "20000" in exc.value.response["Error"]["Message"]


@pytest.mark.catalogue("F10")
def test_tokens_sealed_in_the_first_format_still_work_until_they_expire(live: Any, setup: Any) -> None:
    """A rolling upgrade: sessions issued by the previous release (the document as plain JSON)
    are still accepted by a node running this one."""
    import base64
    import datetime as dt

    from idpool.sts.session_tokens import TOKEN_PREFIX

    role = live.services.iam.get_role(ACCOUNT, setup["auth"])
    now = int(dt.datetime.now(dt.UTC).timestamp())
    secret = "s" * 40
    doc = {"sk": secret, "a": ACCOUNT, "rn": role.name, "ri": role.role_id, "rp": "/", "sn": "before",
           "iat": float(now), "exp": float(now + 900), "src": "assume-role", "pol": None, "tags": {"team": "ü"},
           "wi": None, "caller": f"arn:aws:iam::{ACCOUNT}:user/old"}
    key_id = "ASIAFIRSTFORMAT00001"
    blob = live.services.sealer.seal(json.dumps(doc, separators=(",", ":")).encode(), f"session-token:{key_id}".encode())
    token = TOKEN_PREFIX + base64.b64encode(blob).decode()
    me = client(live, "sts", key=key_id, secret=secret, token=token).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.name}/before"
