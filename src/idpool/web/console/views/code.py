"""The "Sample code" tab: ready-to-run snippets filled in with this pool's values.

Backend (your server, holding AWS credentials allowed to call
GetOpenIdTokenForDeveloperIdentity on this pool): Python with boto3 or ``idpool.developer``,
TypeScript with the AWS SDK for JavaScript v3. Frontend (no AWS credentials; the identity
id and token come from your backend): TypeScript with ``fromCognitoIdentity``, Python with
``idpool.credentials``. The endpoint is this server's configured URL (the issuer), never
the request's Host header; against AWS, drop the endpoint settings and nothing else.
The snippets are text in ``templates/pool_code.html``.
"""

from __future__ import annotations

from starlette.responses import Response

from idpool.web.console.client import ConsoleError
from idpool.web.console.page import Page
from idpool.web.console.views.pools import describe

PLACEHOLDER_PROVIDER = "login.myapp.example"  # shown until the pool has a developer provider name


def show_code(page: Page) -> Response:
    pool = describe(page)
    provider = pool.get("DeveloperProviderName")
    try:
        roles = page.api.call("cognito-identity", "GetIdentityPoolRoles", IdentityPoolId=pool["IdentityPoolId"])
        auth_role = (roles.get("Roles") or {}).get("authenticated")
    except ConsoleError as error:
        if not error.denied:
            raise
        auth_role = None  # the basic-flow snippet then shows a placeholder role ARN
    return page.render("pool_code.html", pool=pool, tab="code", provider=provider or PLACEHOLDER_PROVIDER,
                       has_provider=bool(provider), auth_role=auth_role)
