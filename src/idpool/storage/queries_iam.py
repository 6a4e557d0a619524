"""Every IAM query of ``SqlStore`` for roles, users and access keys (migrations 2 and 5),
written once for both engines.

The conventions of ``queries``: ``?`` placeholders and PostgreSQL's ``FOR UPDATE``,
which the flavor adapts. Names are matched on ``name_key`` (the name lower-cased by
the store), so the unique index on (account_id, name_key) serves lookups, listings
in name order and case-insensitive uniqueness at once.

A path prefix is matched as ``substr(path, 1, <length>) = <prefix>``: an exact
comparison on both engines, where ``LIKE`` would need escaping of ``%``, ``_`` and
``\\`` (all allowed in IAM paths) and is case-insensitive on SQLite.
"""

from __future__ import annotations

# --- roles --------------------------------------------------------------------------------
ROLE_COLUMNS = (
    "role_id, account_id, name, path, trust_policy, description, max_session_duration, tags, policies, created_at,"
    " attached, boundary, last_used_at, last_used_region"
)
INSERT_ROLE = (
    f"INSERT INTO iam_roles (name_key, {ROLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
GET_ROLE = f"SELECT {ROLE_COLUMNS} FROM iam_roles WHERE account_id = ? AND name_key = ?"
LOCK_ROLE = f"{GET_ROLE} FOR UPDATE"
UPDATE_ROLE = (
    "UPDATE iam_roles SET path = ?, trust_policy = ?, description = ?, max_session_duration = ?,"
    " tags = ?, policies = ? WHERE role_id = ?"
)
DELETE_ROLE = "DELETE FROM iam_roles WHERE role_id = ?"
LIST_ROLES = (
    f"SELECT {ROLE_COLUMNS} FROM iam_roles WHERE account_id = ? AND name_key > ?"
    " AND substr(path, 1, ?) = ? ORDER BY name_key LIMIT ?"
)

# --- users --------------------------------------------------------------------------------
USER_COLUMNS = "user_id, account_id, name, path, tags, policies, created_at, attached, boundary"
INSERT_USER = f"INSERT INTO iam_users (name_key, {USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
GET_USER = f"SELECT {USER_COLUMNS} FROM iam_users WHERE account_id = ? AND name_key = ?"
LOCK_USER = f"{GET_USER} FOR UPDATE"
UPDATE_USER = "UPDATE iam_users SET path = ?, tags = ?, policies = ? WHERE user_id = ?"
DELETE_USER = "DELETE FROM iam_users WHERE user_id = ?"
LIST_USERS = (
    f"SELECT {USER_COLUMNS} FROM iam_users WHERE account_id = ? AND name_key > ?"
    " AND substr(path, 1, ?) = ? ORDER BY name_key LIMIT ?"
)

# --- access keys ------------------------------------------------------------------------------
# A key row names its user by user_id; account and user name come from the user row,
# so a key always reports its user's stored spelling.
ACCESS_KEY_COLUMNS = "u.account_id, u.name, k.access_key_id, k.sealed_secret, k.status, k.created_at"
LOCK_USER_ID = "SELECT user_id FROM iam_users WHERE account_id = ? AND name_key = ? FOR UPDATE"
COUNT_USER_KEYS = "SELECT COUNT(*) FROM iam_access_keys WHERE user_id = ?"
INSERT_ACCESS_KEY = (
    "INSERT INTO iam_access_keys (access_key_id, user_id, sealed_secret, status, created_at) VALUES (?, ?, ?, ?, ?)"
)
# The hot path of every request signed by an IAM user: two primary-key probes, one statement.
GET_ACCESS_KEY = (
    f"SELECT {ACCESS_KEY_COLUMNS} FROM iam_access_keys k JOIN iam_users u ON u.user_id = k.user_id"
    " WHERE k.access_key_id = ?"
)
LIST_ACCESS_KEYS = (
    f"SELECT {ACCESS_KEY_COLUMNS} FROM iam_users u JOIN iam_access_keys k ON k.user_id = u.user_id"
    " WHERE u.account_id = ? AND u.name_key = ? ORDER BY k.created_at, k.access_key_id"
)
_OF_USER = "user_id IN (SELECT user_id FROM iam_users WHERE account_id = ? AND name_key = ?)"
SET_ACCESS_KEY_STATUS = f"UPDATE iam_access_keys SET status = ? WHERE access_key_id = ? AND {_OF_USER}"
DELETE_ACCESS_KEY = f"DELETE FROM iam_access_keys WHERE access_key_id = ? AND {_OF_USER}"
