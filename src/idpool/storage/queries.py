"""Every query of ``SqlStore``, written once for both engines.

``?`` placeholders and PostgreSQL's locking clauses; the flavor adapts both
(``?`` becomes ``%s`` for psycopg, SQLite drops ``FOR UPDATE`` because
``BEGIN IMMEDIATE`` already holds the database's one write lock). Booleans are
written ``TRUE``/``FALSE``, which SQLite (3.23+) reads as 1/0. Only ``ON CONFLICT``
forms that both engines share are used (SQLite 3.24+).
"""

from __future__ import annotations

# --- settings ---------------------------------------------------------------------------
GET_SETTING = "SELECT value FROM settings WHERE key = ?"
PUT_SETTING_IF_ABSENT = "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"

# --- pools ---------------------------------------------------------------------------------
POOL_COLUMNS = "pool_id, account_id, name, doc, created_at, version"
INSERT_POOL = f"INSERT INTO identity_pools ({POOL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
GET_POOL = f"SELECT {POOL_COLUMNS} FROM identity_pools WHERE pool_id = ?"
LOCK_POOL = f"{GET_POOL} FOR UPDATE"
UPDATE_POOL = "UPDATE identity_pools SET name = ?, doc = ?, version = ? WHERE pool_id = ?"
DELETE_POOL = "DELETE FROM identity_pools WHERE pool_id = ?"
LIST_POOLS = (
    f"SELECT {POOL_COLUMNS} FROM identity_pools WHERE account_id = ? AND pool_id > ? ORDER BY pool_id LIMIT ?"
)
COUNT_POOLS = "SELECT COUNT(*) FROM identity_pools WHERE account_id = ?"
# One row per account, made on first use and locked by every write that counts the
# account's records against a quota, so two such writes for one account take turns.
ADD_ACCOUNT_LOCK = "INSERT INTO account_locks (account_id) VALUES (?) ON CONFLICT (account_id) DO NOTHING"
LOCK_ACCOUNT = "SELECT account_id FROM account_locks WHERE account_id = ? FOR UPDATE"

