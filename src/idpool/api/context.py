"""What every API handler receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from idpool import errors

if TYPE_CHECKING:
    from idpool.access import Principal
    from idpool.app import Services


@dataclass(frozen=True)
class CallContext:
    request_id: str
    principal: "Principal | None"  # None: an unsigned call to a public operation
    services: "Services"
    source_ip: str | None = None

    @property
    def account_id(self) -> str:
        if self.principal is None:
            raise errors.NotAuthorized("This operation needs a signed request.")
        return self.principal.account_id


Handler = Callable[[CallContext, Mapping[str, Any]], Mapping[str, Any]]
ResourceOf = Callable[[CallContext, Mapping[str, Any]], str]
