"""The web console at ``/console``: identity pools, IAM and signing keys in a browser.

Server-rendered HTML (Jinja2 templates, one stylesheet, one small script of the project's
own; no build step, nothing from a CDN). A person signs in with an access key pair and
every action runs as that principal, through the same validation, authorization and
handlers as the API (``client``), so a limited IAM user sees and does in the console only
what its policies allow through the API.

    app.py       routes under /console; session, CSRF and origin checks around every view
    session.py   the sealed session cookie (idle and absolute expiry, CSRF token)
    client.py    the in-process API client: pipeline.invoke as the signed-in principal
    page.py      one request as a view sees it; render and redirect
    render.py    Jinja2 (autoescaped), security headers (CSP), static files
    forms.py     form fields, key=value lines, where a policy document goes wrong
    views/       the pages
"""
