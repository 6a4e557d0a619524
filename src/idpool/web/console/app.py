"""The console's routes under ``/console`` and what runs around every view.

Around each view, in this order: the session cookie is opened (``session``) and the key it
names checked again (``KeyPairSignIn.resume``); a page that needs a signed-in principal
sends anyone else to the sign-in form; a POST must come from this console (an ``Origin``
or ``Sec-Fetch-Site`` naming another site is refused) and carry the session's CSRF token;
then the view runs in a worker thread, a ``ConsoleError`` becomes the error page, and the
answer carries the session re-sealed (its idle time restarted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from idpool.app import Services
from idpool.web.console import session as sessions
from idpool.web.console.client import ConsoleClient, ConsoleError
from idpool.web.console.page import Page
from idpool.web.console.render import SECURITY_HEADERS, STATIC, render
from idpool.web.console.throttle import SignInThrottle
from idpool.web.console.views import ROUTES, View
from idpool.web.console.views.signin import sign_in_form
from idpool.web.http import BodyTimeout, BodyTooLarge

MAX_FORM_BYTES = 256 * 1024  # an inline policy is at most 10,240 characters; forms are small
MAX_FORM_FIELDS = 2000


def console_routes(current: Callable[[], Services | None]) -> list[BaseRoute]:
    """``/console`` itself (the sign-in form, or the pools once signed in) and everything under it."""
    throttle = SignInThrottle()  # one per server: its sign-in failures, counted per address
    routes: list[BaseRoute] = [Route("/static/{name}", _static, methods=["GET", "HEAD"])]
    for path, view, methods, public in ROUTES:
        routes.append(Route(path, _endpoint(current, view, public, throttle), methods=list(methods)))
    front = Route("/console", _endpoint(current, sign_in_form, True, throttle), methods=["GET"])
    return [front, Mount("/console", routes=routes)]


async def _static(request: Request) -> Response:
    found = STATIC.get(request.path_params["name"])
    if found is None:
        return _plain(404, "Not found.")
    return Response(found.body, media_type=found.media_type, headers={
        "cache-control": "public, max-age=86400, immutable", "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'"})


def _endpoint(current: Callable[[], Services | None], view: View, public: bool,
              throttle: SignInThrottle) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        services = current()
        if services is None:
            return _plain(503, "idpool is starting; reload in a moment.", retry=True)
        form: dict[str, list[str]] = {}
        if request.method == "POST":
            try:
                body = await _read_body(request)
            except BodyTooLarge:
                return _plain(413, "The form is larger than the console accepts.")
            except BodyTimeout:
                return _plain(408, "The form did not arrive in time.")
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
            except (UnicodeDecodeError, ValueError):
                return _plain(400, "The form could not be read.")
        return await run_in_threadpool(_handle, services, view, public, request, form, throttle)

    return endpoint


async def _read_body(request: Request) -> bytes:
    """The form body, refused past ``MAX_FORM_BYTES`` before more is held."""
    declared = request.headers.get("content-length", "0")
    if not (declared.isascii() and declared.isdigit()) or len(declared) > 12 or int(declared) > MAX_FORM_BYTES:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _handle(services: Services, view: View, public: bool, request: Request,
            form: dict[str, list[str]], throttle: SignInThrottle) -> Response:
    now = services.clock.now()
    session, expired = sessions.open_session(services.sealer, request.cookies.get(sessions.COOKIE), now)
    principal = None
    if session is not None and session.access_key_id is not None:
        principal = services.sign_in.resume(session.access_key_id, now)
        if principal is None:  # the key was deactivated or deleted since sign-in
            session, expired = None, True
    if session is None or not session.signed_in:
        session, _ = sessions.open_session(services.sealer, request.cookies.get(sessions.ANONYMOUS_COOKIE), now)
        if session is not None and session.signed_in:  # only the signed-in cookie signs in
            session = None
    session = session.touched(now) if session is not None else sessions.anonymous(now)
    source_ip = request.client.host if request.client else None
    client = ConsoleClient(services.api, principal, source_ip) if principal is not None else None
    page = Page(services, session, principal, client, request.method, request.url.path,
                dict(request.path_params), dict(request.query_params), form, source_ip, throttle)
    if principal is None and not public:
        target = request.url.path if request.method == "GET" else None
        note = "Your session has ended; sign in again." if expired else session.notice  # kept until shown
        response = page.redirect("/console", note, next=target)
    elif request.method == "POST" and not (_same_origin(request) and session.csrf_matches(page.field("csrf"))):
        response = page.render("forbidden.html", status=403)
    else:
        try:
            response = view(page)
        except ConsoleError as error:
            response = page.render("error.html", status=error.status, error=error)
    secure = services.settings.issuer_url.startswith("https://")
    for header in sessions.cookie_headers(services.sealer, page.session_out, request.cookies, secure=secure):
        response.headers.append("set-cookie", header)
    return response


def _same_origin(request: Request) -> bool:
    """A browser names the page a POST comes from (``Origin``, ``Sec-Fetch-Site``); a form of
    another site is refused even before its missing token would be (OWASP CSRF Prevention
    Cheat Sheet, "Verifying origin with standard headers")."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _plain(status: int, text: str, retry: bool = False) -> Response:
    body = render("plain.html", {"status": status, "text": text})
    headers = dict(SECURITY_HEADERS) | ({"retry-after": "1"} if retry else {})
    return Response(body, status_code=status, headers=headers, media_type="text/html; charset=utf-8")

