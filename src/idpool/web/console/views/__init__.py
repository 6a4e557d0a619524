"""Every console page: (path under /console, view, methods, public?).

A GET shows a page or asks to confirm; the POST to the same path does it. Only the
sign-in form and the page about this server are public.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from idpool.web.console.page import Page
from idpool.web.console.views import code, iam, identities, pool_roles, pools, setup, signin, tools

View = Callable[[Page], Response]
POOL = "/pools/{pool_id}"
IDENTITY = POOL + "/identities/{identity_id}"

ROUTES: list[tuple[str, View, tuple[str, ...], bool]] = [
    ("/", signin.sign_in_form, ("GET",), True),
    ("/sign-in", signin.sign_in, ("POST",), True),
    ("/sign-out", signin.sign_out, ("POST",), False),
    ("/endpoints", signin.endpoints, ("GET",), True),
    # identity pools
    ("/pools", pools.list_pools, ("GET",), False),
    ("/pools/new", pools.new_pool, ("GET",), False),
    ("/pools/new", pools.create_pool, ("POST",), False),
    (POOL, pools.show_pool, ("GET",), False),
    (POOL, pools.update_pool, ("POST",), False),
    (POOL + "/delete", pools.confirm_delete_pool, ("GET",), False),
    (POOL + "/delete", pools.delete_pool, ("POST",), False),
    (POOL + "/roles/setup", setup.setup_form, ("GET",), False),
    (POOL + "/roles/setup", setup.setup_roles, ("POST",), False),
    (POOL + "/roles", pool_roles.show_roles, ("GET",), False),
    (POOL + "/roles", pool_roles.set_roles, ("POST",), False),
    (POOL + "/principal-tags", pool_roles.show_tags, ("GET",), False),
    (POOL + "/principal-tags", pool_roles.set_tags, ("POST",), False),
    (POOL + "/code", code.show_code, ("GET",), False),
    (POOL + "/identities", identities.list_identities, ("GET",), False),
    (IDENTITY, identities.show_identity, ("GET",), False),
    (IDENTITY + "/unlink", identities.unlink, ("POST",), False),
    (IDENTITY + "/merge", identities.merge, ("POST",), False),
    (IDENTITY + "/delete", identities.confirm_delete, ("GET",), False),
    (IDENTITY + "/delete", identities.delete, ("POST",), False),
    # IAM
    ("/iam/roles", iam.list_roles, ("GET",), False),
    ("/iam/roles/new", iam.new_role, ("GET",), False),
    ("/iam/roles/new", iam.create_role, ("POST",), False),
    ("/iam/roles/{name}", iam.show_role, ("GET",), False),
    ("/iam/roles/{name}/trust", iam.update_trust, ("POST",), False),
    ("/iam/roles/{name}/policies", iam.put_role_policy, ("POST",), False),
    ("/iam/roles/{name}/policies/{policy}/delete", iam.confirm_delete_role_policy, ("GET",), False),
    ("/iam/roles/{name}/policies/{policy}/delete", iam.delete_role_policy, ("POST",), False),
    ("/iam/roles/{name}/delete", iam.confirm_delete_role, ("GET",), False),
    ("/iam/roles/{name}/delete", iam.delete_role, ("POST",), False),
    ("/iam/users", iam.list_users, ("GET",), False),
    ("/iam/users", iam.create_user, ("POST",), False),
    ("/iam/users/{name}", iam.show_user, ("GET",), False),
    ("/iam/users/{name}/policies", iam.put_user_policy, ("POST",), False),
    ("/iam/users/{name}/policies/{policy}/delete", iam.confirm_delete_user_policy, ("GET",), False),
    ("/iam/users/{name}/policies/{policy}/delete", iam.delete_user_policy, ("POST",), False),
    ("/iam/users/{name}/keys", iam.create_key, ("POST",), False),
    ("/iam/users/{name}/keys/{key_id}/status", iam.set_key_status, ("POST",), False),
    ("/iam/users/{name}/keys/{key_id}/delete", iam.confirm_delete_key, ("GET",), False),
    ("/iam/users/{name}/keys/{key_id}/delete", iam.delete_key, ("POST",), False),
    ("/iam/users/{name}/delete", iam.confirm_delete_user, ("GET",), False),
    ("/iam/users/{name}/delete", iam.delete_user, ("POST",), False),
    # tools
    ("/iam/simulate", tools.simulate_form, ("GET",), False),
    ("/iam/simulate", tools.simulate, ("POST",), False),
    ("/keys", tools.show_keys, ("GET",), False),
    ("/keys/rotate", tools.confirm_rotate, ("GET",), False),
    ("/keys/rotate", tools.rotate, ("POST",), False),
]
