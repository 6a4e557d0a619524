"""The IAM policy language: parsing policy documents and evaluating requests against them.

Pure: no I/O, no clock (time arrives as condition keys such as aws:CurrentTime). Parse a policy
once with `parse_policy` (it is validated and precompiled), then decide requests with `evaluate`
(identity-based and session policies) or `evaluate_trust` (a role's trust policy).
"""

from idpool.policy.cache import cached_policy
from idpool.policy.document import Kind, PolicyDocument, Statement, parse_policy
from idpool.policy.evaluate import (
    Applicable,
    Decision,
    Effect,
    Request,
    applicable_statements,
    evaluate,
    evaluate_trust,
    missing_keys,
)

__all__ = [
    "Applicable",
    "Decision",
    "Effect",
    "Kind",
    "PolicyDocument",
    "Request",
    "Statement",
    "applicable_statements",
    "cached_policy",
    "evaluate",
    "evaluate_trust",
    "missing_keys",
    "parse_policy",
]
