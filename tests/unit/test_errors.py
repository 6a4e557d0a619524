"""What an error shows the client."""

from __future__ import annotations

from idpool import errors


def test_wire_message_is_aws_wording_except_for_policy_documents() -> None:
    assert errors.NotAuthorized("Logins don't match.", detail="sub differs").wire_message == "Logins don't match."
    malformed = errors.MalformedPolicyDocument("Syntax errors in policy.", detail="Statement[1]: unknown field Efect")
    assert malformed.wire_message == "Syntax errors in policy. (Statement[1]: unknown field Efect)"
    same = errors.MalformedPolicyDocument("Missing required field Principal", detail="Missing required field Principal")
    assert same.wire_message == "Missing required field Principal"  # never said twice
