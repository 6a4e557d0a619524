"""botocore's service models, the schema of every wire format idpool speaks.

Loaded once per process with ``botocore.loaders`` (the files are gzipped JSON inside
botocore; never read them by path). Everything the codecs need, from constraints to
error statuses to which operations are public, is derived from these models.
"""

from __future__ import annotations

import functools

from botocore.loaders import Loader, create_loader
from botocore.model import ServiceModel

# The API versions idpool implements; pinned so a botocore upgrade that adds a newer
# version of a service cannot silently change the wire contract.
API_VERSIONS: dict[str, str] = {
    "cognito-identity": "2014-06-30",
    "sts": "2011-06-15",
    "iam": "2010-05-08",
}

# botocore marks public operations with the Smithy noAuth scheme (newer models) or the
# legacy ``authtype: none`` (botocore/handlers.py set_operation_specific_signer).
_NO_AUTH_SCHEME = "smithy.api#noAuth"


@functools.cache
def _loader() -> Loader:
    return create_loader()


@functools.cache
def service_model(name: str) -> ServiceModel:
    """The cached model of 'cognito-identity', 'sts' or 'iam'."""
    if name not in API_VERSIONS:
        raise ValueError(f"idpool does not speak the {name!r} service")
    data = _loader().load_service_model(name, "service-2", api_version=API_VERSIONS[name])
    return ServiceModel(data, service_name=name)


def unsigned_operations(model: ServiceModel) -> frozenset[str]:
    """Operations the model marks public (callable without a SigV4 signature)."""
    public = set()
    for name in model.operation_names:
        spec = model.operation_model(name)
        auth = spec.auth or []
        if spec.auth_type == "none" or _NO_AUTH_SCHEME in auth:
            public.add(name)
    return frozenset(public)
