"""The policy authorizer: every signed call, as its principal, against IAM policies.

IAM User Guide, "Policy evaluation logic", for a principal acting in its own account:

- root may do everything in its account (and so may a root GetSessionToken session);
- an IAM user is judged by its identity-based policies (inline and attached managed ones)
  limited by its permissions boundary; a GetSessionToken session of the user, the same;
- a role session by its role's identity-based policies, limited by the role's boundary and by
  the session policies (``Policy`` and ``PolicyArns`` given to AssumeRole or
  AssumeRoleWithWebIdentity, and Cognito's scope-down for guests of the enhanced flow);
- a federated user (GetFederationToken) by the policies of the IAM user who asked (root: all),
  limited by that user's boundary and by the session policies: without a session policy it may
  do nothing.

The one evaluator is ``policy.evaluate`` (explicit deny in any layer denies; every layer present
must allow). Roles, users and their policies are read from the store on every call, so a change
takes effect on the next request; a role or user with no managed policy costs no extra read.
Session policies named by PolicyArns are read by the ids resolved when the session was issued;
one deleted since allows nothing. ``sts:GetCallerIdentity`` and ``sts:GetSessionToken`` are always
allowed (STS API Reference; IAM User Guide, "Permissions for GetSessionToken").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from idpool import storage
from idpool.auth.principal import Principal, access_denied
from idpool.clock import Clock
from idpool.iam.policy_sets import EntityPolicies, SourcedPolicy, entity_policies, managed_documents
from idpool.keys.sealing import Sealer
from idpool.model import Role, User
from idpool.policy import Decision, PolicyDocument, Request, cached_policy, evaluate
from idpool.storage import Store
from idpool.sts.authorization_messages import denial_document, encode
from idpool.sts.session_tokens import Session

# No policy decides these (STS API Reference, GetCallerIdentity; IAM User Guide, "Permissions for
# GetSessionToken": "No permissions are required for a user to get temporary credentials").
ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity", "sts:getsessiontoken"})
NOTHING = PolicyDocument("2012-10-17", (), "")  # a policy that allows nothing: a missing boundary or session policy
Named = list[tuple[str, PolicyDocument]]


class Authorizer(Protocol):
    def authorize(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None
    ) -> None:
        """Return if ``principal`` may perform ``action`` on ``resource``; else raise AccessDenied.

        ``context`` adds request condition keys (``aws:SourceIp``, ...) to the caller's own."""

    def explain(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None
    ) -> Decision:
        """The decision ``authorize`` acts on, naming the policy and statement that made it (or,
        for a denial, the statement that came closest): the console's policy simulator."""


# AWS's wording for each layer (IAM User Guide, "Troubleshoot access denied error messages").
_LAYER_WORDS = {"identity": "an identity-based policy", "boundary": "a permissions boundary",
                "session": "a session policy"}


def denial_reason(decision: Decision, action: str) -> str:
    """The end of AWS's AccessDenied message: which kind of policy denied, explicitly or not."""
    words = _LAYER_WORDS.get(decision.layer or "identity", _LAYER_WORDS["identity"])
    if decision.effect == "ExplicitDeny":
        return f"with an explicit deny in {words}"
    return f"because no {words.split(' ', 1)[1]} allows the {action} action"


class _Gone(Exception):
    """The principal's role or user was deleted (or re-created) since its credentials were issued."""


