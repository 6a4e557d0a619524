"""What ``idpool apply`` did, or would do with ``--dry-run``: one line per change, as it
happens, and a summary that says plainly when nothing changed.

    + identity pool "MyApp": create
    ~ role "MyApp_Auth": trust policy
    - role "MyApp_Auth": inline policy "old"
    Applied: 1 created, 1 updated, 2 unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

CREATE, UPDATE, DELETE = "+", "~", "-"


@dataclass(frozen=True)
class Change:
    symbol: str  # CREATE, UPDATE or DELETE
    resource: str  # 'identity pool "MyApp"', 'role "X"', 'user "ci"'
    text: str

    def line(self) -> str:
        return f"{self.symbol} {self.resource}: {self.text}"


@dataclass(frozen=True)
class NewAccessKey:
    """An access key apply created: its secret is known only now (as with CreateAccessKey)."""

    user: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass
class Report:
    dry_run: bool = False
    emit: Callable[[str], None] | None = None
    changes: list[Change] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)  # every resource the file names, in order
    notes: list[str] = field(default_factory=list)
    new_access_keys: list[NewAccessKey] = field(default_factory=list)

    def resource(self, name: str) -> None:
        if name not in self.resources:
            self.resources.append(name)

    def change(self, symbol: str, resource: str, text: str) -> None:
        change = Change(symbol, resource, text)
        self.resource(resource)
        self.changes.append(change)
        if self.emit is not None:
            self.emit(change.line())

    def note(self, text: str) -> None:
        self.notes.append(text)
        if self.emit is not None:
            self.emit(f"  note: {text}")

    def created(self) -> list[str]:
        return _unique(c.resource for c in self.changes if c.symbol == CREATE and c.text.startswith("create"))

    def updated(self) -> list[str]:
        created = set(self.created())
        return _unique(c.resource for c in self.changes if c.resource not in created)

    def unchanged(self) -> list[str]:
        touched = {c.resource for c in self.changes}
        return [r for r in self.resources if r not in touched]

    def summary(self) -> str:
        counts = f"{len(self.created())} created, {len(self.updated())} updated, {len(self.unchanged())} unchanged"
        if not self.changes:
            return f"No changes: all {len(self.resources)} resources of the file are as it describes them."
        if self.dry_run:
            return f"Plan: {counts.replace('created', 'to create').replace('updated', 'to update')}. Nothing was changed (dry run)."
        return f"Applied: {counts}."

    def lines(self) -> list[str]:
        """The whole report at once (``emit`` streams the change lines instead)."""
        return [c.line() for c in self.changes] + [f"  note: {n}" for n in self.notes] + [self.summary()]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