# --- identities and logins ------------------------------------------------------------------
IDENTITY_COLUMNS = (
    "i.identity_id, i.pool_id, i.account_id, i.created_at, i.last_modified_at, i.authenticated, i.disabled, i.used"
)
INSERT_IDENTITY = (
    "INSERT INTO identities"
    " (identity_id, pool_id, account_id, created_at, last_modified_at, authenticated, disabled, used)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# The pool's guest count (migration 5): a guest is added only while the pool is under its cap
# (one conditional statement, which also locks the pool row until commit).
ADD_GUEST = "UPDATE identity_pools SET guests = guests + 1 WHERE pool_id = ?"
ADD_GUEST_UNDER_CAP = f"{ADD_GUEST} AND guests < ?"
POOL_EXISTS = "SELECT 1 FROM identity_pools WHERE pool_id = ?"
REMOVE_GUESTS = "UPDATE identity_pools SET guests = guests - ? WHERE pool_id = ?"
# One write per guest, ever: the caller only asks while its record says unused.
MARK_USED = "UPDATE identities SET used = TRUE WHERE identity_id = ? AND NOT used"
# One statement returns the identity with its logins (LEFT JOIN), so it is consistent.
GET_IDENTITY = (
    f"SELECT {IDENTITY_COLUMNS}, l.provider, l.subject FROM identities i"
    " LEFT JOIN logins l ON l.identity_id = i.identity_id WHERE i.identity_id = ?"
)
IDENTITY_FOR_LOGIN = (
    f"SELECT {IDENTITY_COLUMNS}, l.provider, l.subject FROM logins k"
    " JOIN identities i ON i.identity_id = k.identity_id"
    " LEFT JOIN logins l ON l.identity_id = i.identity_id"
    " WHERE k.pool_id = ? AND k.provider = ? AND k.subject = ?"
)
# Rows are locked in identity id order, so merges (and deletes, which go in the same
# order) never wait on each other in a cycle.
LOCK_IDENTITIES = "SELECT identity_id FROM identities WHERE identity_id IN (?, ?) ORDER BY identity_id FOR UPDATE"
LIST_IDENTITIES = (
    f"SELECT {IDENTITY_COLUMNS}, l.provider, l.subject FROM"
    " (SELECT * FROM identities WHERE pool_id = ? AND identity_id > ?{hide} ORDER BY identity_id LIMIT ?) i"
    " LEFT JOIN logins l ON l.identity_id = i.identity_id ORDER BY i.identity_id"
)
LIST_ALL_IDENTITIES = LIST_IDENTITIES.format(hide="")
LIST_ENABLED_IDENTITIES = LIST_IDENTITIES.format(hide=" AND NOT disabled")
TOUCH_IDENTITY = "UPDATE identities SET last_modified_at = ?, authenticated = ? WHERE identity_id = ?"
DISABLE_IDENTITY = "UPDATE identities SET last_modified_at = ?, disabled = TRUE WHERE identity_id = ?"
# Migration 3's repair for one identity: disabled, yet logins still lead to it.
ENABLE_STRANDED_IDENTITY = (
    "UPDATE identities SET disabled = FALSE, authenticated = TRUE WHERE identity_id = ? AND disabled"
    " AND EXISTS (SELECT 1 FROM logins l WHERE l.identity_id = identities.identity_id)"
)
DELETE_IDENTITY = "DELETE FROM identities WHERE identity_id = ? RETURNING pool_id, authenticated"
# Guests never used, created before a time: a bounded batch, oldest first (partial index).
DELETE_UNUSED_GUESTS = (
    "DELETE FROM identities WHERE identity_id IN (SELECT identity_id FROM identities"
    " WHERE NOT authenticated AND NOT used AND created_at < ? ORDER BY created_at LIMIT ?)"
    " AND NOT authenticated AND NOT used RETURNING pool_id"
)

# --- request-rate counters (migration 5) ---------------------------------------------------------
# Every counter of a call in one statement (one round trip): as many "(?, 1, ?)" as buckets.
HIT_RATE_COUNTERS = (
    "INSERT INTO rate_counters (bucket, hits, expires_at) VALUES {rows}"
    " ON CONFLICT (bucket) DO UPDATE SET hits = rate_counters.hits + 1 RETURNING bucket, hits"
)
PRUNE_RATE_COUNTERS = "DELETE FROM rate_counters WHERE expires_at <= ?"
INSERT_LOGIN_IF_FREE = (
    "INSERT INTO logins (pool_id, provider, subject, identity_id, linked_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (pool_id, provider, subject) DO NOTHING"
)
LOGIN_OWNER = "SELECT identity_id FROM logins WHERE pool_id = ? AND provider = ? AND subject = ?"
DELETE_LOGIN = "DELETE FROM logins WHERE pool_id = ? AND provider = ? AND subject = ? AND identity_id = ?"
MOVE_LOGINS = "UPDATE logins SET identity_id = ? WHERE identity_id = ?"

# --- signing keys -----------------------------------------------------------------------------
KEY_COLUMNS = "kid, alg, public_jwk, sealed_private_key, created_at, active, retired_at, verify_until"
INSERT_KEY = f"INSERT INTO signing_keys ({KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, TRUE, NULL, NULL)"
INSERT_FIRST_KEY = f"{INSERT_KEY} ON CONFLICT (active) WHERE active DO NOTHING"
LIST_KEYS = f"SELECT {KEY_COLUMNS} FROM signing_keys ORDER BY created_at DESC, kid DESC"
RETIRE_KEY = "UPDATE signing_keys SET active = FALSE, retired_at = ?, verify_until = ? WHERE kid = ? AND active"
PRUNE_KEYS = "DELETE FROM signing_keys WHERE NOT active AND verify_until IS NOT NULL AND verify_until < ?"
