"""What generation and fuzzing found, kept as tests through a real server: each of these
once answered a 500 or never answered at all.

* The generated requests (P05) sent ``CognitoIdentityProviders: [{}]``, valid for the model
  (both members optional), and CreateIdentityPool failed with a KeyError: a 500.
* The JSON fuzzer (P06) found that a body with a string left open and more than 64
  brackets made the nesting check backtrack exponentially: one unsigned request of a few
  hundred bytes kept a worker busy for good. Its input is kept in
  ``regressions/json_codec/``; here the same shape goes through HTTP.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.support import LiveServer


@pytest.mark.catalogue("P05")
@pytest.mark.parametrize("provider", [{}, {"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"},
                                      {"ClientId": "client"}])
def test_a_user_pool_provider_without_its_names_is_an_invalid_parameter(cognito: Any, provider: dict[str, str]) -> None:
    with pytest.raises(ClientError) as refused:
        cognito.create_identity_pool(IdentityPoolName="found", AllowUnauthenticatedIdentities=False,
                                     CognitoIdentityProviders=[provider])
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "ProviderName and a ClientId" in refused.value.response["Error"]["Message"]


@pytest.mark.catalogue("P06", "R04")
@pytest.mark.parametrize("body", [b'"' + b"ab" * 200 + b"{" * 70, b'{"IdentityPoolId":"us-east-1:ab","x":"' + b"[" * 500])
def test_a_string_left_open_is_a_serialization_exception(live: LiveServer, body: bytes) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityService.GetId"}
    response = httpx.post(live.url + "/", content=body, headers=headers, timeout=30)
    assert response.status_code == 400, response.text
    assert response.json()["__type"] == "SerializationException"
