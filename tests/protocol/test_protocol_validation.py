"""Constraint validation: each constraint kind, AWS's message format, several errors at
once, member paths, and sensitive values never echoed."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from wire_helpers import wire_error

from idpool.protocols import JsonProtocol, ProtocolError, QueryProtocol, protocol_for, service_model, validate
from idpool.protocols.aws_query import parse_form

POOL = "us-east-1:0b2c5a0e-7c44-4b43-9a4e-2f1d7e0c9a11"
ROLE = "arn:aws:iam::000000000000:role/authenticated"


def cognito() -> JsonProtocol:
    protocol = protocol_for("cognito-identity")
    assert isinstance(protocol, JsonProtocol)
    return protocol


def cognito_error(operation: str, params: Mapping[str, object]) -> ProtocolError:
    protocol = cognito()
    with pytest.raises(ProtocolError) as caught:
        protocol.parse(service_model("cognito-identity").operation_model(operation), json.dumps(params).encode())
    return caught.value


def query_error(service: str, form: str) -> ProtocolError:
    protocol = protocol_for(service)
    assert isinstance(protocol, QueryProtocol)
    params = parse_form(form.encode(), "")
    with pytest.raises(ProtocolError) as caught:
        protocol.parse(protocol.operation_for(params), params)
    return caught.value


def test_missing_required_member() -> None:
    error = cognito_error("GetId", {})
    assert error.code == "ValidationException"
    assert wire_error("cognito-identity", error.code).status == 400
    assert error.message == (
        "1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_pattern_is_quoted_as_the_model_writes_it() -> None:
    error = cognito_error("GetId", {"IdentityPoolId": "us-east-1_abcdef"})
    assert error.message == (
        "1 validation error detected: Value 'us-east-1_abcdef' at 'identityPoolId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
    )


def test_pattern_is_a_full_match_with_java_word_characters() -> None:
    assert cognito_error("GetId", {"IdentityPoolId": f"{POOL}!"}).code == "ValidationException"
    # Java's \w is ASCII-only: a non-ASCII letter in the region part is rejected.
    assert cognito_error("GetId", {"IdentityPoolId": "üs-east-1:0b2c"}).code == "ValidationException"


def test_string_max_length() -> None:
    error = cognito_error(
        "LookupDeveloperIdentity", {"IdentityPoolId": POOL, "DeveloperUserIdentifier": "u" * 1025}
    )
    assert error.message.endswith(
        "at 'developerUserIdentifier' failed to satisfy constraint: Member must have length less than or equal to 1024"
    )


def test_string_min_length() -> None:
    error = cognito_error("LookupDeveloperIdentity", {"IdentityPoolId": POOL, "DeveloperUserIdentifier": ""})
    assert error.message == (
        "1 validation error detected: Value '' at 'developerUserIdentifier' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


@pytest.mark.parametrize(
    ("duration", "constraint"),
    [
        (86401, "Member must have value less than or equal to 86400"),
        (0, "Member must have value greater than or equal to 1"),
    ],
)
def test_numeric_range(duration: int, constraint: str) -> None:
    error = cognito_error(
        "GetOpenIdTokenForDeveloperIdentity",
        {"IdentityPoolId": POOL, "Logins": {"login.example": "user-1"}, "TokenDuration": duration},
    )
    assert error.message == (
        f"1 validation error detected: Value '{duration}' at 'tokenDuration' failed to satisfy constraint: {constraint}"
    )


def test_numeric_range_accepts_both_ends() -> None:
    protocol = cognito()
    operation = service_model("cognito-identity").operation_model("GetOpenIdTokenForDeveloperIdentity")
    for duration in (1, 86400):
        body = {"IdentityPoolId": POOL, "Logins": {"login.example": "user-1"}, "TokenDuration": duration}
        assert protocol.parse(operation, json.dumps(body).encode())["TokenDuration"] == duration


def test_enum_in_a_map_of_structures_with_its_nested_path() -> None:
    error = cognito_error(
        "SetIdentityPoolRoles",
        {"IdentityPoolId": POOL, "Roles": {}, "RoleMappings": {"graph.facebook.com": {"Type": "Sometimes"}}},
    )
    assert error.message == (
        "1 validation error detected: Value 'Sometimes' at 'roleMappings.graph.facebook.com.member.type' "
        "failed to satisfy constraint: Member must satisfy enum value set: [Token, Rules]"
    )


def test_list_elements_are_numbered_from_one() -> None:
    rules = [
        {"Claim": "aud", "MatchType": "Equals", "Value": "x", "RoleARN": ROLE},
        {"Claim": "aud", "MatchType": "Roughly", "Value": "x", "RoleARN": ROLE},
    ]
    mapping = {"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": rules}}
    error = cognito_error("SetIdentityPoolRoles", {"IdentityPoolId": POOL, "Roles": {}, "RoleMappings": {"p": mapping}})
    assert "at 'roleMappings.p.member.rulesConfiguration.rules.2.member.matchType'" in error.message


def test_unicode_category_pattern_of_mapping_rule_claim() -> None:
    rule = {"Claim": "grüße-€", "MatchType": "Equals", "Value": "x", "RoleARN": ROLE}
    mapping = {"Type": "Rules", "RulesConfiguration": {"Rules": [rule]}}
    params: dict[str, object] = {"IdentityPoolId": POOL, "Roles": {}, "RoleMappings": {"p": mapping}}
    operation = service_model("cognito-identity").operation_model("SetIdentityPoolRoles")
    assert cognito().parse(operation, json.dumps(params).encode()) == params
    rule["Claim"] = "with space"  # \p{Z} is not in the class
    assert "Member must satisfy regular expression pattern" in cognito_error("SetIdentityPoolRoles", params).message


def test_list_size() -> None:
    error = cognito_error("DeleteIdentities", {"IdentityIdsToDelete": [POOL] * 61})
    assert error.message.startswith(f"1 validation error detected: Value '[{POOL}, {POOL}, ")
    assert error.message.endswith(
        "at 'identityIdsToDelete' failed to satisfy constraint: Member must have length less than or equal to 60"
    )


def test_map_size_of_sensitive_logins_hides_the_tokens() -> None:
    logins = {f"provider{i}.example": f"secret-token-{i}" for i in range(11)}
    error = cognito_error("GetId", {"IdentityPoolId": POOL, "Logins": logins})
    assert error.message == (
        "1 validation error detected: Value at 'logins' failed to satisfy constraint: "
        "Member must have length less than or equal to 10"
    )
    assert "secret-token" not in error.message


def test_map_value_constraint_lists_all_constraints_and_hides_sensitive_values() -> None:
    error = cognito_error("GetCredentialsForIdentity", {"IdentityId": POOL, "Logins": {"p": "T" * 50001}})
    assert error.message == (
        "1 validation error detected: Value at 'logins' failed to satisfy constraint: Map value must satisfy "
        "constraint: [Member must have length less than or equal to 50000, "
        "Member must have length greater than or equal to 1]"
    )


def test_map_key_constraint() -> None:
    error = cognito_error("SetIdentityPoolRoles", {"IdentityPoolId": POOL, "Roles": {"admin": ROLE}})
    assert error.message == (
        f"1 validation error detected: Value '{{admin={ROLE}}}' at 'roles' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: (un)?authenticated]"
    )


def test_several_errors_in_one_message() -> None:
    error = cognito_error("LookupDeveloperIdentity", {"IdentityPoolId": "bad", "MaxResults": 61})
    assert error.message == (
        "2 validation errors detected: Value 'bad' at 'identityPoolId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+; "
        "Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"
    )


def test_sts_uses_validation_error_and_hides_the_web_identity_token() -> None:
    error = query_error(
        "sts",
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + ROLE + "&RoleSessionName=a:b&WebIdentityToken=abc",
    )
    assert error.code == "ValidationError"
    assert wire_error("sts", error.code).status == 400
    assert error.message == (
        "2 validation errors detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*; "
        "Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4"
    )
    assert "abc" not in error.message


def test_iam_tag_path_in_a_list_of_structures() -> None:
    error = query_error(
        "iam",
        "Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.1.Key=ok&Tags.member.1.Value=fine"
        "&Tags.member.2.Key=k&Tags.member.2.Value=%3Cscript%3E",
    )
    assert error.message == (
        "1 validation error detected: Value '<script>' at 'tags.2.member.value' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"
    )


def test_iam_policy_document_characters() -> None:
    error = query_error("iam", "Action=PutRolePolicy&Version=2010-05-08&RoleName=r&PolicyName=p&PolicyDocument=%01")
    assert "at 'policyDocument' failed to satisfy constraint" in error.message


def test_json_type_mismatch_is_a_serialization_exception() -> None:
    error = cognito_error("CreateIdentityPool", {"IdentityPoolName": "pool", "AllowUnauthenticatedIdentities": "yes"})
    assert error.code == "SerializationException"
    assert wire_error("cognito-identity", error.code).status == 400
    assert error.message == "STRING_VALUE can not be converted to a Boolean"
    assert cognito_error("GetId", {"IdentityPoolId": ["x"]}).message == "Start of list found where not expected."
    assert cognito_error("GetId", {"IdentityPoolId": 7}).code == "SerializationException"
    assert cognito_error("ListIdentityPools", {"MaxResults": True}).code == "SerializationException"


def test_query_type_mismatch_is_a_validation_error() -> None:
    error = query_error(
        "sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=" + ROLE + "&RoleSessionName=s&DurationSeconds=soon"
    )
    assert (error.code, error.message) == (
        "ValidationError",
        "1 validation error detected: Value 'soon' at 'durationSeconds' failed to satisfy constraint: "
        "Member must be a 32-bit integer",
    )


def test_validate_can_be_called_directly() -> None:
    shape = service_model("iam").operation_model("CreateUser").input_shape
    validate(shape, {"UserName": "alice"}, style="query")
    with pytest.raises(ProtocolError) as caught:
        validate(shape, {"UserName": "al ice", "Path": 3}, style="query")
    assert caught.value.code == "ValidationError"
    assert caught.value.message.startswith("2 validation errors detected: ")
