"""What every API handler receives: the call (who, from where, request id) and its params.

Handlers are methods of a service's API object, which holds the narrow ports it needs
(the domain services it calls); no handler sees the store, the sealer or the settings.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idpool import errors

if TYPE_CHECKING:
    from idpool.api.audit import Audited
    from idpool.auth import Authorizer, Principal
    from idpool.protocols.wire_errors import ErrorTable


@dataclass(frozen=True)
class Call:
    request_id: str
    principal: Principal | None  # None: an unsigned call to a public operation
    source_ip: str | None = None
    authorizer: Authorizer | None = None
    # What a handler learnt that its result does not say (e.g. that an identity was created):
    # response elements of the call's audit event.
    notes: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def account_id(self) -> str:
        if self.principal is None:
            raise errors.NotAuthorized("This operation needs a signed request.")
        return self.principal.account_id

    def authorize(self, action: str, resource: str) -> None:
        """Authorize a further action of this call as its caller (e.g. ``iam:PassRole``)."""
        if self.principal is None or self.authorizer is None:
            raise errors.NotAuthorized("This operation needs a signed request.")
        self.authorizer.authorize(self.principal, action, resource, self.condition_context())

    def condition_context(self) -> dict[str, Any]:
        """Request condition keys the pipeline knows (IAM User Guide, global condition keys)."""
        return {"aws:SourceIp": self.source_ip} if self.source_ip else {}


Handler = Callable[[Call, Mapping[str, Any]], Mapping[str, Any]]
Operation = Callable[[Any, Call, Mapping[str, Any]], Mapping[str, Any]]  # a handler method, unbound


class ServiceApi:
    """A service's operations as the pipeline sees them: a handler per implemented
    operation, the resource each signed one is authorized on, and the error table."""

    service: str
    errors: ErrorTable
    # Operation name -> handler method (unbound: bound to the instance on dispatch).
    operations: Mapping[str, Operation] = {}
    # Operation name -> what its audit event records (api/audit.py); absent: not audited
    # unless refused.
    audit: Mapping[str, Audited] = {}

    def handler(self, operation: str) -> Handler | None:
        method = self.operations.get(operation)
        return functools.partial(method, self) if method else None

    def resource(self, operation: str, call: Call, p: Mapping[str, Any]) -> str | None:
        """The resource ARN ``operation`` is authorized on; None: the handler authorizes per item."""
        raise NotImplementedError
