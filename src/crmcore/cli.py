"""The ``crmcore`` command: serve, migrate, and administer accounts, members and keys.

The names and JSON outputs here are an interface other tools depend on: keep them stable.
"""

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from crmcore.accounts import service as account_service
from crmcore.accounts.members import active_caller, first_owner
from crmcore.accounts.service import Credentials
from crmcore.config import Settings
from crmcore.db import migrate as migrations
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory, unit_of_work
from crmcore.exports import service as export_service
from crmcore.exports.writers import ExportFormat
from crmcore.files.cleanup import discard
from crmcore.imports import service as import_service
from crmcore.jobs.runner import ContextFactory, JobRunner
from crmcore.kernel.context import Context
from crmcore.kernel.errors import CrmError, NotFound
from crmcore.kernel.pagination import CursorCodec
from crmcore.kernel.secrets import SecretBox, load_or_create_key
from crmcore.kernel.wire import utc_now
from crmcore.models.account import PlanTier, Role
from crmcore.models.job import Job, JobStatus
from crmcore.properties.indexing import IndexMaintainer
from crmcore.storage import BlobStore, UrlSigner
from crmcore.trash.service import purge_expired

app = typer.Typer(help="crmcore: a self-hostable CRM data platform (SOLAPI CRM Core compatible).")
accounts_app = typer.Typer(help="Tenants.")
members_app = typer.Typer(help="Members of a tenant.")
keys_app = typer.Typer(help="API keys.")
app.add_typer(accounts_app, name="accounts")
app.add_typer(members_app, name="members")
app.add_typer(keys_app, name="keys")

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


class PlanChoice(StrEnum):
    FREE = "FREE"
    STARTER = "STARTER"
    PROFESSIONAL = "PROFESSIONAL"
    ENTERPRISE = "ENTERPRISE"


class RoleChoice(StrEnum):
    OWNER = "OWNER"
    MEMBER = "MEMBER"


@contextmanager
def _transaction(settings: Settings) -> Iterator[tuple[Session, SecretBox]]:
    engine = make_engine(settings)
    try:
        box = SecretBox(load_or_create_key(settings.secret_key, settings.secret_key_file))
        with make_session_factory(engine).begin() as session:
            yield session, box
    finally:
        engine.dispose()


def _run(action: Callable[[Session, SecretBox], T]) -> T:
    settings = Settings()
    migrations.upgrade(settings)
    try:
        with _transaction(settings) as (session, box):
            return action(session, box)
    except CrmError as error:
        err_console.print(f"[red]{error.code}[/red]: {error.message}")
        raise typer.Exit(1) from error


def _print_credentials(payload: dict[str, str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload))
    else:
        for key, value in payload.items():
            console.print(f"[bold]{key}[/bold]: {value}")


def _credentials(credentials: Credentials) -> dict[str, str]:
    return {
        "memberId": credentials.member_id,
        "apiKey": credentials.api_key,
        "apiSecret": credentials.api_secret,
    }


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    migrations.upgrade(Settings())
    console.print("Database is up to date.")


@app.command()
def purge() -> None:
    """Delete for good what has been in a trash longer than its retention (14 days)."""
    settings = Settings()
    migrations.upgrade(settings)
    with _transaction(settings) as (session, _box):
        report = purge_expired(session, utc_now())
    discard(BlobStore(settings.files_root), report.blob_keys)
    console.print(f"Purged {report.records} records and {report.entities} entities.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
) -> None:
    """Migrate the database, create a first account if there is none, and serve the API."""
    import uvicorn

    settings = Settings()
    migrations.upgrade(settings)
    with _transaction(settings) as (session, box):
        first = None
        if not account_service.any_account(session):
            first = account_service.create_account(session, box, PlanTier.ENTERPRISE)
    if first is not None:
        _print_welcome(first.account_id, first.credentials, host, port)
    uvicorn.run(
        "crmcore.app:create_app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level=settings.log_level.lower(),
    )


