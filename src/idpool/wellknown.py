"""Names AWS fixes, defined once. Leaf module.

``cognito-identity.amazonaws.com`` is at once the ``Logins`` key of Cognito's own OpenID
tokens (GetCredentialsForIdentity, GetOpenIdToken), the federated principal of role trust
policies, the prefix of the condition keys ``:aud``, ``:amr`` and ``:sub``, and the
``aws:FederatedProvider`` of the sessions it opens (Amazon Cognito Developer Guide, "IAM
roles"; IAM User Guide, "Available keys for AWS web identity federation").
"""

from __future__ import annotations

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
