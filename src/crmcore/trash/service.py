"""The retention sweep: whatever has been in a trash longer than its retention goes for good.

Runs from ``crmcore purge`` and periodically inside every server process; deletes are idempotent,
so several processes sweeping at once do no harm.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crmcore.entities.service import TRASH_RETENTION as ENTITY_RETENTION
from crmcore.files.repository import record_blob_keys
from crmcore.models import Entity, Record, RecordLog
from crmcore.records.service import TRASH_RETENTION as RECORD_RETENTION

_BATCH = 1000


@dataclass(frozen=True, slots=True)
class PurgeReport:
    records: int
    entities: int
    #: Blobs of the purged records' files: the caller deletes them once the purge has committed.
    blob_keys: tuple[str, ...] = ()


def purge_expired(session: Session, now: datetime) -> PurgeReport:
    records = 0
    keys: list[str] = []
    cutoff = now - RECORD_RETENTION
    while True:
        expired = session.execute(
            select(Record.account_id, Record.record_id)
            .where(Record.is_deleted.is_(True), Record.deleted_at < cutoff)
            .limit(_BATCH)
        ).all()
        if not expired:
            break
        for account_id, record_id in expired:
            keys += record_blob_keys(session, account_id, record_ids=[record_id])
            session.execute(
                delete(RecordLog).where(
                    RecordLog.account_id == account_id, RecordLog.record_id == record_id
                )
            )
            session.execute(
                delete(Record).where(Record.account_id == account_id, Record.record_id == record_id)
            )
        records += len(expired)
        session.flush()
    entity_cutoff = now - ENTITY_RETENTION
    gone = session.execute(
        select(Entity.account_id, Entity.entity_id).where(
            Entity.is_deleted.is_(True), Entity.deleted_at < entity_cutoff
        )
    ).all()
    for account_id, entity_id in gone:
        # Properties, groups and records go with it (foreign keys cascade).
        keys += record_blob_keys(session, account_id, entity_id=entity_id)
        session.execute(
            delete(RecordLog).where(
                RecordLog.account_id == account_id, RecordLog.entity_id == entity_id
            )
        )
        session.execute(
            delete(Entity).where(Entity.account_id == account_id, Entity.entity_id == entity_id)
        )
    return PurgeReport(records=records, entities=len(gone), blob_keys=tuple(keys))
