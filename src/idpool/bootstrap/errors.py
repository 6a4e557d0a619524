"""The one error of the bootstrap tools: a file, or what a server answered, stops the work.

Its message is one line naming the file's place or the resource (the CLI prints it as is);
never a traceback, never a secret.
"""

from __future__ import annotations


class BootstrapError(ValueError):
    """A bootstrap file is invalid, or applying, exporting or importing it failed."""
