"""Principals to simulate: "would this identity be allowed X on Y?" on the authorizer itself.

The console's policy simulator asks ``Authorizer.explain`` about a principal that is not
the caller: an IAM user, or a session of a role as the enhanced flow would start it for a
Cognito identity (``CognitoIdentityCredentials``, with the token's ``sub``, ``aud`` and
``amr`` as condition keys and policy variables) or as ``AssumeRole`` would. The principal
is built the way the credential chain builds a real one, so the decision is the one a real
call by that identity gets: same policies, same condition keys, same evaluator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from idpool.auth.principal import Principal
from idpool.model import Role, User
from idpool.sts.session_tokens import Session
from idpool.wellknown import COGNITO_IDENTITY

ENHANCED_FLOW_SESSION = "CognitoIdentityCredentials"  # the session name GetCredentialsForIdentity uses
_SIMULATED_KEY = "ASIASIMULATEDSESSION"  # never issued: a simulated session signs nothing
_SESSION_SECONDS = 3600


def user_principal(user: User, partition: str = "aws") -> Principal:
    """``user`` as a signature by one of its access keys makes it."""
    return Principal(kind="user", account_id=user.account_id, arn=user.arn_in(partition), user_id=user.user_id,
                     name=user.name,
                     access_key_id=_SIMULATED_KEY, attributes={"user": user})


def role_session_principal(
    role: Role, now: dt.datetime, *, identity_id: str | None = None, pool_id: str | None = None,
    amr: Sequence[str] = (), session_name: str = ENHANCED_FLOW_SESSION, partition: str = "aws",
) -> Principal:
    """A session of ``role`` starting ``now``. With ``identity_id`` or ``pool_id`` it is a Cognito
    web identity's session: the condition keys ``cognito-identity.amazonaws.com:sub``, ``:aud``
    and ``:amr`` hold them, as they do for credentials from ``GetCredentialsForIdentity``."""
    web_identity = None
    if identity_id is not None or pool_id is not None:
        web_identity = {"sub": identity_id or "", "aud": pool_id or "", "amr": list(amr), "provider": COGNITO_IDENTITY}
    session = Session(
        access_key_id=_SIMULATED_KEY, secret_access_key="", account_id=role.account_id, role_name=role.name,
        role_id=role.role_id, role_path=role.path, session_name=session_name, issued_at=now,
        expires_at=now + dt.timedelta(seconds=_SESSION_SECONDS),
        source="web-identity" if web_identity else "assume-role", web_identity=web_identity, partition=partition,
    )
    return Principal(kind="assumed-role", account_id=session.account_id, arn=session.arn, user_id=session.user_id,
                     name=role.name, access_key_id=_SIMULATED_KEY, session_name=session_name,
                     attributes={"session": session})
