"""``idpool apply FILE [--dry-run]`` and ``idpool export [--identities]``: the bootstrap
file against any server that speaks the AWS APIs, found as the AWS CLI finds it
(``--endpoint-url`` or ``AWS_ENDPOINT_URL*``, ``AWS_*`` credentials, ``--profile``,
``--region``); and the work of ``idpool import``, which writes a store (its command, with
``serve``'s store settings, is in ``idpool.cli``).

Every failure is one line and exit status 1; secrets only ever go to stdout, once. boto3,
PyYAML and jsonschema are imported when a command runs, so ``idpool serve`` does not pay
for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from idpool.bootstrap.errors import BootstrapError

if TYPE_CHECKING:
    from idpool.bootstrap.document import Document
    from idpool.bootstrap.report import NewAccessKey
    from idpool.settings import Settings

_ENDPOINT = click.option("--endpoint-url", default=None, help="Send every call here (else AWS_ENDPOINT_URL*, as the AWS CLI)")
_REGION = click.option("--region", default=None, help="AWS region (else AWS_DEFAULT_REGION, the profile)")
_PROFILE = click.option("--profile", default=None, help="A profile of the AWS config files (else AWS_PROFILE)")


@click.command("apply")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing")
@_ENDPOINT
@_REGION
@_PROFILE
def apply_command(file: Path, dry_run: bool, endpoint_url: str | None, region: str | None, profile: str | None) -> None:
    """Create or update identity pools, roles and users as FILE (YAML or JSON) describes."""
    from idpool.bootstrap.apply import apply
    from idpool.bootstrap.aws import Clients, session
    from idpool.bootstrap.report import Report

    document = load_or_exit(file)
    if dry_run:
        click.echo(f"Plan for {file} (dry run: nothing is changed):")
    try:
        clients = Clients.from_session(session(profile, region), endpoint_url)
        report = apply(document, clients, Report(dry_run=dry_run, emit=click.echo))
    except BootstrapError as exc:
        raise click.ClickException(f"apply {file}: {exc}") from None
    click.echo(report.summary())
    show_new_keys(report.new_access_keys)


@click.command("export")
@click.option("--identities", is_flag=True, help="Also every pool's identities with their logins")
@_ENDPOINT
@_REGION
@_PROFILE
def export_command(identities: bool, endpoint_url: str | None, region: str | None, profile: str | None) -> None:
    """Write the account's identity pools, roles and users (no secrets) as YAML to stdout."""
    from idpool.bootstrap.aws import Clients, session
    from idpool.bootstrap.export import dump, export

    try:
        clients = Clients.from_session(session(profile, region), endpoint_url)
        document = export(clients, identities=identities, warn=lambda text: click.echo(f"warning: {text}", err=True))
    except BootstrapError as exc:
        raise click.ClickException(f"export: {exc}") from None
    click.echo(dump(document), nl=False)


def load_or_exit(file: Path) -> Document:
    from idpool.bootstrap.document import load

    try:
        return load(file)
    except BootstrapError as exc:
        raise click.ClickException(str(exc)) from None


def show_new_keys(keys: list[NewAccessKey]) -> None:
    if keys:
        click.echo("New access keys; their secrets are shown this once:")
        for key in keys:
            click.echo(f"  user {key.user}: AWS_ACCESS_KEY_ID={key.access_key_id} "
                       f"AWS_SECRET_ACCESS_KEY={key.secret_access_key}")


def import_into(file: Path, settings: Settings, where: str) -> None:
    """``idpool import FILE``: into the store of ``settings`` (``where`` names it, without
    credentials), one line per record, then a summary."""
    import datetime as dt

    from idpool import storage
    from idpool.bootstrap.restore import ImportReport, import_document
    from idpool.storage.open import open_store

    if (settings.database_url or "").startswith("memory://"):
        raise click.ClickException("--database-url memory:// lives in one process: import into SQLite or "
                                   "PostgreSQL, or use `idpool serve --bootstrap` (or the testing kit's snapshot)")
    document = load_or_exit(file)
    try:
        store = open_store(settings.database_url, settings.data_dir)
    except Exception as exc:  # any driver's failure to open is one line
        raise click.ClickException(f"cannot open {where}: {exc}") from None
    try:
        report = import_document(document, store, account_id=settings.account_id, region=settings.region,
                                 now=dt.datetime.now(dt.UTC), report=ImportReport(emit=click.echo))
    except BootstrapError as exc:
        raise click.ClickException(f"import {file}: {exc}") from None
    except storage.StorageError as exc:
        raise click.ClickException(f"import {file}: cannot write to {where}: {exc}") from None
    finally:
        store.close()
    for note in report.notes:
        click.echo(f"  note: {note}")
    click.echo(report.summary())
