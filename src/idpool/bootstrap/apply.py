"""``idpool apply FILE``: make an account's identity pools, roles and users what the file
says, through the AWS APIs only, idempotently (a second run changes nothing and says so).

The order follows what each step needs: pools first (a trust policy pins the id a server
chooses when it creates a pool), then roles (a pool's roles must exist before
SetIdentityPoolRoles names them), then each pool's roles, role mappings and principal tags,
then users. A dry run asks the same questions and changes nothing; where a pool it would
create has no id yet, the plan says so in its place.
"""

from __future__ import annotations

from idpool.bootstrap import apply_iam, apply_pools
from idpool.bootstrap.aws import Clients
from idpool.bootstrap.document import Document
from idpool.bootstrap.refs import Resolver
from idpool.bootstrap.report import Report


def apply(document: Document, clients: Clients, report: Report | None = None) -> Report:
    """Apply ``document``; ``report`` (its ``dry_run`` and ``emit``) says how, and collects
    what was done. Stops at the first refusal with ``BootstrapError``: what was done before
    it stays done, and running apply again continues from there."""
    report = report or Report()
    account_id = clients.account_id()
    found = apply_pools.match(document, clients)
    ids = [
        apply_pools.apply_config(spec, pool_id, clients, account_id, report)
        for spec, pool_id in zip(document.pools, found, strict=True)
    ]
    # by name for {{pool:NAME}}: a name two pools share is never referenced (checks.py)
    pool_ids = {spec.name: pool_id for spec, pool_id in zip(document.pools, ids, strict=True)}
    resolver = Resolver(account_id, clients.region, pool_ids, {role.name: role.path for role in document.roles})
    for role in document.roles:
        apply_iam.apply_role(role, clients, resolver, report)
    for spec, pool_id, before in zip(document.pools, ids, found, strict=True):
        apply_pools.apply_roles(spec, pool_id, before is None, clients, resolver, report)
        apply_pools.apply_principal_tags(spec, pool_id, before is None, clients, report)
    for user in document.users:
        apply_iam.apply_user(user, clients, resolver, report)
    identities = sum(len(spec.identities) for spec in document.pools)
    if identities:
        report.note(f"{identities} identities left out: the AWS APIs cannot choose an IdentityId, so only "
                    "`idpool import` writes identities")
    return report
