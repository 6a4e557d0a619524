"""No secret reaches the logs (K04 in docs/SECURITY.md): tokens, secret keys, session tokens."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import COGNITO, DEV, as_creds, name
from tests.support import ROOT_SECRET


@pytest.mark.catalogue("K04")
def test_logs_hold_no_secrets(live: Any, cognito: Any, public_cognito: Any, setup: Any,
                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="idpool")
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "lg"})
    creds = public_cognito.get_credentials_for_identity(
        IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})["Credentials"]
    with pytest.raises(ClientError):  # an error path too: a denied call
        as_creds(live, "cognito-identity", creds).list_identity_pools(MaxResults=1)
    with pytest.raises(ClientError):  # and a refused (tampered) token
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"],
                                                    Logins={COGNITO: issued["Token"][:-4] + "AAAA"})
    iam = setup["iam"]
    user = name("lg")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GetCredentialsForIdentity" in logged  # the request log is on: the check can see it
    secrets = {
        "developer token": issued["Token"], "token signature": issued["Token"].rsplit(".", 1)[1],
        "secret key": creds["SecretKey"], "session token": creds["SessionToken"],
        "access key secret": key["SecretAccessKey"], "root secret": ROOT_SECRET,
    }
    for what, secret in secrets.items():
        assert secret not in logged, f"{what} was logged"
