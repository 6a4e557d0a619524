"""``GET /`` from a browser: a page saying what this server is and how to reach it.

``/`` is also the AWS API endpoint, so only a request that asks for HTML (a browser's
``Accept``) and carries nothing of an API call (no signature, no ``X-Amz-Target``, no
query string) gets the page; every other ``GET /`` keeps the AWS behaviour. Once the
console exists, this page becomes a redirect to ``/console``.
"""

from __future__ import annotations

import html

from idpool import __version__
from idpool.web.http import Scope

_SECURITY_HEADERS = [
    ("content-type", "text/html; charset=utf-8"),
    ("cache-control", "no-store"),
    # Nothing to run, nothing to frame: the page is static text.
    ("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
]


def wants_page(scope: Scope) -> bool:
    """A browser navigating to ``/``, not an API call."""
    if scope["method"] not in ("GET", "HEAD") or scope.get("query_string"):
        return False
    accept = b""
    for name, value in scope["headers"]:
        if name in (b"authorization", b"x-amz-target"):
            return False
        if name == b"accept":
            accept += value.lower() + b","
    return b"text/html" in accept


def home(base_url: str | None, region: str | None) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body of the page. ``base_url`` is the configured issuer URL (never the
    request's Host header, which a client chooses); None while the server is starting."""
    url = base_url or "http://HOST:PORT"
    region = region or "us-east-1"
    e = html.escape
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>idpool</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}}
code,pre{{font:14px ui-monospace,monospace;background:#f4f4f4}}pre{{padding:.75rem;overflow-x:auto}}
td{{padding:.2rem .8rem .2rem 0;vertical-align:top}}</style></head>
<body>
<h1>idpool {e(__version__)}</h1>
<p>This server speaks the wire protocols of Amazon Cognito Identity (identity pools,
developer authenticated identities), AWS STS and AWS IAM, so the AWS CLI and SDKs work
against it unchanged. It is an API server: there is no console yet.</p>
<h2>Endpoints</h2>
<table>
<tr><td><code>POST {e(url)}/</code></td><td>the AWS APIs: cognito-identity, sts and iam (SigV4-signed)</td></tr>
<tr><td><code>GET {e(url)}/.well-known/openid-configuration</code></td><td>OpenID discovery for the tokens it issues</td></tr>
<tr><td><code>GET {e(url)}/.well-known/jwks_uri</code></td><td>the keys that verify those tokens (JWKS)</td></tr>
<tr><td><code>GET {e(url)}/health</code></td><td>200 when serving, 503 while starting or when the database is unreachable</td></tr>
</table>
<h2>Point the AWS CLI or an SDK at it</h2>
<p>Per-service endpoint variables send only these three services here; any other AWS
service your code calls still goes to AWS.</p>
<pre>export AWS_ENDPOINT_URL_COGNITO_IDENTITY={e(url)}
export AWS_ENDPOINT_URL_STS={e(url)}
export AWS_ENDPOINT_URL_IAM={e(url)}
export AWS_ACCESS_KEY_ID=...        # the root credentials printed at first start
export AWS_SECRET_ACCESS_KEY=...
export AWS_REGION={e(region)} AWS_DEFAULT_REGION={e(region)}
aws cognito-identity list-identity-pools --max-results 10</pre>
</body></html>
"""
    return list(_SECURITY_HEADERS), body.encode("utf-8")
