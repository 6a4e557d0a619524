"""What a bootstrap file must also be, beyond its JSON Schema: names that identify one thing,
references that name something, identities that keep the store's invariants.

Each check returns the first problem as one line naming its place, or ``None``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from idpool.bootstrap.refs import reference_problem, references

if TYPE_CHECKING:
    from idpool.bootstrap.document import Document, PoolSpec

MAX_LOGINS = 20  # MergeDeveloperIdentities: "The number of linked logins is limited to 20"


def first_problem(document: Document) -> str | None:
    return next(_problems(document), None)


def _problems(document: Document) -> Iterator[str]:
    yield from _unique_names(document)
    names = Counter(pool.name for pool in document.pools)
    for i, role in enumerate(document.roles):
        yield from _policy_problems(f"roles[{i}].trust_policy", role.trust_policy, names)
        for policy_name, policy in (role.policies or {}).items():
            yield from _policy_problems(f"roles[{i}].policies.{policy_name}", policy, names)
    for i, user in enumerate(document.users):
        for policy_name, policy in (user.policies or {}).items():
            yield from _policy_problems(f"users[{i}].policies.{policy_name}", policy, names)
    role_names = {role.name.lower() for role in document.roles}
    for i, pool in enumerate(document.pools):
        yield from _role_references(f"identity_pools[{i}]", pool, role_names)
    yield from _identity_problems(document)


def _unique_names(document: Document) -> Iterator[str]:
    names = Counter(pool.name for pool in document.pools)
    for i, pool in enumerate(document.pools):
        if names[pool.name] > 1 and pool.id is None:
            yield (f"identity_pools[{i}]: {names[pool.name]} identity pools are named {pool.name!r}; give each "
                   "its id (apply finds a pool by id, then by name)")
    yield from _repeated("identity_pools", [pool.id for pool in document.pools if pool.id], "id")
    yield from _repeated("roles", [role.name.lower() for role in document.roles], "name (IAM ignores case)")
    yield from _repeated("users", [user.name.lower() for user in document.users], "name (IAM ignores case)")


def _repeated(where: str, values: list[str], what: str) -> Iterator[str]:
    for value, count in Counter(values).items():
        if count > 1:
            yield f"{where}: {count} entries have the {what} {value!r}"


def _policy_problems(where: str, policy: Mapping[str, Any], pool_names: Mapping[str, int]) -> Iterator[str]:
    for reference in references(policy):
        problem = reference_problem(reference, pool_names)
        if problem is not None:
            yield f"{where}: {problem}"


def _role_references(where: str, pool: PoolSpec, role_names: set[str]) -> Iterator[str]:
    named = [(f"{where}.roles.{kind}", ref) for kind, ref in (pool.roles or {}).items()]
    for provider, mapping in (pool.role_mappings or {}).items():
        named += [(f"{where}.role_mappings.{provider}.rules[{n}].role", rule.role) for n, rule in enumerate(mapping.rules)]
    for place, ref in named:
        if not ref.startswith("arn:") and ref.lower() not in role_names:
            yield f"{place}: {ref!r} is not a role of this file (name another role by its ARN)"


def _identity_problems(document: Document) -> Iterator[str]:
    ids = Counter(identity.id for pool in document.pools for identity in pool.identities)
    for i, pool in enumerate(document.pools):
        owners: dict[tuple[str, str], str] = {}
        for n, identity in enumerate(pool.identities):
            where = f"identity_pools[{i}].identities[{n}]"
            if ids[identity.id] > 1:
                yield f"{where}: the IdentityId {identity.id} appears {ids[identity.id]} times"
            if identity.disabled and identity.logins:
                yield f"{where}: a disabled identity (merged into another) has no logins"
            if len(identity.logins) > MAX_LOGINS:
                yield f"{where}: {len(identity.logins)} logins; an identity has at most {MAX_LOGINS}"
            for login in identity.logins:
                owner = owners.setdefault((login.provider, login.subject), identity.id)
                if owner != identity.id:
                    yield f"{where}: the login {login.provider} {login.subject!r} is also linked to {owner}"
