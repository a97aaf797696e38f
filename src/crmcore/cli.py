"""The ``crmcore`` command: serve, migrate, and administer accounts, members and keys.

The names and JSON outputs here are an interface other tools depend on: keep them stable.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from crmcore.accounts import service as account_service
from crmcore.accounts.service import Credentials
from crmcore.config import Settings
from crmcore.db import migrate as migrations
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.errors import CrmError
from crmcore.kernel.secrets import SecretBox, load_or_create_key
from crmcore.kernel.wire import utc_now
from crmcore.models.account import PlanTier, Role
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


def main() -> None:
    app()
