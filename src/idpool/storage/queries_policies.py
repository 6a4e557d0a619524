"""Every managed-policy query of ``SqlStore`` (migration 5), written once for both engines.

The conventions of ``queries``: ``?`` placeholders and PostgreSQL's ``FOR UPDATE``, which the
flavor adapts. Names are matched on ``name_key`` (the name lower-cased by the store), as for
roles and users. A role's or user's attached policies are a sorted JSON list of policy ids in
its row: ``attached LIKE '%"<id>"%'`` finds them (ids are letters and digits, so the pattern
holds no wildcard and matches the quoted id exactly).
"""

from __future__ import annotations

POLICY_COLUMNS = (
    "policy_id, account_id, name, path, description, versions, default_version, next_version, tags,"
    " created_at, updated_at"
)
INSERT_POLICY = (
    f"INSERT INTO iam_policies (name_key, document, {POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
GET_POLICY = f"SELECT {POLICY_COLUMNS} FROM iam_policies WHERE account_id = ? AND name_key = ?"
LOCK_POLICY = f"{GET_POLICY} FOR UPDATE"
LOCK_POLICY_ID = "SELECT policy_id FROM iam_policies WHERE policy_id = ? FOR UPDATE"
GET_POLICY_BY_ID = f"SELECT {POLICY_COLUMNS} FROM iam_policies WHERE policy_id = ?"
POLICY_DOCUMENT = "SELECT policy_id, name, document FROM iam_policies WHERE policy_id = ?"
UPDATE_POLICY = (
    "UPDATE iam_policies SET description = ?, versions = ?, default_version = ?, next_version = ?, document = ?,"
    " tags = ?, updated_at = ? WHERE policy_id = ?"
)
DELETE_POLICY = "DELETE FROM iam_policies WHERE policy_id = ?"
LIST_POLICIES = (
    f"SELECT {POLICY_COLUMNS} FROM iam_policies WHERE account_id = ? AND name_key > ?"
    " AND substr(path, 1, ?) = ? ORDER BY name_key LIMIT ?"
)

# --- who uses a policy ------------------------------------------------------------------------
ROLES_USING = (
    "SELECT name, role_id, path, attached LIKE ?, boundary = ? FROM iam_roles"
    " WHERE account_id = ? AND (attached LIKE ? OR boundary = ?) ORDER BY name_key"
)
USERS_USING = (
    "SELECT name, user_id, path, attached LIKE ?, boundary = ? FROM iam_users"
    " WHERE account_id = ? AND (attached LIKE ? OR boundary = ?) ORDER BY name_key"
)

# --- attachments and boundaries (the entity row, locked) --------------------------------------
LOCK_ENTITY = {
    "role": "SELECT role_id, attached, boundary FROM iam_roles WHERE account_id = ? AND name_key = ? FOR UPDATE",
    "user": "SELECT user_id, attached, boundary FROM iam_users WHERE account_id = ? AND name_key = ? FOR UPDATE",
}
SET_ATTACHED = {
    "role": "UPDATE iam_roles SET attached = ? WHERE role_id = ?",
    "user": "UPDATE iam_users SET attached = ? WHERE user_id = ?",
}
SET_BOUNDARY = {
    "role": "UPDATE iam_roles SET boundary = ? WHERE role_id = ?",
    "user": "UPDATE iam_users SET boundary = ? WHERE user_id = ?",
}
RECORD_ROLE_USE = (
    "UPDATE iam_roles SET last_used_at = ?, last_used_region = ?"
    " WHERE role_id = ? AND (last_used_at IS NULL OR last_used_at < ?)"
)
