"""Identities: developer authenticated identities (GetOpenIdTokenForDeveloperIdentity,
LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity), the public
operations (GetId, GetOpenIdToken, UnlinkIdentity) and identity management
(DescribeIdentity, ListIdentities, DeleteIdentities).

Semantics: the Cognito Identity API Reference and the Developer Guide's
authentication-flow and developer-authenticated-identities pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idpool import errors, storage
from idpool.clock import Clock
from idpool.identity_pools import paging, tokens
from idpool.identity_pools.pools import PoolService
from idpool.identity_pools.tokens import TokenFactory
from idpool.ids import new_regional_guid
from idpool.model import Identity, IdentityPool, Login
from idpool.storage import Store
from idpool.sts.web_identity import tags_from_claims
from idpool.wellknown import COGNITO_IDENTITY

MAX_LINKED_LOGINS = 20  # MergeDeveloperIdentities: "The number of linked logins is limited to 20"
# The DeveloperUserIdentifier shape (LookupDeveloperIdentity, MergeDeveloperIdentities,
# UnlinkDeveloperIdentity) is 1..1024 characters. A Logins value may be up to 50,000 on the
# wire (it also carries providers' tokens), so the developer provider's value is held to
# the shape's limit here: an id GetOpenIdTokenForDeveloperIdentity accepts is one the other
# developer operations accept too.
MAX_DEVELOPER_USER_ID_LENGTH = 1024


@dataclass(frozen=True)
class IssuedToken:
    identity_id: str
    token: str
    created: bool = False  # the call made the identity (a developer user's first login)
    login: Login | None = None  # the developer login the token speaks for


class IdentityService:
    def __init__(
        self, store: Store, clock: Clock, pools: PoolService, factory: TokenFactory, max_guests: int | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self._pools = pools
        self._factory = factory
        self._max_guests = max_guests  # unauthenticated identities per pool (IDPOOL_MAX_GUESTS_PER_POOL)

    # === developer authenticated identities (signed, backend only) =====================
    def token_for_developer_identity(
        self,
        account_id: str,
        pool_id: str,
        logins: Mapping[str, str],
        identity_id: str | None = None,
        principal_tags: Mapping[str, str] | None = None,
        duration: int | None = None,
    ) -> IssuedToken:
        pool = self._pools.get(account_id, pool_id)
        login = self._developer_login(pool, logins)
        created = False
        if identity_id is None:
            identity, created = self._identity_for_new_or_known_login(pool, login)
        else:
            identity = self._link_developer_login(pool, identity_id, login)
        token = self._factory.issue(
            pool,
            self._pools.arn(pool),
            identity.identity_id,
            tokens.developer_amr(login.provider, pool.pool_id, login.subject),
            self._clock.now(),
            duration or tokens.DEFAULT_DEVELOPER_TOKEN_SECONDS,
            principal_tags,
        )
        return IssuedToken(identity.identity_id, token, created, login)

    def _developer_login(self, pool: IdentityPool, logins: Mapping[str, str]) -> Login:
        developer = pool.developer_provider_name
        if not developer:
            raise errors.NotAuthorized(
                "This identity pool does not support developer authenticated identities.",
                detail="set a DeveloperProviderName on the pool (UpdateIdentityPool) first",
            )
        if developer not in logins:
            names = ", ".join(sorted(logins))
            raise errors.NotAuthorized(
                "This identity pool does not support the specified developer provider",
                detail=f"Logins names {names}; the pool's developer provider is {developer}",
            )
        for provider in logins:
            if provider != developer:
                raise self._unverifiable(pool, provider)
        return Login(developer, developer_user_id(logins[developer]))

    def _identity_for_new_or_known_login(self, pool: IdentityPool, login: Login) -> tuple[Identity, bool]:
        # The store reads the login first (one statement for a known user) and creates the
        # candidate only for a new one, race-free: no read of our own beforehand.
        candidate = self._new_identity(pool, authenticated=True)
        try:
            identity, created = self._store.get_or_create_identity_for_login(pool.pool_id, login, candidate)
        except storage.NotFound:
            raise self._pool_gone(pool) from None
        return identity, created

    def _link_developer_login(self, pool: IdentityPool, identity_id: str, login: Login) -> Identity:
        def check(identity: Identity) -> None:
            self._require_in_pool(identity, pool)
            if identity.disabled:
                raise errors.NotAuthorized(f"Identity '{identity_id}' is disabled (it was merged into another identity).")
            if login not in identity.logins and len(identity.logins) >= MAX_LINKED_LOGINS:
                raise errors.LimitExceeded(f"An identity can have at most {MAX_LINKED_LOGINS} linked logins.")

        try:
            return self._store.link_logins(identity_id, [login], self._clock.now(), check)
        except storage.NotFound:
            raise identity_not_found(identity_id) from None
        except storage.Conflict:
            raise errors.DeveloperUserAlreadyRegistered(
                "The provided developer user identifier is already registered with Cognito under a different identity ID."
            ) from None

    def lookup(
        self,
        account_id: str,
        pool_id: str,
        identity_id: str | None,
        user_id: str | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[str, list[str], str | None]:
        if identity_id is None and user_id is None:
            raise errors.InvalidParameter("Either IdentityId or DeveloperUserIdentifier must not be null.")
        pool = self._pools.get(account_id, pool_id)
        developer = pool.developer_provider_name
        if not developer:
            raise errors.ResourceNotFound(f"IdentityPool '{pool_id}' has no developer provider.")
        if user_id is not None:
            found = self._store.identity_for_login(pool.pool_id, Login(developer, developer_user_id(user_id)))
            if found is None:
                if identity_id is not None:
                    raise errors.ResourceConflict("The developer user identifier does not match the identity id.")
                raise errors.ResourceNotFound(f"DeveloperUserIdentifier '{user_id}' not found in this identity pool.")
            if identity_id is not None and found.identity_id != identity_id:
                raise errors.ResourceConflict("The developer user identifier does not match the identity id.")
            identity = found
        else:
            assert identity_id is not None
            identity = self.describe(account_id, identity_id)
            self._require_in_pool(identity, pool)
        page, token = paging.page_of(sorted(identity.logins_of(developer)), max_results or 60, next_token, "lookup")
        return identity.identity_id, page, token

    def merge(self, account_id: str, pool_id: str, provider: str, source_user: str, destination_user: str) -> str:
        """MergeDeveloperIdentities: the source user's identity gives all its logins to the
        destination user's identity and is disabled. The store finds both identities inside
        its transaction, so concurrent merges (a->b with b->c) cannot strand a login on an
        identity another merge has just disabled."""
        pool = self._pools.get(account_id, pool_id)
        if provider != pool.developer_provider_name:
            raise errors.InvalidParameter(f"'{provider}' is not the developer provider of this identity pool.")

        def check(src: Identity, dst: Identity) -> None:
            if len(set(src.logins) | set(dst.logins)) > MAX_LINKED_LOGINS:
                raise errors.LimitExceeded(
                    f"The two identities together have more than {MAX_LINKED_LOGINS} linked logins."
                )
            shared = {lg.provider for lg in src.logins} & {lg.provider for lg in dst.logins}
            shared.discard(provider)  # many developer user ids per identity are allowed
            if shared:
                raise errors.ResourceConflict(
                    f"Both identities have a different login for the same provider ({', '.join(sorted(shared))})."
                )

        source = Login(provider, developer_user_id(source_user))
        destination = Login(provider, developer_user_id(destination_user))
        try:
            merged = self._store.merge_logins(pool.pool_id, source, destination, self._clock.now(), check)
        except storage.NotFound as exc:
            subject = exc.login.subject if exc.login is not None else source_user
            raise errors.ResourceNotFound(f"DeveloperUserIdentifier '{subject}' not found in this identity pool.") from None
        except storage.Disabled as exc:
            raise errors.ResourceConflict(
                f"Identity '{exc.identity_id}' is disabled (it was merged into another identity)."
            ) from None
        return merged.identity_id

    def unlink_developer(self, account_id: str, identity_id: str, pool_id: str, provider: str, user_id: str) -> None:
        pool = self._pools.get(account_id, pool_id)
        if provider != pool.developer_provider_name:
            raise errors.InvalidParameter(f"'{provider}' is not the developer provider of this identity pool.")
        identity = self.describe(account_id, identity_id)
        self._require_in_pool(identity, pool)
        login = Login(provider, developer_user_id(user_id))
        _, removed = self._store.unlink_logins(identity_id, self._clock.now(), logins=[login])
        if removed == 0:
            raise errors.ResourceConflict(
                f"Developer user '{user_id}' is not linked to identity '{identity_id}'."
            )

    # === identity management (signed) ===================================================
    def describe(self, account_id: str, identity_id: str) -> Identity:
        try:
            identity = self._store.get_identity(identity_id)
        except storage.NotFound:
            raise identity_not_found(identity_id) from None
        if identity.account_id != account_id:
            raise identity_not_found(identity_id)
        return identity

    def list_identities(
        self, account_id: str, pool_id: str, max_results: int, next_token: str | None, hide_disabled: bool
    ) -> tuple[list[Identity], str | None]:
        pool = self._pools.get(account_id, pool_id)
        return paging.listing(lambda after, n: self._store.list_identities(pool.pool_id, n, after, hide_disabled),
                              max_results, next_token, "identity", lambda identity: identity.identity_id)

    def delete(
        self, account_id: str, identity_ids: Sequence[str], may_delete: Callable[[str], bool] = lambda pool_id: True
    ) -> list[tuple[str, str]]:
        """DeleteIdentities: returns the unprocessed (identity id, error code) pairs.
        Ids of another account, or in a pool ``may_delete`` refuses, are AccessDenied;
        unknown ids count as deleted."""
        unprocessed: list[tuple[str, str]] = []
        mine: list[str] = []
        for identity_id in identity_ids:
            try:
                identity = self._store.get_identity(identity_id)
            except storage.NotFound:
                continue
            if identity.account_id != account_id or not may_delete(identity.pool_id):
                unprocessed.append((identity_id, "AccessDenied"))
            else:
                mine.append(identity_id)
        self._store.delete_identities(mine)
        return unprocessed

    # === public operations (unsigned) ====================================================
    def get_id(self, pool_id: str, logins: Mapping[str, str] | None) -> str:
        pool = self._pools.get(None, pool_id)
        if logins:
            for provider, value in logins.items():
                raise self._public_login_refused(pool, provider, value)
        if not pool.allow_unauthenticated:
            raise unauthenticated_not_supported()
        identity = self._new_identity(pool, authenticated=False)
        try:
            self._store.create_identity(identity, self._max_guests)
        except storage.NotFound:
            raise self._pool_gone(pool) from None
        except storage.LimitReached:
            # idpool's own cap (AWS has none): Cognito's word for a full quota.
            raise errors.LimitExceeded(
                f"The number of unauthenticated identities in identity pool {pool.pool_id} has reached "
                f"the limit of {self._max_guests}."
            ) from None
        return identity.identity_id

    def get_open_id_token(self, identity_id: str, logins: Mapping[str, str] | None) -> IssuedToken:
        """GetOpenIdToken (basic flow). Gated by AllowClassicFlow, which defaults to false."""
        identity, pool, claims = self.authenticate_identity(identity_id, logins)
        if not pool.allow_classic_flow:
            raise errors.InvalidParameter("Basic (classic) flow is not enabled, please use enhanced flow.")
        amr: list[str] = list(claims["amr"]) if claims else ["unauthenticated"]
        tags = tags_from_claims(claims) if claims else None
        token = self._factory.issue(
            pool, self._pools.arn(pool), identity.identity_id, amr, self._clock.now(),
            tokens.OPEN_ID_TOKEN_SECONDS, tags,
        )
        self.note_used(identity)
        return IssuedToken(identity.identity_id, token)

    def unlink_identity(self, identity_id: str, logins: Mapping[str, str], providers: Sequence[str]) -> None:
        identity, _, claims = self.authenticate_identity(identity_id, logins)
        if claims is None:
            raise errors.NotAuthorized("UnlinkIdentity needs a login linked to the identity.")
        removable = [p for p in providers if p != COGNITO_IDENTITY]
        self._store.unlink_logins(identity.identity_id, self._clock.now(), providers=removable)

    def authenticate_identity(
        self, identity_id: str, logins: Mapping[str, str] | None
    ) -> tuple[Identity, IdentityPool, dict[str, Any] | None]:
        """Who may act as ``identity_id`` on a public operation: a guest identity with no
        logins or with its own guest token (when the pool allows guests), or the holder of a
        valid login for it. Returns the identity, its pool and the verified token's claims
        (None for a guest without a token; a guest token's claims say ``amr: ["unauthenticated"]``)."""
        try:
            identity = self._store.get_identity(identity_id)
        except storage.NotFound:
            raise identity_not_found(identity_id) from None
        pool = self._pools.get(None, identity.pool_id)
        if identity.disabled:
            raise errors.NotAuthorized(
                f"Identity '{identity_id}' is disabled.", detail="it was merged into another identity"
            )
        if not logins:
            if identity.authenticated:
                raise tokens.logins_dont_match(detail="the identity has linked logins but none was presented")
            if not pool.allow_unauthenticated:
                raise unauthenticated_not_supported()
            return identity, pool, None
        for provider, value in logins.items():
            if provider != COGNITO_IDENTITY:
                raise self._public_login_refused(pool, provider, value)
        claims = tokens.verify_cognito_login(
            self._factory.keys, logins[COGNITO_IDENTITY], identity, pool, self._clock.now()
        )
        if "authenticated" not in claims["amr"]:
            # A guest's own token (GetOpenIdToken without logins) still speaks for a guest:
            # it cannot act for an identity that has a login, nor outlive the pool's guest access.
            if identity.authenticated:
                raise tokens.logins_dont_match(detail="a guest token cannot act for an authenticated identity")
            if not pool.allow_unauthenticated:
                raise unauthenticated_not_supported()
        return identity, pool, claims

    def note_used(self, identity: Identity) -> None:
        """A guest that obtained a token or credentials is "used": the unused-guest cleanup
        never deletes it. One write per guest, ever: only while its record says unused."""
        if not identity.used and not identity.authenticated:
            self._store.mark_identity_used(identity.identity_id)

    # === helpers ===========================================================================
    def _new_identity(self, pool: IdentityPool, *, authenticated: bool) -> Identity:
        now = self._clock.now()
        return Identity(
            identity_id=new_regional_guid(self._pools.region),
            pool_id=pool.pool_id,
            account_id=pool.account_id,
            created_at=now,
            last_modified_at=now,
            authenticated=authenticated,
            used=authenticated,  # only guests are ever cleaned up as unused
        )

    @staticmethod
    def _require_in_pool(identity: Identity, pool: IdentityPool) -> None:
        if identity.pool_id != pool.pool_id:
            raise errors.InvalidParameter(
                f"Identity '{identity.identity_id}' does not belong to identity pool '{pool.pool_id}'."
            )

    def _public_login_refused(self, pool: IdentityPool, provider: str, value: str) -> errors.IdpoolError:
        if provider == COGNITO_IDENTITY:
            return errors.NotAuthorized("Invalid login token. Can't pass in a Cognito token.")
        if provider == pool.developer_provider_name:
            developer_user_id(value)  # a malformed parameter is reported before the refusal
            # D06: a client must not name a developer user itself; only the backend can.
            return errors.NotAuthorized(
                "Invalid login token. The developer provider can only be used through "
                "GetOpenIdTokenForDeveloperIdentity; pass the resulting token under "
                "'cognito-identity.amazonaws.com'."
            )
        return self._unverifiable(pool, provider)

    @staticmethod
    def _unverifiable(pool: IdentityPool, provider: str) -> errors.IdpoolError:
        if provider not in pool.supported_login_providers and provider not in pool.open_id_connect_provider_arns:
            return errors.NotAuthorized("Token is not from a supported provider of this identity pool.")
        return errors.ExternalService(
            f"idpool cannot validate tokens of '{provider}': it verifies developer authenticated "
            "identities and its own OpenID tokens only."
        )

    @staticmethod
    def _pool_gone(pool: IdentityPool) -> errors.ResourceNotFound:
        return errors.ResourceNotFound(f"IdentityPool '{pool.pool_id}' not found.")


def developer_user_id(value: str) -> str:
    """``value`` if it is a valid developer user identifier (1..1024 characters), else
    ``InvalidParameterException``; the value itself is not repeated (it may be long)."""
    if not 1 <= len(value) <= MAX_DEVELOPER_USER_ID_LENGTH:
        raise errors.InvalidParameter(
            f"DeveloperUserIdentifier must have length between 1 and {MAX_DEVELOPER_USER_ID_LENGTH}.",
            detail=f"the developer provider's Logins value has {len(value)} characters",
        )
    return value


def identity_not_found(identity_id: str) -> errors.ResourceNotFound:
    return errors.ResourceNotFound(f"Identity '{identity_id}' not found.")


def unauthenticated_not_supported() -> errors.NotAuthorized:
    return errors.NotAuthorized("Unauthenticated access is not supported for this identity pool.")
