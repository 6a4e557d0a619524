"""Who is calling, and may they: the one authentication and authorization seam.

Every signed AWS API call goes through it, and so will the gateway's requests and the
console's actions: ``Authenticator.authenticate`` turns a SigV4-signed request into a
``Principal`` (root, an IAM user, or an assumed-role session); ``Authorizer.authorize``
decides whether that principal may perform an action on a resource, with IAM policy
evaluation (``idpool.policy``) in the caller's context.

    principal.py     Principal, CognitoIdentity (a session's Cognito identity), the AccessDenied message
    credentials.py   root key, IAM users' keys, temporary credentials, CredentialChain
    authenticate.py  Authenticator: SigV4 verification against the credential chain
    authorizer.py    Authorizer protocol, PolicyAuthorizer
"""

from idpool.auth.authenticate import Authenticator
from idpool.auth.authorizer import Authorizer, PolicyAuthorizer
from idpool.auth.credentials import CredentialChain, RootCredentials, ensure_root_credentials
from idpool.auth.principal import CognitoIdentity, Principal, access_denied, cognito_identity

__all__ = [
    "Authenticator",
    "Authorizer",
    "CognitoIdentity",
    "CredentialChain",
    "PolicyAuthorizer",
    "Principal",
    "RootCredentials",
    "access_denied",
    "cognito_identity",
    "ensure_root_credentials",
]
