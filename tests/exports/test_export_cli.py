"""``crmcore export``: the same file as the API's export, run in-process with a progress bar."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from crmcore.app import create_app
from crmcore.cli import app
from crmcore.config import Settings
from crmcore.models.account import PlanTier
from tests.builders import UNKNOWN_ENTITY, TenantFactory
from tests.exports.support import exported, make_deals, sync_url

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
        "CRMCORE_SECRET_KEY": "cli-test-key",
        "CRMCORE_FILES_DIR": str(settings.files_root),
    }
    return runner.invoke(app, ["export", *args], env=env)


def test_export_writes_the_api_file(
    settings: Settings, tenants: TenantFactory, tmp_path: Path
) -> None:
    owner = tenants.account()
    deals = make_deals(owner)
    for index in range(3):
        deals.record(owner, f"=R{index}", Amount=-index, Phone="010-1234-5678")
    api_csv = exported(settings, sync_url(owner, deals.entity_id, "csv")).content
    api_xlsx = exported(settings, sync_url(owner, deals.entity_id, "excel")).rows()

    target = tmp_path / "out.csv"
    result = _invoke(settings, "--entity", deals.entity_id, "--format", "csv", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert f"Exported 3 records to {target}." in result.stdout
    assert target.read_bytes() == api_csv

    workbook = tmp_path / "out.xlsx"
    result = _invoke(
        settings, "--entity", deals.entity_id, "--format", "xlsx", "--output", str(workbook),
        "--account", owner.account_id,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(workbook, read_only=True)
    assert [list(row) for row in book.worksheets[0].iter_rows(values_only=True)] == api_xlsx
    book.close()


def test_export_is_the_operator_tool_so_the_plan_does_not_limit_it(
    settings: Settings, tenants: TenantFactory, tmp_path: Path
) -> None:
    owner = tenants.account()
    deals = make_deals(owner)
    deals.record(owner, "Only")
    tenants.set_plan(owner.account_id, PlanTier.FREE)
    target = tmp_path / "free.csv"
    result = _invoke(settings, "--entity", deals.entity_id, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().decode("utf-8-sig").split("\r\n")[1].split(",")[1] == "Only"


def test_errors_exit_1_with_the_error(
    settings: Settings, tenants: TenantFactory, tmp_path: Path
) -> None:
    owner = tenants.account()
    deals = make_deals(owner)
    target = tmp_path / "never.csv"
    result = _invoke(settings, "--entity", UNKNOWN_ENTITY, "-o", str(target))
    assert result.exit_code == 1
    assert f"ResourceNotFound: Entity '{UNKNOWN_ENTITY}' was not found" in result.output
    stranger = tenants.account()
    result = _invoke(
        settings, "--entity", deals.entity_id, "--account", stranger.account_id, "-o", str(target)
    )
    assert result.exit_code == 1
    assert "ResourceNotFound" in result.output
    result = _invoke(
        settings, "--entity", deals.entity_id, "--account", "99999999999999", "-o", str(target)
    )
    assert result.exit_code == 1
    assert "Account '99999999999999' has no active OWNER" in result.output
    assert not target.exists()
