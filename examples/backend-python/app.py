"""The sample app's backend: its own sign-up and sign-in, and the token endpoint of the
tutorial's step 2, through ``idpool.developer``.

    POST /signup   {"username", "password"}  -> 201 {"username", "csrfToken"} + session cookie
    POST /signin   {"username", "password"}  -> 200 {"username", "csrfToken"} + session cookie
    GET  /me                                 -> 200 {"username", "csrfToken"}
    POST /token    (X-CSRF-Token)            -> 200 {"identityId", "token", "expiresAt"}
    POST /signout  (X-CSRF-Token)            -> 204
    GET  /, /config.json                     -> the page and its settings, when create_app has a page

The session cookie is HttpOnly and SameSite=Strict (and Secure behind HTTPS). Sign-up and
sign-in must be JSON, which a cross-site form cannot send; a session's POSTs carry its
CSRF token in the X-CSRF-Token header. Failed sign-ins are rate-limited per username and
per address.

Run it (the same code against AWS: leave the endpoint variable out):

    export APP_IDENTITY_POOL_ID=us-east-1:... APP_DEVELOPER_PROVIDER_NAME=login.myapp.example
    export AWS_ENDPOINT_URL_COGNITO_IDENTITY=http://127.0.0.1:8740 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...
    python examples/backend-python/app.py      # http://127.0.0.1:8080
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from limits import SignInLimiter  # this folder's modules: it runs as a script
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from users import Session, Taken, User, Users, csrf_matches

from idpool.developer import DeveloperIdentities, DeveloperIdentityError

COOKIE = "session"
USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,63}")
MIN_PASSWORD, MAX_PASSWORD = 8, 1024

Handler = Callable[[Request], Awaitable[Response]]


def create_app(kit: DeveloperIdentities, users: Users, *, token_seconds: int = 900,
               secure_cookies: bool = False, limiter: SignInLimiter | None = None,
               page: Path | None = None, page_config: Mapping[str, object] | None = None) -> Starlette:
    """``page``: a built frontend (examples/frontend-web/dist) served at ``/``, on the same
    origin as sign-in so that the session cookie stays SameSite=Strict; ``page_config``: what
    the page needs to know (region, pool, endpoints), served as ``/config.json``."""
    limiter = limiter or SignInLimiter()

    async def sign_up(request: Request) -> Response:
        form = await credentials_in(request)
        if isinstance(form, Response):
            return form
        username, password = form
        try:
            user = await run_in_threadpool(users.sign_up, username, password)
        except Taken:
            return error(409, "that username is taken")
        return await start_session(user, 201)

    async def sign_in(request: Request) -> Response:
        form = await credentials_in(request)
        if isinstance(form, Response):
            return form
        username, password = form
        address = request.client.host if request.client else "unknown"
        wait = limiter.blocked_for(username, address)
        if wait:
            return error(429, f"too many failed sign-ins: try again in {wait} s", {"Retry-After": str(wait)})
        user = await run_in_threadpool(users.authenticate, username, password)
        if user is None:
            limiter.failed(username, address)
            return error(401, "wrong username or password")
        limiter.succeeded(username)
        return await start_session(user, 200)

    async def start_session(user: User, status: int) -> Response:
        cookie, session = await run_in_threadpool(users.open_session, user)
        response = JSONResponse({"username": user.username, "csrfToken": session.csrf_token}, status)
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", secure=secure_cookies, path="/")
        return response

    async def me(request: Request) -> Response:
        session = await run_in_threadpool(users.session, request.cookies.get(COOKIE))
        if session is None:
            return error(401, "sign in first")
        return JSONResponse({"username": session.user.username, "csrfToken": session.csrf_token})

    async def token(request: Request, session: Session) -> Response:
        """Step 2 of the tutorial: the user is authenticated, so ask the identity pool for
        an OpenID token for them (GetOpenIdTokenForDeveloperIdentity)."""
        try:
            grant = await run_in_threadpool(kit.token_for, session.user.user_id, duration_seconds=token_seconds)
        except DeveloperIdentityError as exc:
            print(f"token for {session.user.username} failed: {exc}", file=sys.stderr)  # noqa: T201
            return error(502, "the identity pool did not issue a token; see the backend's log")
        return JSONResponse(grant.as_json(), headers={"Cache-Control": "no-store"})

    async def sign_out(request: Request, session: Session) -> Response:
        await run_in_threadpool(users.close_session, request.cookies[COOKIE])
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=secure_cookies)
        return response

    def with_session(handler: Callable[[Request, Session], Awaitable[Response]]) -> Handler:
        """A signed-in user's POST: the session cookie and its CSRF token, in a header that
        a cross-site page can neither read nor send without the browser asking first."""
        async def checked(request: Request) -> Response:
            session = await run_in_threadpool(users.session, request.cookies.get(COOKIE))
            if session is None:
                return error(401, "sign in first")
            if not csrf_matches(session, request.headers.get("x-csrf-token")):
                return error(403, "missing or wrong X-CSRF-Token")
            return await handler(request, session)
        return checked

    async def config(_: Request) -> Response:
        return JSONResponse(dict(page_config or {}), headers={"Cache-Control": "no-store"})

    routes: list[BaseRoute] = [
        Route("/signup", sign_up, methods=["POST"]),
        Route("/signin", sign_in, methods=["POST"]),
        Route("/me", me, methods=["GET"]),
        Route("/token", with_session(token), methods=["POST"]),
        Route("/signout", with_session(sign_out), methods=["POST"]),
    ]
    if page is not None:
        routes += [Route("/config.json", config, methods=["GET"]), Mount("/", StaticFiles(directory=page, html=True))]
    return Starlette(routes=routes)


async def credentials_in(request: Request) -> tuple[str, str] | Response:
    """The username and password of a sign-up or sign-in, or the answer that refuses them."""
    if not is_json(request):
        return error(415, "send Content-Type: application/json")
    try:
        body = await request.json()
    except ValueError:
        return error(400, "the body is not JSON")
    username, password = (body.get("username"), body.get("password")) if isinstance(body, dict) else (None, None)
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        return error(400, "username: 3 to 64 of a-z 0-9 _ . -, starting with a letter or digit")
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return error(400, f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return username, password


def is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status, headers=headers)


def main() -> None:
    import uvicorn

    kit = DeveloperIdentities(os.environ["APP_IDENTITY_POOL_ID"], os.environ["APP_DEVELOPER_PROVIDER_NAME"])
    users = Users(Path(os.environ.get("APP_USERS_DB", "users.db")))
    page = os.environ.get("APP_PAGE_DIR")  # e.g. examples/frontend-web/dist, with APP_PAGE_CONFIG (JSON)
    app = create_app(kit, users, secure_cookies=os.environ.get("APP_SECURE_COOKIES") == "1",
                     token_seconds=int(os.environ.get("APP_TOKEN_SECONDS", "900")),
                     page=Path(page) if page else None, page_config=json.loads(os.environ.get("APP_PAGE_CONFIG", "{}")))
    uvicorn.run(app, host=os.environ.get("APP_HOST", "127.0.0.1"), port=int(os.environ.get("APP_PORT", "8080")))


if __name__ == "__main__":
    main()
