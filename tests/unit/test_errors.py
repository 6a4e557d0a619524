"""What an error shows the client."""

from __future__ import annotations

from idpool import errors


def test_wire_message_is_aws_wording_and_never_the_detail() -> None:
    assert errors.NotAuthorized("Logins don't match.", detail="sub differs").wire_message == "Logins don't match."
    # Clients match IAM's text exactly (issue #12): the detail goes to the log only.
    malformed = errors.MalformedPolicyDocument("Syntax errors in policy.", detail="Statement[1]: unknown field Efect")
    assert malformed.wire_message == "Syntax errors in policy."
