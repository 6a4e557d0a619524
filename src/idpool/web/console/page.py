"""One console request as a view sees it: who is signed in, the form, and how to answer.

A view is a plain function ``view(page) -> Response`` run in a worker thread (the domain
is synchronous). It reads ``page.form`` / ``page.query`` / ``page.params``, acts through
``page.client`` (the signed-in principal's in-process API client) and answers with
``page.render`` or ``page.redirect`` (POST, then redirect, then GET: a reload never repeats
an action). The session the answer carries is ``page.session_out``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from idpool.app import Services
from idpool.auth import Principal
from idpool.web.console.client import ConsoleClient, ConsoleError
from idpool.web.console.render import SECURITY_HEADERS, render
from idpool.web.console.session import ConsoleSession
from idpool.web.console.throttle import SignInThrottle

HOME = "/console/pools"


@dataclass
class Page:
    services: Services
    session: ConsoleSession  # as the request brought it
    principal: Principal | None
    client: ConsoleClient | None
    method: str
    path: str
    params: Mapping[str, str]  # from the URL path
    query: Mapping[str, str]
    form: Mapping[str, list[str]]
    client_address: str | None = None
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    session_out: ConsoleSession = field(init=False)
    section: str = ""

    def __post_init__(self) -> None:
        self.session_out = self.session.with_notice(None)  # a notice is shown once

    # --- input ---------------------------------------------------------------------------
    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0] if values else default

    def fields(self, name: str) -> list[str]:
        return list(self.form.get(name, []))

    def checked(self, name: str) -> bool:
        return self.field(name) in ("on", "true", "1", "yes")

    @property
    def api(self) -> ConsoleClient:
        if self.client is None:  # views that need it are only routed for a signed-in session
            raise ConsoleError("NotSignedIn", "Sign in first.", 401)
        return self.client

    # --- output --------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        base = {
            "principal": self.principal,
            "csrf": self.session_out.csrf,
            "notice": self.session.notice,
            "section": self.section,
            "path": self.path,
            "region": self.services.settings.region,
            "endpoint": self.services.settings.issuer_url,
            "error": None,
            "tab": "",
            "pool": None,
        }
        base.update(context)
        return Response(render(template, base), status_code=status, headers=dict(SECURITY_HEADERS),
                        media_type="text/html; charset=utf-8")

    def redirect(self, location: str, notice: str | None = None, **query: str | None) -> Response:
        """303 See Other to a console path (never another origin), with a notice for the next page."""
        if not location.startswith("/console") or location.startswith("//"):
            location = HOME
        shown = {key: value for key, value in query.items() if value}
        if shown:
            location += "?" + urlencode(shown)
        self.session_out = self.session_out.with_notice(notice)
        return Response(status_code=303, headers={**dict(SECURITY_HEADERS), "location": location})


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a console path only, so a link cannot send a user elsewhere
    (an open redirect: I06 in docs/SECURITY.md)."""
    if value and value.startswith("/console/") and not value.startswith("//") and "\\" not in value:
        return value
    return HOME
