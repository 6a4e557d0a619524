"""An access key set Inactive or deleted on one node is refused by the other from its next
request (S16 in docs/reliability.md): no node keeps a key it looked up once."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.api.support import allow
from tests.faults.nodes import two_nodes
from tests.support import client


@pytest.mark.catalogue("S16")
def test_a_key_changed_on_one_node_is_refused_by_the_other_at_once(tmp_path: Path) -> None:
    with two_nodes(tmp_path) as ((a, _), (b, _)):
        iam = client(a, "iam")
        iam.create_user(UserName="backend")
        iam.put_user_policy(UserName="backend", PolicyName="p", PolicyDocument=allow(["cognito-identity:ListIdentityPools"]))
        key = iam.create_access_key(UserName="backend")["AccessKey"]
        on_b = client(b, "cognito-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        assert "IdentityPools" in on_b.list_identity_pools(MaxResults=1)  # b has seen and used the key
        iam.update_access_key(UserName="backend", AccessKeyId=key["AccessKeyId"], Status="Inactive")
        with pytest.raises(ClientError) as refused:
            on_b.list_identity_pools(MaxResults=1)
        assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
        iam.update_access_key(UserName="backend", AccessKeyId=key["AccessKeyId"], Status="Active")
        assert "IdentityPools" in on_b.list_identity_pools(MaxResults=1)
        iam.delete_access_key(UserName="backend", AccessKeyId=key["AccessKeyId"])
        with pytest.raises(ClientError) as refused:
            on_b.list_identity_pools(MaxResults=1)
        assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