@dataclass
class _Layers:
    identity: Named = field(default_factory=list)
    boundary: Named = field(default_factory=list)
    session: Named = field(default_factory=list)
    identity_allows_all: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class PolicyAuthorizer:
    def __init__(self, store: Store, clock: Clock, sealer: Sealer | None = None) -> None:
        """``sealer``: seals each denial's details for DecodeAuthorizationMessage."""
        self._store = store
        self._clock = clock
        self._sealer = sealer

    def authorize(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None
    ) -> None:
        evaluated = self._evaluate(principal, action, resource, context)
        if evaluated is None or evaluated[0].allowed:
            return
        decision, keys = evaluated
        denied = access_denied(principal, action, resource, denial_reason(decision, action))
        denied.detail = decision.reason
        if self._sealer is not None:
            denied.encoded_message = encode(self._sealer, denial_document(
                principal_id=principal.user_id, principal_name=principal.name, principal_arn=principal.arn,
                action=action, resource=resource, explicit=decision.effect == "ExplicitDeny",
                conditions={k: v for k, v in keys.items() if isinstance(v, (str, list))}))
        raise denied

    def explain(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None
    ) -> Decision:
        evaluated = self._evaluate(principal, action, resource, context)
        if evaluated is not None:
            return evaluated[0]
        if principal.kind == "root":
            return Decision("Allow", None, None, "The account's root user may perform every action in its account.")
        return Decision("Allow", None, None, f"{action} is always allowed, whatever the policies say.")

    def _evaluate(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None
    ) -> tuple[Decision, dict[str, Any]] | None:
        """The decision (and the condition keys it saw) for a principal that policies govern;
        None for root (a root session too) and for the actions every principal may perform."""
        if action.lower() in ALWAYS_ALLOWED or principal.kind == "root":
            return None
        try:
            layers = self._layers(principal, principal.session)
        except (storage.NotFound, _Gone):
            raise access_denied(principal, action, resource, "because the principal no longer exists") from None
        keys = self._context(principal, layers.tags, context or {})
        decision = evaluate(Request(action=action, resource=resource, context=keys), layers.identity,
                            layers.session, layers.boundary, identity_allows_all=layers.identity_allows_all)
        return decision, keys

    # --- the policies of each kind of principal ------------------------------------------------------
    def _layers(self, principal: Principal, session: Session | None) -> _Layers:
        layers = _Layers()
        if session is None or not session.is_role_session:
            if session is not None and session.user_name is None:
                layers.identity_allows_all = True  # a federated user root asked for: its session policies decide
            else:
                user = self._user(principal, session)
                self._add_entity(layers, user)
                layers.tags = dict(user.tags)
        else:
            role = self._store.get_role(principal.account_id, session.role_name)
            if role.role_id != session.role_id:  # deleted and re-created under the same name
                raise _Gone(role.name)
            self._add_entity(layers, role)
            layers.tags = {**role.tags, **session.tags}
        if session is not None:
            layers.session = self._session_policies(session)
        return layers

    def _user(self, principal: Principal, session: Session | None) -> User:
        name = session.user_name if session is not None and session.user_name else principal.name
        # read for this very request by the credential source (long-term keys): no second round trip
        found = principal.attributes.get("user")
        user: User = found if isinstance(found, User) else self._store.get_user(principal.account_id, name)
        if session is not None and session.owner_id not in (None, user.user_id):
            raise _Gone(user.name)
        return user

    def _add_entity(self, layers: _Layers, entity: Role | User) -> None:
        policies: EntityPolicies = entity_policies(self._store, entity)
        layers.identity = _parsed(policies.identity)
        layers.boundary = [("missing boundary", NOTHING)] if policies.boundary_missing else _parsed(policies.boundary)

    def _session_policies(self, session: Session) -> Named:
        named: Named = []
        if session.session_policy:
            named.append(("session", cached_policy(session.session_policy, "session")))
        if session.managed_policy_ids:
            found = managed_documents(self._store, session.managed_policy_ids)
            for policy_id in session.managed_policy_ids:
                source = found.get(policy_id)
                named.append((source.name, cached_policy(source.text, "identity")) if source else (policy_id, NOTHING))
        if session.source == "federation" and not named:
            named.append(("no session policy", NOTHING))  # GetFederationToken without a policy grants nothing
        return named

    # --- the request's condition keys ---------------------------------------------------------------------
    def _context(self, principal: Principal, tags: Mapping[str, str], extra: Mapping[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        keys: dict[str, Any] = {
            "aws:CurrentTime": now,
            "aws:EpochTime": int(now.timestamp()),
            "aws:PrincipalArn": principal.arn,
            "aws:PrincipalAccount": principal.account_id,
            "aws:userid": principal.user_id,
            "aws:SecureTransport": False,
            "aws:PrincipalType": _PRINCIPAL_TYPES[principal.kind],
        }
        session = principal.session
        if principal.kind == "user":
            keys["aws:username"] = principal.name
        if session is not None:
            keys["aws:TokenIssueTime"] = session.issued_at
        if session is not None and session.is_role_session:
            keys["aws:PrincipalArn"] = session.role_arn
            keys["aws:RoleSessionName"] = session.session_name
            if session.web_identity:
                for claim in ("sub", "aud", "amr"):
                    keys[f"cognito-identity.amazonaws.com:{claim}"] = session.web_identity[claim]
                keys["aws:FederatedProvider"] = session.web_identity.get("provider")
        for key, value in tags.items():
            keys[f"aws:PrincipalTag/{key}"] = value
        keys.update(extra)
        return keys


# aws:PrincipalType (IAM User Guide, "AWS global condition context keys").
_PRINCIPAL_TYPES = {"root": "Account", "user": "User", "assumed-role": "AssumedRole", "federated-user": "FederatedUser"}


def _parsed(policies: Sequence[SourcedPolicy]) -> Named:
    return [(p.name, cached_policy(p.text, "identity")) for p in policies]
