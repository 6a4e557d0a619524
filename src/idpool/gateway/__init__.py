"""IAM authorization for any HTTP service, as API Gateway's ``AWS_IAM`` authorization does it.

Clients sign requests for service ``execute-api`` with credentials idpool issued or knows;
the gateway authorizes ``execute-api:Invoke`` on the method's ARN with the caller's policies
(through ``idpool.auth``, like every AWS API call), and passes allowed requests on with the
caller's identity in ``X-Idpool-Request-Context``. Three ways to use it, one check:

    core.py        Api, Inbound, Gateway.check -> Allowed | Refused (sans-I/O)
    responses.py   the gateway's error table and API Gateway's answers
    body.py        request bodies: capped, deadlined, streamed against their signed hash
    forwarding.py  headers and query string to the upstream, headers back
    cors.py        preflights and the headers that let a page read answers
    proxy.py       GatewayApp: ``idpool gateway``, a reverse proxy over httpx
    middleware.py  IamAuthorization: the same check as ASGI middleware in a Python app
    server.py      wiring over the store: create_gateway_app, connect

Any other framework (Flask, Django, ...) calls the check itself::

    gateway, store = connect(api_id="api", stage="prod")  # IDPOOL_* as `idpool serve` reads them
    decision = gateway.check(Inbound(method, raw_path, raw_query, headers, body, source_ip=ip))
    if isinstance(decision, Refused):
        return decision.status, decision.headers(request_id), decision.body
    identity = decision.identity  # API Gateway's requestContext.identity
"""

from idpool.gateway.core import CONTEXT_HEADER, Allowed, Api, Gateway, Inbound
from idpool.gateway.middleware import IamAuthorization
from idpool.gateway.responses import Refused
from idpool.gateway.server import connect, create_gateway_app

__all__ = [
    "CONTEXT_HEADER", "Allowed", "Api", "Gateway", "IamAuthorization", "Inbound", "Refused", "connect",
    "create_gateway_app",
]
