"""The sample backend's own identity provider: users with Argon2id password hashes and
server-side sessions, in one SQLite file.

Cognito never sees a password: once this module has authenticated a user, the backend
asks the identity pool for a token for the user's ``user_id`` (a random, stable id, so
that a username freed and taken again never inherits someone's identity).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    session_hash TEXT PRIMARY KEY,           -- sha256 of the cookie's value: a stolen file holds no session
    username     TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    expires_at   REAL NOT NULL
);
"""

SESSION_SECONDS = 8 * 3600

# argon2-cffi's defaults are Argon2id with RFC 9106's second recommended parameter set.
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    username: str
    user_id: str


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str


class Taken(Exception):
    """The username is already registered."""


class Users:
    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(self._db()) as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def sign_up(self, username: str, password: str) -> User:
        user = User(username, str(uuid.uuid4()))
        try:
            with closing(self._db()) as db, db:
                db.execute("INSERT INTO users VALUES (?, ?, ?)", (username, user.user_id, _hasher.hash(password)))
        except sqlite3.IntegrityError:
            raise Taken(username) from None
        return user

    def authenticate(self, username: str, password: str) -> User | None:
        with closing(self._db()) as db:
            row = db.execute("SELECT user_id, password_hash FROM users WHERE username = ?", (username,)).fetchone()
        try:
            _hasher.verify(row[1] if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _hasher.check_needs_rehash(row[1]):  # parameters raised since: upgrade on the way in
            with closing(self._db()) as db, db:
                db.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_hasher.hash(password), username))
        return User(username, row[0])

    def open_session(self, user: User) -> tuple[str, Session]:
        """A new session: the cookie's value (returned once, kept only hashed) and the session."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with closing(self._db()) as db, db:
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (time.time(),))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                       (_digest(cookie), user.username, csrf, time.time() + SESSION_SECONDS))
        return cookie, Session(user, csrf)

    def session(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        with closing(self._db()) as db:
            row = db.execute(
                "SELECT u.username, u.user_id, s.csrf_token FROM sessions s JOIN users u USING (username) "
                "WHERE s.session_hash = ? AND s.expires_at > ?", (_digest(cookie), time.time())).fetchone()
        return Session(User(row[0], row[1]), row[2]) if row else None

    def close_session(self, cookie: str) -> None:
        with closing(self._db()) as db, db:
            db.execute("DELETE FROM sessions WHERE session_hash = ?", (_digest(cookie),))


def csrf_matches(session: Session, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(session.csrf_token.encode(), presented.encode())


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()
