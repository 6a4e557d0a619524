"""What the audit log records of each operation: a small extractor per audited operation.

Each API module has an ``AUDIT`` table, operation -> ``Audited``: which request parameters
and which result members go in the event (``requestParameters``, ``responseElements``), under
CloudTrail's lower-camel-case names, and what a success hands out (a token, credentials).
Only ids, names, ARNs, policy documents and access key ids are picked; a secret, a token or a
session token never is. Parameters are read with ``.get``: an event is also written for a
call refused before its input was read, with what is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from idpool.api.context import Call

Extract = Callable[[Mapping[str, Any], Mapping[str, Any], Call], Mapping[str, Any]]


@dataclass(frozen=True)
class Audited:
    request: Sequence[str] = ()  # parameter names, copied when present
    response: Sequence[str] = ()  # result member names, copied when present
    more_request: Extract | None = None  # derived request parameters (e.g. login provider names)
    more_response: Extract | None = None  # nested or derived response elements (e.g. an access key id)
    issues: Literal["token", "credentials"] | None = None

    def fields(self, params: Mapping[str, Any], result: Mapping[str, Any], call: Call) -> dict[str, Any]:
        request = {camel(k): params[k] for k in self.request if k in params}
        if self.more_request is not None:
            request.update(self.more_request(params, result, call))
        response = {camel(k): result[k] for k in self.response if k in result}
        if self.more_response is not None and result:
            response.update(self.more_response(params, result, call))
        response.update(call.notes)
        return {"requestParameters": request, "responseElements": response or None}


def camel(name: str) -> str:
    """CloudTrail's spelling of a parameter: ``IdentityPoolId`` -> ``identityPoolId``."""
    return name[:1].lower() + name[1:]


def login_providers(params: Mapping[str, Any], key: str = "Logins") -> list[str]:
    """The providers a ``Logins`` map names; never the values, which are tokens."""
    return sorted(params.get(key) or {})
