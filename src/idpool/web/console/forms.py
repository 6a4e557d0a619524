"""Reading the console's forms, and saying where a policy document goes wrong.

Multi-valued settings are typed one per line (``key=value`` for maps, as the AWS CLI's
shorthand writes them); a line that does not parse is refused naming its number, before
anything is sent. A policy document the API refuses as ``MalformedPolicyDocument`` is shown
with the line and column of a JSON syntax error and that line quoted, or with the API's
account of which statement and element are wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from idpool.web.console.client import ConsoleError


def invalid(message: str) -> ConsoleError:
    return ConsoleError("InvalidInput", message, 400)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def pairs(text: str, what: str, sep: str = "=") -> dict[str, str]:
    """``key=value`` lines as a map; a line without the separator or a repeated key is refused."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, has_sep, value = line.partition(sep)
        key, value = key.strip(), value.strip()
        if not has_sep or not key:
            raise invalid(f"{what}, line {number}: write each entry as key{sep}value.")
        if key in found:
            raise invalid(f"{what}, line {number}: '{key}' is given twice.")
        found[key] = value
    return found


def count(text: str, limit: int) -> int:
    """A row count sent back by a form: a small non-negative number, else none."""
    return min(int(text), limit) if text.isascii() and text.isdigit() and len(text) <= 6 else 0


def pairs_text(mapping: Mapping[str, str], sep: str = "=") -> str:
    return "\n".join(f"{key}{sep}{value}" for key, value in mapping.items())


INVALID_JSON = "This policy contains invalid Json"  # IAM's words for it (MalformedPolicyDocument)


@dataclass(frozen=True)
class PolicyProblem:
    """What the editor shows under a refused policy document."""

    message: str
    line: int | None = None
    column: int | None = None
    excerpt: str | None = None  # the offending line, as typed

    @property
    def where(self) -> str | None:
        return f"Line {self.line}, column {self.column}" if self.line is not None else None

    @property
    def caret(self) -> str:
        """A ``^`` under the column, for the quoted line."""
        return " " * max((self.column or 1) - 1, 0) + "^"


def policy_problem(error: ConsoleError, text: str) -> PolicyProblem:
    """Where a refused policy document is wrong: a JSON syntax error by line and column (read
    here, the same way the server reads it), else the API's message and detail."""
    try:
        json.loads(text)
    except json.JSONDecodeError as bad:
        source = text.splitlines()
        excerpt = source[bad.lineno - 1] if 0 < bad.lineno <= len(source) else None
        return PolicyProblem(f"{INVALID_JSON}: {bad.msg}", bad.lineno, bad.colno, excerpt)
    except ValueError:
        pass
    shown = f"{error.message} ({error.detail})" if error.detail and error.detail not in error.message else error.message
    return PolicyProblem(shown)
