"""Who is calling, and may they: the one authentication and authorization seam.

Every signed AWS API call goes through it, and so do the gateway's requests and the
console's actions: ``Authenticator.authenticate`` turns a SigV4-signed request into a
``Principal`` (root, an IAM user, or an assumed-role session), ``KeyPairSignIn`` does the
same for a key pair typed into the console's sign-in form; ``Authorizer.authorize``
decides whether that principal may perform an action on a resource, with IAM policy
evaluation (``idpool.policy``) in the caller's context, and ``Authorizer.explain`` says
why (the console's policy simulator, on principals from ``simulation``).

    principal.py     Principal, CognitoIdentity (a session's Cognito identity), the AccessDenied message
    credentials.py   root key, IAM users' keys, temporary credentials, CredentialChain
    authenticate.py  Authenticator: SigV4 verification against the credential chain
    sign_in.py       KeyPairSignIn: a key pair checked against the chain, in constant time
    authorizer.py    Authorizer protocol, PolicyAuthorizer
    simulation.py    principals to simulate: an IAM user, a role session (Cognito or not)
"""

from idpool.auth.authenticate import Authenticator
from idpool.auth.authorizer import Authorizer, PolicyAuthorizer
from idpool.auth.credentials import CredentialChain, RootCredentials, ensure_root_credentials
from idpool.auth.principal import CognitoIdentity, Principal, access_denied, cognito_identity
from idpool.auth.sign_in import KeyPairSignIn

__all__ = [
    "Authenticator",
    "Authorizer",
    "CognitoIdentity",
    "CredentialChain",
    "KeyPairSignIn",
    "PolicyAuthorizer",
    "Principal",
    "RootCredentials",
    "access_denied",
    "cognito_identity",
    "ensure_root_credentials",
]
