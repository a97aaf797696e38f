"""The queries of exports: their result files, and the account of an entity (for the CLI)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmcore.kernel.repository import AccountRepository
from crmcore.models import Entity, StoredFile
from crmcore.models.file import FilePurpose


class ExportFileRepository(AccountRepository[StoredFile]):
    model = StoredFile

    def result_file(self, file_id: str) -> StoredFile | None:
        statement = self.select().where(
            StoredFile.file_id == file_id, StoredFile.purpose == FilePurpose.EXPORT
        )
        return self.session.scalars(statement).one_or_none()


def entity_account(session: Session, entity_id: str) -> str | None:
    """The account an entity belongs to (entity IDs are unique across accounts)."""
    return session.scalar(select(Entity.account_id).where(Entity.entity_id == entity_id).limit(1))
