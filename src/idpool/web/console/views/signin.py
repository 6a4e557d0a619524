"""Signing in and out, and the page about this server.

Sign-in takes an access key id and secret access key (root or an IAM user) and checks them
with ``KeyPairSignIn``; every failure reads the same. Failed attempts are counted per
source address (``throttle.SignInThrottle``), so guessing a secret through the form is slowed down
as well as hopeless.
"""

from __future__ import annotations

from starlette.responses import Response

from idpool import errors
from idpool.web.console import session as sessions
from idpool.web.console.page import HOME, Page, safe_next


def sign_in_form(page: Page) -> Response:
    if page.principal is not None:
        return page.redirect(HOME)
    return page.render("sign_in.html", next=safe_next(page.query.get("next")), access_key_id="")


def sign_in(page: Page) -> Response:
    address = page.client_address or "unknown"
    throttle = page.throttle
    access_key_id = page.field("access_key_id").strip()
    target = safe_next(page.field("next"))
    if throttle.blocked(address):
        return page.render("sign_in.html", status=429, next=target, access_key_id=access_key_id,
                           refusal="Too many failed sign-ins from this address; wait a few minutes and try again.")
    try:
        principal = page.services.sign_in.sign_in(access_key_id, page.field("secret_access_key"),
                                                  page.services.clock.now())
    except errors.NotAuthorized as refused:
        throttle.failed(address)
        return page.render("sign_in.html", status=401, next=target, access_key_id=access_key_id,
                           refusal=refused.message)
    page.session_out = sessions.signed_in(principal.access_key_id, page.services.clock.now())
    return page.redirect(target)


def sign_out(page: Page) -> Response:
    page.session_out = sessions.anonymous(page.services.clock.now())
    return page.redirect("/console", "You have signed out.")


def endpoints(page: Page) -> Response:
    page.section = "endpoints"
    return page.render("endpoints.html")
