"""``crmcore import FILE --entity``: the API's import job, run in-process with a progress bar."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from crmcore.app import create_app
from crmcore.cli import app
from crmcore.config import Settings
from tests.builders import UNKNOWN_ENTITY, TenantFactory
from tests.imports.helpers import csv_bytes, deals, records_of, xlsx_bytes

runner = CliRunner()


@pytest.fixture
def tenants(settings: Settings) -> Iterator[TenantFactory]:
    """No job worker in the server: the CLI runs its job itself."""
    quiet = settings.model_copy(update={"job_workers": 0})
    with TestClient(create_app(quiet), raise_server_exceptions=False) as client:
        factory = TenantFactory(quiet, client)
        yield factory
        factory.close()


def _invoke(settings: Settings, *args: str) -> Any:
    env = {
        "CRMCORE_DATABASE_URL": settings.database_url,
        "CRMCORE_SECRET_KEY": settings.secret_key or "",
        "CRMCORE_FILES_DIR": str(settings.files_root),
    }
    return runner.invoke(app, ["import", *args], env=env)


def test_import_creates_the_records_and_reports_bad_rows(
    settings: Settings, tenants: TenantFactory, tmp_path: Path
) -> None:
    owner = tenants.account()
    d = deals(owner)
    source = tmp_path / "deals.csv"
    source.write_bytes(csv_bytes([["Name", "Amount"], ["a", "1"], ["b", "two"], ["c", "3"]]))
    result = _invoke(settings, str(source), "--entity", d.entity_id)
    assert result.exit_code == 0, result.output
    assert "Imported 2 records from deals.csv; 1 rows had errors." in result.stdout
    assert "row 3, column 1: Amount: must be a number" in result.stderr
    found = records_of(owner, d.entity_id)
    assert [(r["name"], r["data"]) for r in found] == [
        ("a", {d.ids["NUMBER"]: 1}),
        ("c", {d.ids["NUMBER"]: 3}),
    ]
    assert all(r["ownerId"] == owner.member_id for r in found)  # the account's first OWNER
    assert source.exists()  # the user's file is copied, never moved


def test_import_of_a_sheet_with_explicit_mappings(
    settings: Settings, tenants: TenantFactory, tmp_path: Path
) -> None:
    owner = tenants.account()
    d = deals(owner)
    source = tmp_path / "book.xlsx"
    source.write_bytes(xlsx_bytes({"Skip": [["x"]], "Data": [["Acme", "Kim"]]}))
    mappings = json.dumps({"0": d.ids["TEXT"], "1": "__name__"})
    result = _invoke(
        settings, str(source), "--entity", d.entity_id, "--account", owner.account_id,
        "--sheet", "Data", "--no-header", "--mappings", mappings,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (record,) = records_of(owner, d.entity_id)
    assert (record["name"], record["data"]) == ("Kim", {d.ids["TEXT"]: "Acme"})


def test_import_errors_exit_1_and_write_nothing(
    settings: Settings, tenants: TenantFactory, tmp_path: Path
) -> None:
    owner = tenants.account()
    d = deals(owner)
    source = tmp_path / "deals.csv"
    source.write_bytes(csv_bytes([["Name"], ["a"]]))
    unknown = _invoke(settings, str(source), "--entity", UNKNOWN_ENTITY)
    assert unknown.exit_code == 1
    assert "ResourceNotFound" in unknown.stderr
    bad = _invoke(settings, str(source), "--entity", d.entity_id, "--mappings", "{oops")
    assert bad.exit_code == 1
    assert "ValidationError: columnMappings: not valid JSON" in bad.stderr
    assert records_of(owner, d.entity_id) == []
