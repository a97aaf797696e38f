"""The retention sweep deletes what has been in a trash for 14 days, and nothing else."""

from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from crmcore.cli import app
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.wire import utc_now
from crmcore.models import Entity, Record
from crmcore.trash.service import purge_expired
from tests.builders import Tenant
from tests.entities.test_entities_create_get import create


def _record(owner: Tenant, entity_id: str, name: str) -> str:
    response = owner.post("/records", json={"entityId": entity_id, "name": name})
    assert response.status_code == 200
    return str(response.json()["recordId"])


def test_records_older_than_14_days_in_the_trash_are_purged(
    owner: Tenant, settings: Settings
) -> None:
    entity_id = create(owner, "deals")["entityId"]
    old, recent, live = (_record(owner, entity_id, n) for n in ("old", "recent", "live"))
    owner.post("/records/bulk/delete", json={"recordIds": [old, recent]}).raise_for_status()
    engine = make_engine(settings)
    with make_session_factory(engine).begin() as session:
        session.execute(
            update(Record)
            .where(Record.record_id == old)
            .values(deleted_at=utc_now() - timedelta(days=14, minutes=1))
        )
    with make_session_factory(engine).begin() as session:
        report = purge_expired(session, utc_now())
    engine.dispose()
    assert report.records == 1
    assert owner.get(f"/records/{old}", params={"includeDeleted": "true"}).status_code == 404
    assert owner.get(f"/records/{recent}", params={"includeDeleted": "true"}).status_code == 200
    assert owner.get(f"/records/{live}").status_code == 200


def test_cli_purges_expired_entities_with_everything_in_them(
    owner: Tenant, settings: Settings
) -> None:
    expired = create(owner, "expired")["entityId"]
    kept = create(owner, "kept")["entityId"]
    record = _record(owner, expired, "inside")
    owner.delete(f"/entities/{expired}").raise_for_status()
    owner.delete(f"/entities/{kept}").raise_for_status()
    engine = make_engine(settings)
    with make_session_factory(engine).begin() as session:
        session.execute(
            update(Entity)
            .where(Entity.entity_id == expired)
            .values(deleted_at=utc_now() - timedelta(days=15))
        )
    engine.dispose()
    env = {"CRMCORE_DATABASE_URL": settings.database_url, "CRMCORE_SECRET_KEY": "k"}
    result = CliRunner().invoke(app, ["purge"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 entities" in result.output
    assert owner.get(f"/entities/{expired}").status_code == 404
    assert owner.get(f"/records/{record}", params={"includeDeleted": "true"}).status_code == 404
    assert [e["entityId"] for e in owner.get("/entities/trash").json()] == [kept]
    assert owner.post("/entities", json={"name": "Again", "slug": "expired"}).status_code == 200
