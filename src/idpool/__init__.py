"""idpool: Amazon Cognito Identity Pools, STS and IAM, self-hosted."""

__version__ = "0.1.0"
