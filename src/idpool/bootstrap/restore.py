"""``idpool import FILE``: write a bootstrap file into an idpool store directly, keeping every
IdentityPoolId, IdentityId and login, and the roles' and users' ids (the AWS APIs choose new
ones, so this is the one way to move identities from one idpool, or a real account's export,
to another idpool without users getting new IdentityIds).

Everything is checked before anything is written: each record must be what the API would
have accepted (``check_pool``, ``check_role``, ``check_user``, the policies' grammar and the
Cognito audience pin), pool ids must be of the store's region, and no login of the file may
already belong to another identity there. What the store already has (a pool id, a role or
user name, an IdentityId) is left as it is and reported, so importing a file twice changes
nothing the second time. Users come without access keys: their secrets are never exported;
``idpool apply`` of the same file, once the server runs, creates the keys it asks for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from idpool import errors, storage
from idpool.bootstrap.document import Document, IdentitySpec, PoolSpec, RoleSpec, UserSpec
from idpool.bootstrap.errors import BootstrapError
from idpool.bootstrap.refs import Resolver
from idpool.iam.service import check_role, check_user
from idpool.identity_pools.pools import MAX_POOLS_PER_ACCOUNT, check_pool
from idpool.ids import new_regional_guid, new_unique_id
from idpool.model import Identity, IdentityPool, MappingRule, Role, RoleMapping, User
from idpool.storage import Store


@dataclass
class ImportReport:
    emit: Callable[[str], None] | None = None
    imported: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, written: bool) -> None:
        (self.imported if written else self.present).append(what)
        if self.emit is not None:
            self.emit(f"+ {what}: imported" if written else f"= {what}: already there, left as it is")

    def summary(self) -> str:
        if not self.imported:
            return f"Nothing to import: all {len(self.present)} records of the file are already there."
        return f"Imported {len(self.imported)} records; {len(self.present)} were already there."


@dataclass(frozen=True)
class _Records:
    roles: list[Role]
    users: list[User]
    pools: list[IdentityPool]
    identities: list[Identity]


def import_document(document: Document, store: Store, *, account_id: str, region: str, now: dt.datetime,
                    report: ImportReport | None = None) -> ImportReport:
    report = report or ImportReport()
    pool_ids = [spec.id or new_regional_guid(region) for spec in document.pools]
    for spec, pool_id in zip(document.pools, pool_ids, strict=True):
        if not pool_id.startswith(f"{region}:"):
            raise BootstrapError(f'identity pool "{spec.name}": its id {pool_id} is not of this store\'s region '
                                 f"{region} (--region / IDPOOL_REGION)")
    resolver = Resolver(account_id, region, {s.name: i for s, i in zip(document.pools, pool_ids, strict=True)},
                        {role.name: role.path for role in document.roles})
    records = _Records(
        roles=[_role(spec, resolver, now) for spec in document.roles],
        users=[_user(spec, resolver, now) for spec in document.users],
        pools=[_pool(spec, pool_id, resolver, now) for spec, pool_id in zip(document.pools, pool_ids, strict=True)],
        identities=[_identity(i, pool_id, account_id, now)
                    for spec, pool_id in zip(document.pools, pool_ids, strict=True) for i in spec.identities],
    )
    _check_against(store, records, account_id)
    _write(store, records, report)
    if any(user for user in document.users if user.access_keys):
        report.notes.append("users' access keys are not exported with their secrets: `idpool apply` the same file "
                            "against the running server to create the keys it asks for")
    return report


def _write(store: Store, records: _Records, report: ImportReport) -> None:
    for role in records.roles:
        report.add(f'role "{role.name}"', _created(partial(store.create_role, role)))
    for user in records.users:
        report.add(f'user "{user.name}"', _created(partial(store.create_user, user)))
    for pool in records.pools:
        written = _created(partial(store.create_pool, pool, max_per_account=MAX_POOLS_PER_ACCOUNT))
        report.add(f'identity pool "{pool.name}" ({pool.pool_id})', written)
    for identity in records.identities:
        report.add(f"identity {identity.identity_id}", _created(partial(store.import_identity, identity)))


def _created(write: Callable[[], None]) -> bool:
    try:
        write()
    except storage.AlreadyExists:
        return False
    except storage.LimitReached:
        raise BootstrapError(f"this account has {MAX_POOLS_PER_ACCOUNT} identity pools, Cognito's limit") from None
    except storage.Conflict as exc:  # a login taken since the check (someone is writing meanwhile)
        raise BootstrapError(f"a login of the file was linked to another identity meanwhile: {exc}") from None
    return True


def _check_against(store: Store, records: _Records, account_id: str) -> None:
    """Before writing anything: nothing of the file may clash with what the store holds."""
    for pool in records.pools:
        try:
            found = store.get_pool(pool.pool_id)
        except storage.NotFound:
            continue
        if found.account_id != account_id:
            raise BootstrapError(f"identity pool {pool.pool_id} is already in this store, in account {found.account_id}")
    for identity in records.identities:
        for login in identity.logins:
            owner = store.identity_for_login(identity.pool_id, login)
            if owner is not None and owner.identity_id != identity.identity_id:
                raise BootstrapError(f"identity {identity.identity_id}: its login {login.provider} {login.subject!r} "
                                     f"is linked to {owner.identity_id} in this store")


# --- file -> records, each checked as the API would check it ----------------------------------------
def _role(spec: RoleSpec, resolver: Resolver, now: dt.datetime) -> Role:
    role = Role(
        account_id=resolver.account_id, name=spec.name, role_id=spec.id or new_unique_id("AROA"), path=spec.path,
        trust_policy=_text(resolver.policy(spec.trust_policy)), created_at=spec.created or now,
        description=spec.description, max_session_duration=spec.max_session_duration or 3600,
        tags=dict(spec.tags or {}),
        policies={name: _text(resolver.policy(doc)) for name, doc in (spec.policies or {}).items()},
    )  # fmt: skip
    _checked(f'role "{spec.name}"', lambda: check_role(role))
    return role


def _user(spec: UserSpec, resolver: Resolver, now: dt.datetime) -> User:
    user = User(
        account_id=resolver.account_id, name=spec.name, user_id=spec.id or new_unique_id("AIDA"), path=spec.path,
        created_at=spec.created or now,
        policies={name: _text(resolver.policy(doc)) for name, doc in (spec.policies or {}).items()},
    )  # fmt: skip
    _checked(f'user "{spec.name}"', lambda: check_user(user))
    return user


def _pool(spec: PoolSpec, pool_id: str, resolver: Resolver, now: dt.datetime) -> IdentityPool:
    pool = IdentityPool(
        account_id=resolver.account_id, pool_id=pool_id, name=spec.name,
        allow_unauthenticated=bool(spec.allow_unauthenticated), created_at=now,
        allow_classic_flow=spec.allow_classic_flow,
        supported_login_providers=dict(spec.supported_login_providers or {}),
        developer_provider_name=spec.developer_provider_name,
        open_id_connect_provider_arns=spec.open_id_connect_provider_arns or (),
        cognito_identity_providers=spec.cognito_identity_providers or (),
        saml_provider_arns=spec.saml_provider_arns or (),
        tags=dict(spec.tags or {}),
        roles={kind: resolver.role_arn(ref) for kind, ref in (spec.roles or {}).items()},
        role_mappings={
            provider: RoleMapping(m.type, m.ambiguous_role_resolution, tuple(
                MappingRule(r.claim, r.match_type, r.value, resolver.role_arn(r.role)) for r in m.rules))
            for provider, m in (spec.role_mappings or {}).items()},
        principal_tag_maps=dict(spec.principal_tags),
    )  # fmt: skip
    _checked(f'identity pool "{spec.name}"', lambda: check_pool(pool))
    return pool


def _identity(spec: IdentitySpec, pool_id: str, account_id: str, now: dt.datetime) -> Identity:
    created = spec.created or now
    return Identity(
        identity_id=spec.id, pool_id=pool_id, account_id=account_id, created_at=created,
        last_modified_at=spec.last_modified or created, authenticated=spec.authenticated, disabled=spec.disabled,
        logins=tuple(sorted(set(spec.logins))),
    )  # fmt: skip


def _checked(what: str, check: Callable[[], None]) -> None:
    try:
        check()
    except errors.IdpoolError as exc:
        raise BootstrapError(f"{what}: {type(exc).__name__}: {exc.message}") from None


def _text(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))

