"""What a stolen data directory holds of temporary credentials: nothing (docs/SECURITY.md
K02). A session travels sealed inside its own session token, so neither the token nor the
temporary secret access key is ever written to the database, its WAL or anything beside it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.api.support import COGNITO, DEV


@pytest.mark.catalogue("K02")
def test_temporary_credentials_leave_no_trace_in_the_data_directory(live: Any, cognito: Any, public_cognito: Any,
                                                                     setup: Any) -> None:
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "rest"})
    enhanced = public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"],
                                                           Logins={COGNITO: issued["Token"]})["Credentials"]
    sts = boto3.client("sts", endpoint_url=live.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    basic = sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="rest",
                                              WebIdentityToken=issued["Token"])["Credentials"]
    data_dir = live.services.settings.data_dir
    files = [p for p in data_dir.iterdir() if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files)  # the WAL, where the newest writes are, is searched too
    blob = b"".join(p.read_bytes() for p in files)
    secrets = {"enhanced session token": enhanced["SessionToken"], "enhanced secret": enhanced["SecretKey"],
               "basic session token": basic["SessionToken"], "basic secret": basic["SecretAccessKey"]}
    for what, secret in secrets.items():
        assert secret.encode() not in blob, f"the {what} is in the data directory"
        assert secret[:24].encode() not in blob, f"part of the {what} is in the data directory"
