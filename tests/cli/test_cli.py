"""The CLI's names and JSON outputs are an interface: check them exactly."""

import json
import re
from typing import Any

from typer.testing import CliRunner

from crmcore.cli import app
from crmcore.config import Settings
from tests.builders import TenantFactory

runner = CliRunner()


def _invoke(settings: Settings, *args: str) -> Any:
    env = {"CRMCORE_DATABASE_URL": settings.database_url, "CRMCORE_SECRET_KEY": "cli-test-key"}
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def test_accounts_members_and_keys(settings: Settings, tenants: TenantFactory) -> None:
    created = json.loads(
        _invoke(settings, "accounts", "create", "--plan", "STARTER", "--json").stdout
    )
    assert set(created) == {"accountId", "memberId", "apiKey", "apiSecret"}
    assert re.fullmatch(r"\d{14}", created["accountId"])
    assert re.fullmatch(r"MEM[0-9A-Za-z_-]{11}", created["memberId"])

    member = json.loads(
        _invoke(
            settings, "members", "create", "--account", created["accountId"], "--role", "MEMBER",
            "--json",
        ).stdout
    )  # fmt: skip
    assert set(member) == {"memberId", "apiKey", "apiSecret"}

    key = json.loads(
        _invoke(settings, "keys", "create", "--member", member["memberId"], "--json").stdout
    )
    assert key["memberId"] == member["memberId"]
    assert key["apiKey"] != member["apiKey"]

    _invoke(settings, "accounts", "set-plan", created["accountId"], "PROFESSIONAL")
    _invoke(settings, "keys", "revoke", key["apiKey"])


def test_unknown_ids_fail_with_a_message(settings: Settings) -> None:
    env = {"CRMCORE_DATABASE_URL": settings.database_url, "CRMCORE_SECRET_KEY": "cli-test-key"}
    result = runner.invoke(app, ["keys", "revoke", "NCSNOSUCHKEY0000"], env=env)
    assert result.exit_code == 1
    assert "ResourceNotFound" in result.output
