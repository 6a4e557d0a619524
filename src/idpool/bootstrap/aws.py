"""The AWS APIs the bootstrap tools use, through boto3, found as the AWS CLI finds them.

``apply`` and ``export`` talk to a server only through Cognito Identity's, IAM's and STS's
public APIs, so the same file applies to idpool and to a real AWS account: the endpoint
comes from ``--endpoint-url`` or the ``AWS_ENDPOINT_URL*`` variables, the credentials and
region from the usual ``AWS_*`` variables, profiles and files (botocore's own chain).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from idpool.bootstrap.errors import BootstrapError

# Standard retries: real AWS throttles bursts of control-plane calls (botocore's retry modes);
# how many attempts is botocore's to decide (3, or AWS_MAX_ATTEMPTS), as for the AWS CLI.
_CONFIG = Config(retries={"mode": "standard"})
PAGE = 60  # ListIdentityPools and ListIdentities take MaxResults 1..60


@dataclass(frozen=True)
class Clients:
    cognito: Any
    iam: Any
    sts: Any
    region: str

    @classmethod
    def from_session(cls, session: boto3.Session, endpoint_url: str | None = None) -> Clients:
        def client(service: str) -> Any:
            where = {} if endpoint_url is None else {"endpoint_url": endpoint_url}  # else botocore's own search
            try:
                return session.client(service, config=_CONFIG, **where)
            except NoRegionError:
                raise BootstrapError("no AWS region: set AWS_DEFAULT_REGION (botocore does not read AWS_REGION), "
                                     "name one in the profile, or pass --region") from None
            except BotoCoreError as exc:
                raise failure(f"cannot make a {service} client", exc) from None

        cognito = client("cognito-identity")
        return cls(cognito=cognito, iam=client("iam"), sts=client("sts"), region=cognito.meta.region_name)

    def account_id(self) -> str:
        return str(call("who am I (sts get-caller-identity)", self.sts.get_caller_identity)["Account"])


def session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except BotoCoreError as exc:
        raise BootstrapError(f"cannot set up AWS credentials: {exc}") from None


def call(what: str, operation: Callable[..., Any], **params: Any) -> Any:
    """One API call; a failure is one line naming what was being done and AWS's answer."""
    try:
        return operation(**params)
    except (ClientError, BotoCoreError) as exc:
        raise failure(what, exc) from None


def missing(what: str, operation: Callable[..., Any], *, absent: tuple[str, ...] = ("NoSuchEntity",),
            **params: Any) -> Any | None:
    """One read; ``None`` if the answer is one of the ``absent`` codes (IAM's NoSuchEntity)."""
    try:
        return operation(**params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in absent:
            return None
        raise failure(what, exc) from None
    except BotoCoreError as exc:
        raise failure(what, exc) from None


def failure(what: str, exc: Exception) -> BootstrapError:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return BootstrapError(f"{what}: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": "))
    return BootstrapError(f"{what}: {exc}")


def pages(what: str, client: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    """Every item of a paginated listing (botocore's paginators follow Marker or NextToken)."""
    paginator = client.get_paginator(operation)
    iterator = iter(paginator.paginate(**params))
    while True:
        page = call(what, lambda: next(iterator, None))
        if page is None:
            return
        yield from page.get(key, [])


def cognito_pages(what: str, operation: Callable[..., Any], key: str, **params: Any) -> Iterator[Any]:
    """Cognito listings botocore has no paginator for (ListIdentities, LookupDeveloperIdentity)."""
    token: str | None = None
    while True:
        page = call(what, operation, **params, **({"NextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return


def policy_value(document: Any) -> Any:
    """botocore decodes IAM's URL-encoded policy documents into objects; a string (another
    client's choice) is decoded here, so documents compare as JSON values."""
    return json.loads(document) if isinstance(document, str) else document


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]