def _print_welcome(account_id: str, credentials: Credentials, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    console.rule("[bold green]crmcore: your first account")
    console.print(f"accountId: {account_id}")
    console.print(f"memberId:  {credentials.member_id} (OWNER)")
    console.print(f"apiKey:    [bold]{credentials.api_key}[/bold]")
    console.print(f"apiSecret: [bold]{credentials.api_secret}[/bold]  (shown once; keep it safe)")
    console.print("\n[bold]Try it with curl:[/bold]", highlight=False)
    console.print(
        f"API_KEY={credentials.api_key} API_SECRET={credentials.api_secret}\n"
        "DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ); SALT=$(openssl rand -hex 16)\n"
        'SIG=$(printf \'%s\' "$DATE$SALT" | openssl dgst -sha256 -hmac "$API_SECRET" '
        "| sed 's/^.* //')\n"
        f'curl -s {base}/crm-core/v1/entities -H "Authorization: HMAC-SHA256 '
        'apiKey=$API_KEY, date=$DATE, salt=$SALT, signature=$SIG"',
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print("\n[bold]Or with Python (standard library only):[/bold]", highlight=False)
    console.print(
        "import datetime, hmac, hashlib, secrets, urllib.request\n"
        f'key, secret = "{credentials.api_key}", "{credentials.api_secret}"\n'
        'date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")'
        '.replace("+00:00", "Z")\n'
        "salt = secrets.token_hex(16)\n"
        "signature = hmac.new(secret.encode(), (date + salt).encode(), hashlib.sha256)"
        ".hexdigest()\n"
        f'request = urllib.request.Request("{base}/crm-core/v1/entities", headers={{\n'
        '    "Authorization": f"HMAC-SHA256 apiKey={key}, date={date}, salt={salt}, '
        'signature={signature}"})\n'
        "print(urllib.request.urlopen(request).read().decode())",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.rule()


@accounts_app.command("create")
def accounts_create(
    plan: Annotated[PlanChoice, typer.Option(help="Plan tier.")] = PlanChoice.ENTERPRISE,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create a tenant with an OWNER member and an API key."""
    created = _run(
        lambda session, box: account_service.create_account(session, box, PlanTier(plan.value))
    )
    _print_credentials(
        {"accountId": created.account_id, **_credentials(created.credentials)}, as_json
    )


@accounts_app.command("set-plan")
def accounts_set_plan(account_id: str, plan: PlanChoice) -> None:
    """Change a tenant's plan tier."""
    _run(lambda session, _box: account_service.set_plan(session, account_id, PlanTier(plan.value)))
    console.print(f"Account {account_id} is now on {plan.value}.")


@members_app.command("create")
def members_create(
    account: Annotated[str, typer.Option("--account", help="Account ID.")],
    role: Annotated[RoleChoice, typer.Option("--role", help="CRM role.")] = RoleChoice.MEMBER,
    workspace: Annotated[str, typer.Option(help="Workspace ID (empty: the account).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Add a member to a tenant, with an API key."""
    credentials = _run(
        lambda session, box: account_service.create_member(
            session, box, account, Role(role.value), workspace
        )
    )
    _print_credentials(_credentials(credentials), as_json)


@keys_app.command("create")
def keys_create(
    member: Annotated[str, typer.Option("--member", help="Member ID.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Issue another API key for a member."""
    credentials = _run(lambda session, box: account_service.create_key(session, box, member))
    _print_credentials(_credentials(credentials), as_json)


@keys_app.command("revoke")
def keys_revoke(api_key: str) -> None:
    """Revoke an API key; it stops working at once."""
    _run(lambda session, _box: account_service.revoke_key(session, api_key))
    console.print(f"API key {api_key} is revoked.")


# --- jobs run in this process (export; reusable for import) --------------------------------------


@dataclass(frozen=True)
class LocalJobs:
    """What a job needs to run inside the CLI: the server's Context, without a server."""

    factory: sessionmaker[Session]
    make_context: ContextFactory
    runner: JobRunner
    blobs: BlobStore


@contextmanager
def local_jobs(settings: Settings) -> Iterator[LocalJobs]:
    from crmcore.app import job_context_factory, job_handlers  # loads FastAPI: only here

    engine = make_engine(settings)
    key = load_or_create_key(settings.secret_key, settings.secret_key_file)
    state = SimpleNamespace(
        settings=settings,
        signer=UrlSigner(key, timedelta(seconds=settings.file_url_ttl_seconds)),
        cursors=CursorCodec(hashlib.sha256(b"cursor:" + key.encode()).digest()),
        indexes=IndexMaintainer(engine, min_records=settings.property_indexes_min_records),
        blobs=BlobStore(settings.files_root),
    )
    factory = make_session_factory(engine)
    make_context = job_context_factory(state)
    runner = JobRunner(factory, make_context, job_handlers(), workers=0)
    try:
        yield LocalJobs(factory, make_context, runner, state.blobs)
    finally:
        state.indexes.close()
        engine.dispose()


@contextmanager
def as_first_owner(jobs: LocalJobs, account_id: str) -> Iterator[Context]:
    """One unit of work as the account's first active OWNER (whom the CLI acts as)."""
    with unit_of_work(jobs.factory) as uow:
        member_id = first_owner(uow.session, account_id)
        caller = None if member_id is None else active_caller(uow.session, account_id, member_id)
        if caller is None:
            raise NotFound(f"Account '{account_id}' has no active OWNER")
        yield jobs.make_context(uow, caller, utc_now())


def run_job_locally(jobs: LocalJobs, job_id: str, description: str) -> Job:
    """Run a queued job here with a progress bar; returns the job once it has ended. A job that
    a server's worker claimed first is followed instead, until it ends."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err_console) as progress:
        task = progress.add_task(description, total=None)

        def show(job: Job) -> None:
            progress.update(task, completed=job.progress, total=job.total or None)

        while True:
            # Claimable again if the worker that had it died (its lease ran out).
            run = jobs.runner.claim(job_id)
            if run is not None:
                show(run.job)
                jobs.runner.run(run, on_progress=show)
            with jobs.factory() as session:
                job = session.get(Job, job_id)
            assert job is not None
            show(job)
            if job.status in (JobStatus.COMPLETED, JobStatus.FAILED):
                return job
            time.sleep(0.5)


class ExportFileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@app.command("export")
def export_records(
    entity: Annotated[str, typer.Option("--entity", help="Entity ID.")],
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False, help="File to write.")],
    file_format: Annotated[
        ExportFileFormat, typer.Option("--format", help="File format.")
    ] = ExportFileFormat.CSV,
    account: Annotated[
        str | None, typer.Option("--account", help="Account ID (default: the entity's).")
    ] = None,
) -> None:
    """Export an entity's records to a CSV or XLSX file (as the account's first OWNER; the
    same file as the API's export, without its plan check)."""
    settings = Settings()
    migrations.upgrade(settings)
    chosen = ExportFormat.EXCEL if file_format is ExportFileFormat.XLSX else ExportFormat.CSV
    request = export_service.ExportRequest(entity, chosen)
    try:
        with local_jobs(settings) as jobs:
            if account is None:
                with jobs.factory() as session:
                    account = export_service.account_of_entity(session, entity)
            with as_first_owner(jobs, account) as ctx:
                job_id = export_service.queue(ctx, request).job_id
            job = run_job_locally(jobs, job_id, "Exporting")
            if job.status != JobStatus.COMPLETED:
                err_console.print(f"[red]Export failed[/red]: {job.error}")
                raise typer.Exit(1)
            with as_first_owner(jobs, account) as ctx:
                stored = export_service.result_file(ctx, job)
                assert stored is not None
                shutil.copyfile(ctx.blobs.path(stored.storage_key), output)
    except CrmError as error:
        err_console.print(f"[red]{error.code}[/red]: {error.message}")
        raise typer.Exit(1) from error
    console.print(f"Exported {job.progress} records to {output}.", soft_wrap=True, highlight=False)


@app.command("import")
def import_records(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .csv, .xlsx or .xls file.")
    ],
    entity: Annotated[str, typer.Option("--entity", help="Entity ID.")],
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Sheet (default: the first).")
    ] = None,
    header: Annotated[bool, typer.Option(help="The first row holds column names.")] = True,
    mappings: Annotated[
        str | None,
        typer.Option(
            "--mappings",
            help='Column index -> target as JSON, e.g. \'{"0":"__name__"}\' (default: by header)',
        ),
    ] = None,
    links: Annotated[
        str | None, typer.Option("--links", help="linkConfigs as JSON (see the API).")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Account ID (default: the entity's).")
    ] = None,
) -> None:
    """Import records from a spreadsheet (as the account's first OWNER): the same job as the
    API's import, with a progress bar. Bad rows are reported and skipped."""
    settings = Settings()
    migrations.upgrade(settings)
    form = import_service.ImportForm(
        entity_id=entity,
        sheet_name=sheet,
        has_header="true" if header else "false",
        column_mappings=mappings,
        link_configs=links,
    )
    try:
        with local_jobs(settings) as jobs:
            if account is None:
                with jobs.factory() as session:
                    account = export_service.account_of_entity(session, entity)
            # The job keeps its own copy of the file (it may resume from it).
            scratch = jobs.blobs.scratch("import-")
            try:
                shutil.copyfile(file, scratch)
                upload = import_service.Upload(scratch, file.name, scratch.stat().st_size)
                with as_first_owner(jobs, account) as ctx:
                    job_id = import_service.start(ctx, upload, form, skip_automation=False).job_id
            finally:
                scratch.unlink(missing_ok=True)
            job = run_job_locally(jobs, job_id, "Importing")
    except CrmError as error:
        err_console.print(f"[red]{error.code}[/red]: {error.message}")
        raise typer.Exit(1) from error
    for row_error in job.errors[:20]:
        err_console.print(
            f"row {row_error['row']}, column {row_error['column']}: {row_error['message']}",
            highlight=False,
            markup=False,
        )
    if job.failed > 20:
        err_console.print(f"... and {job.failed - 20} more rows with errors", highlight=False)
    if job.status != JobStatus.COMPLETED:
        err_console.print(f"[red]Import failed[/red]: {job.error}")
        raise typer.Exit(1)
    console.print(
        f"Imported {job.created} records from {file.name}; {job.failed} rows had errors.",
        soft_wrap=True,
        highlight=False,
    )


def main() -> None:
    app()
