"""Declarative bootstrap: one file format for identity pools, IAM roles and users (and, for
import, identities), and the three tools that use it (docs/BOOTSTRAP.md):

- ``apply.apply`` makes an account match a file through the AWS APIs (idpool or real AWS);
- ``export.export`` writes an account as such a file, read through the same APIs;
- ``restore.import_document`` writes a file into an idpool store directly, keeping every id.

``document.load`` reads and checks a file; ``schema.json`` is its JSON Schema. Nothing is
imported here, so ``idpool`` commands that do not use these tools start without boto3.
"""
