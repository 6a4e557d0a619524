"""Resource ARNs in identity and session policies: IAM's format rules, and the padding of short ARNs.

IAM reads a `Resource` or `NotResource` entry as an ARN of six colon-separated parts and pads a
shorter one with `*` parts (`arn:aws:dynamodb` is `arn:aws:dynamodb:*:*:*`), then checks it. The
rules and messages below are IAM's, as its CreatePolicy and Put*Policy answers show them (recorded
against the real service in getmoto/moto's `tests/test_iam/test_iam_policies.py`; see
docs/AWS_REFERENCE.md, "Policy documents"):

- no colon at all: `Resource <r> must be in ARN format or "*".`;
- the first part is not looked at (only `arn:` is meaningful, but `a:aws:...` is read the same);
  the second is the partition, which must be a real one or `*`:
  `Partition "<p>" is not valid for resource "<the padded ARN>".`;
- nothing after the partition: `Resource vendor must be fully qualified and cannot contain regexes.`;
- `iam` ARNs carry no region (`IAM resource <r> cannot contain region information.`) and their
  resource part is `*` or starts with a known type (`IAM resource path must either be "*" or
  start with user/, ...`); `s3` ARNs carry no region except access points (`Resource <r> can not
  contain region information.`).

A format error is reported only after the policy's other checks (actions present, ...), but an ARN
whose shape IAM's older parser rejects (`legacy_shape_ok`) fails the whole policy earlier with
"The policy failed legacy parsing", unless a format error was already found in that statement.
"""

from __future__ import annotations

#: Partitions an ARN may name (AWS General Reference, "Amazon Resource Names").
PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "*"})
IAM_RESOURCE_TYPES = (
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
    "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/",
)
IAM_PATH_MESSAGE = 'IAM resource path must either be "*" or start with ' + ", ".join(IAM_RESOURCE_TYPES) + "."
VENDOR_MESSAGE = "Resource vendor must be fully qualified and cannot contain regexes."


def padded(resource: str) -> str:
    """The ARN IAM reads: ``arn``, the text's own parts after the first, then ``*`` up to six parts
    (the sixth part keeps any further colons)."""
    if resource == "*" or ":" not in resource:
        return resource
    parts = resource.split(":", 5)[1:]
    if parts == [parts[0]] or parts[1:] == [""]:  # "a:p" or "a:p:" -> nothing after the partition
        parts = [parts[0]]
    parts += ["*"] * (5 - len(parts))
    return ":".join(["arn", *parts])


def format_error(resource: str) -> str | None:
    """IAM's message for a resource it refuses, or None if the format is accepted. The parts are
    read from the padded ARN (`arn:aws:s3` is `arn:aws:s3:*:*:*`, which names a region)."""
    if resource == "*":
        return None
    if ":" not in resource:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, _ = resource.split(":", 1)[1].partition(":")
    if partition not in PARTITIONS:
        return f'Partition "{partition}" is not valid for resource "{padded(resource)}".'
    if not colon:
        return VENDOR_MESSAGE
    _, _, service, region, _account, path = padded(resource).split(":", 5)
    if service == "iam":
        if region:
            return f"IAM resource {resource} cannot contain region information."
        if path != "*" and not path.startswith(IAM_RESOURCE_TYPES):
            return IAM_PATH_MESSAGE
    if service == "s3" and region and not path.startswith("accesspoint/"):
        return f"Resource {resource} can not contain region information."
    return None


def legacy_shape_ok(resource: str) -> bool:
    """IAM's older parser refuses an ARN of three to five parts with an empty part in it
    (`arn:aws:s3::bucket`), and any ARN whose service part is empty (`arn:aws::::x`)."""
    if resource == "*":
        return True
    parts = resource.split(":")
    if len(parts) < 6 and "::" in resource:
        return False
    return not (len(parts) > 2 and parts[2] == "")
