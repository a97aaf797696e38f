"""Records deleted for good take their files with them: rows by cascade, blobs after commit."""

from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from crmcore.app import _purge_once
from crmcore.cli import app
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import make_session_factory
from crmcore.kernel.wire import utc_now
from crmcore.models import Entity, Record
from crmcore.storage import BlobStore
from tests.files.helpers import (
    Crm,
    Storage,
    Tenant,
    body_of,
    create,
    image,
    new_record,
    uploaded,
)


def _files_of(tenant: Tenant, record_id: str) -> set[str]:
    """The blob names of a record's profile image, one image and one attachment."""
    profile = uploaded(tenant, record_id, "profile-image", "p.png", image())["fileId"]
    gallery = uploaded(tenant, record_id, "images", "i.png", image())["fileId"]
    attachment = uploaded(tenant, record_id, "attachments", "a.txt", b"a")["fileId"]
    account = tenant.account_id
    return {
        f"{account}/{profile}",
        f"{account}/{profile}.thumb",
        f"{account}/{gallery}",
        f"{account}/{gallery}.thumb",
        f"{account}/{attachment}",
    }


def _age(settings: Settings, model: type[Record] | type[Entity], days: int) -> None:
    """Move every trashed row of ``model`` back in time."""
    engine = make_engine(settings)
    with make_session_factory(engine).begin() as session:
        session.execute(
            update(model)
            .where(model.is_deleted.is_(True))
            .values(deleted_at=utc_now() - timedelta(days=days))
        )
    engine.dispose()


def test_a_permanent_bulk_delete_removes_the_blobs(crm: Crm, storage: Storage) -> None:
    owner = crm.tenant
    bob = new_record(owner, crm.people, "Bob")
    alices, bobs = _files_of(owner, crm.alice), _files_of(owner, bob)
    soft = owner.post("/records/bulk/delete", json={"recordIds": [crm.alice]})
    assert body_of(soft)["deleted"] == 1
    assert storage.blobs() == alices | bobs  # the trash keeps files

    permanent = owner.post(
        "/records/bulk/delete", json={"recordIds": [crm.alice], "permanent": True}
    )
    assert body_of(permanent) == {"deleted": 1, "skipped": 0, "permanent": True}
    assert storage.blobs() == bobs
    assert {row.record_id for row in storage.rows(owner.account_id)} == {bob}


def test_the_retention_sweep_removes_the_blobs(
    crm: Crm, storage: Storage, settings: Settings
) -> None:
    owner = crm.tenant
    bob = new_record(owner, crm.people, "Bob")
    _files_of(owner, crm.alice)
    bobs = _files_of(owner, bob)
    owner.delete(f"/records/{crm.alice}").raise_for_status()
    _age(settings, Record, 15)
    engine = make_engine(settings)
    _purge_once(make_session_factory(engine), BlobStore(settings.files_root))
    engine.dispose()
    assert storage.blobs() == bobs
    assert {row.record_id for row in storage.rows(owner.account_id)} == {bob}


def test_purging_an_entity_removes_the_blobs_of_its_records(
    owner: Tenant, storage: Storage, settings: Settings
) -> None:
    expired = str(create(owner, "expired")["entityId"])
    kept = str(create(owner, "kept")["entityId"])
    _files_of(owner, new_record(owner, expired, "inside"))
    keeps = _files_of(owner, new_record(owner, kept, "outside"))
    owner.delete(f"/entities/{expired}").raise_for_status()
    _age(settings, Entity, 15)
    env = {
        "CRMCORE_DATABASE_URL": settings.database_url,
        "CRMCORE_SECRET_KEY": "k",
        "CRMCORE_FILES_DIR": str(settings.files_root),
    }
    result = CliRunner().invoke(app, ["purge"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 entities" in result.output
    assert storage.blobs() == keeps
    assert storage.count(owner.account_id) == 3


def test_deleting_an_entity_for_good_removes_the_blobs_of_its_records(
    owner: Tenant, storage: Storage
) -> None:
    gone = str(create(owner, "gone")["entityId"])
    kept = str(create(owner, "kept")["entityId"])
    _files_of(owner, new_record(owner, gone, "inside"))
    keeps = _files_of(owner, new_record(owner, kept, "outside"))
    deleted = owner.delete(f"/entities/{gone}", params={"permanent": "true"})
    assert body_of(deleted) == {"entityId": gone, "deleted": True, "permanent": True}
    assert storage.blobs() == keeps
    assert storage.count(owner.account_id) == 3
