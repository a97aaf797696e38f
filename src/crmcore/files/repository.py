"""Every query over stored files."""

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crmcore.files.schemas import RECORD_FIELDS
from crmcore.kernel.repository import AccountRepository
from crmcore.models import Record, StoredFile

_BATCH = 1000
THUMBNAIL_SUFFIX = ".thumb"


class FileRepository(AccountRepository[StoredFile]):
    model = StoredFile

    def of_records(self, record_ids: Sequence[str]) -> list[StoredFile]:
        """The files of many records in one query, each record's in gallery order."""
        statement = (
            self.select()
            .where(
                StoredFile.record_id.in_(record_ids),
                StoredFile.purpose.in_(list(RECORD_FIELDS)),
            )
            .order_by(StoredFile.record_id, StoredFile.sort_order, StoredFile.file_id)
        )
        return list(self.session.scalars(statement))

    def of_record(self, record_id: str, purpose: str) -> list[StoredFile]:
        statement = (
            self.select()
            .where(StoredFile.record_id == record_id, StoredFile.purpose == purpose)
            .order_by(StoredFile.sort_order, StoredFile.file_id)
        )
        return list(self.session.scalars(statement))

    def count(self, record_id: str, purpose: str) -> int:
        statement = (
            select(func.count())
            .select_from(StoredFile)
            .where(self.scope(), StoredFile.record_id == record_id, StoredFile.purpose == purpose)
        )
        return int(self.session.scalar(statement) or 0)

    def delete(self, file: StoredFile) -> None:
        self.session.execute(
            delete(StoredFile).where(self.scope(), StoredFile.file_id == file.file_id)
        )


def blob_keys(file: StoredFile) -> list[str]:
    """The blobs of a file: its bytes, and its thumbnail if it has one."""
    keys = [file.storage_key]
    if file.has_thumbnail:
        keys.append(file.storage_key + THUMBNAIL_SUFFIX)
    return keys


def find_by_id(session: Session, file_id: str) -> StoredFile | None:
    """Any tenant's file: only for a download whose signed link has already been verified (the
    signature, minted for a caller who could see the file, is the authorisation)."""
    return session.scalars(select(StoredFile).where(StoredFile.file_id == file_id)).one_or_none()


def record_blob_keys(
    session: Session,
    account_id: str,
    *,
    record_ids: Sequence[str] = (),
    entity_id: str | None = None,
) -> list[str]:
    """The blobs of the files of some records, or of every record of an entity: collected before
    the records are deleted for good (their file rows go by cascade), removed after commit."""
    statement = select(StoredFile.storage_key, StoredFile.has_thumbnail).where(
        StoredFile.account_id == account_id, StoredFile.record_id.is_not(None)
    )
    statements = []
    if entity_id is not None:
        in_entity = select(Record.record_id).where(
            Record.account_id == account_id, Record.entity_id == entity_id
        )
        statements.append(statement.where(StoredFile.record_id.in_(in_entity)))
    for start in range(0, len(record_ids), _BATCH):
        chunk = list(record_ids[start : start + _BATCH])
        statements.append(statement.where(StoredFile.record_id.in_(chunk)))
    keys: list[str] = []
    for each in statements:
        for key, has_thumbnail in session.execute(each):
            keys.append(key)
            if has_thumbnail:
                keys.append(key + THUMBNAIL_SUFFIX)
    return keys
