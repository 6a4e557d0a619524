"""The console session: a sealed cookie, nothing stored on the server.

The cookie holds the signed-in access key id, when the session began and was last used,
the CSRF token and a one-line notice for the next page, sealed with the master key
(AES-256-GCM, ``keys.sealing``) under an AAD that names its purpose, so no other sealed
blob opens as a session and nobody without the master key can read or forge one. Any node
sharing the master key opens it, so a console behind a load balancer needs no sticky
sessions.

- **Expiry.** A session ends after ``IDLE`` without a request and ``LIFETIME`` after
  sign-in, whichever comes first; every page re-seals the cookie with the new "last used".
  The key it names is checked again on every request (``KeyPairSignIn.resume``), so a key
  deactivated or deleted, or a user deleted, ends its sessions at once.
- **CSRF.** A random token per session, sent back as a hidden form field and compared in
  constant time on every POST; a new one at sign-in, so a token seen before sign-in is
  worth nothing after (OWASP CSRF Prevention Cheat Sheet, "Synchronizer token pattern").
- **Cookie attributes.** ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other
  site's page or link sends it), ``Path=/console``, and ``Secure`` when the issuer URL is
  https (RFC 6265bis, "Cookies: HTTP State Management Mechanism"). Before sign-in the
  session lives in a cookie of its own, so a request from another site, which arrives
  without the signed-in cookie, cannot overwrite (and so end) a signed-in session.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from idpool.keys import Sealer, SealError

COOKIE = "idpool_console"  # a signed-in session
ANONYMOUS_COOKIE = "idpool_console_signin"  # the sign-in form's session: its CSRF token, a notice
IDLE = dt.timedelta(minutes=30)
LIFETIME = dt.timedelta(hours=12)
MAX_NOTICE_CHARS = 300  # the cookie stays far below browsers' 4 KB
_AAD = b"console-session:v1"
_MAX_COOKIE_CHARS = 4096


@dataclass(frozen=True)
class ConsoleSession:
    csrf: str
    seen_at: float  # epoch seconds of the last request
    access_key_id: str | None = None  # None: not signed in (the sign-in form's session)
    signed_in_at: float | None = None
    notice: str | None = None  # shown once, on the next page

    @property
    def signed_in(self) -> bool:
        return self.access_key_id is not None

    def touched(self, now: dt.datetime) -> ConsoleSession:
        return dataclasses.replace(self, seen_at=now.timestamp())

    def with_notice(self, notice: str | None) -> ConsoleSession:
        return dataclasses.replace(self, notice=notice[:MAX_NOTICE_CHARS] if notice else None)

    def csrf_matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(self.csrf.encode(), given.encode("utf-8", "replace"))


def anonymous(now: dt.datetime) -> ConsoleSession:
    return ConsoleSession(csrf=_token(), seen_at=now.timestamp())


def signed_in(access_key_id: str, now: dt.datetime) -> ConsoleSession:
    """A fresh session for a sign-in: a new CSRF token, nothing carried over."""
    return ConsoleSession(csrf=_token(), seen_at=now.timestamp(), access_key_id=access_key_id,
                          signed_in_at=now.timestamp())


def seal(sealer: Sealer, session: ConsoleSession) -> str:
    doc = json.dumps(dataclasses.asdict(session), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(sealer.seal(doc, _AAD)).decode().rstrip("=")


def open_session(sealer: Sealer, value: str | None, now: dt.datetime) -> tuple[ConsoleSession | None, bool]:
    """The session in a cookie value, and whether a signed-in session had expired.

    None for a missing, malformed, tampered or expired cookie; a caller starts anew."""
    if not value or len(value) > _MAX_COOKIE_CHARS:
        return None, False
    try:
        raw = sealer.unseal(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), _AAD)
        session = ConsoleSession(**json.loads(raw))
    except (binascii.Error, ValueError, TypeError, SealError):
        return None, False
    stamp = now.timestamp()
    idle = stamp - session.seen_at > IDLE.total_seconds()
    old = session.signed_in_at is not None and stamp - session.signed_in_at > LIFETIME.total_seconds()
    if idle or old:
        return None, session.signed_in
    return session, False


def cookie_headers(sealer: Sealer, session: ConsoleSession, brought: Mapping[str, str], *, secure: bool) -> list[str]:
    """The Set-Cookie headers that carry ``session`` on: a signed-in session in ``COOKIE``, the
    sign-in form's in ``ANONYMOUS_COOKIE``. A request without the session cookie (a link or a
    form from another site: SameSite=Strict keeps it back) never overwrites it, so such a
    request cannot sign anyone out; each cookie is cleared only by a request that brought it."""
    name, other = (COOKIE, ANONYMOUS_COOKIE) if session.signed_in else (ANONYMOUS_COOKIE, COOKIE)
    headers = [_cookie(name, seal(sealer, session), secure)]
    if other in brought:
        headers.append(_cookie(other, "", secure) + "; Max-Age=0")
    return headers


def _cookie(name: str, value: str, secure: bool) -> str:
    return f"{name}={value}; Path=/console; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


def _token() -> str:
    return secrets.token_urlsafe(32)
