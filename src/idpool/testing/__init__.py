"""idpool in a test suite (docs/TESTING.md): the pytest plugin (``idpool.testing.plugin``,
loaded by itself once idpool is installed: fixtures ``idpool``, ``idpool_env`` and
``idpool_factory``) and, outside pytest, ``idpool.testing.server()``:

    with idpool.testing.server(bootstrap="idpool.yaml") as idp:
        cognito = idp.client("cognito-identity")
"""

from __future__ import annotations

from idpool.testing.kit import IdpoolServer, server, start_server

__all__ = ["IdpoolServer", "server", "start_server"]
