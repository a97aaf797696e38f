"""Stored files: a record's profile image, gallery images and attachments, and the files that
imports read and exports write. The bytes live in the blob store under ``storage_key``; rows of a
record's files cascade with the record, and the blobs are removed after the delete commits."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmcore.models.base import Base
from crmcore.models.types import AccountIdType, CrmId, UtcDateTime


class FilePurpose:
    PROFILE_IMAGE = "PROFILE_IMAGE"
    IMAGE = "IMAGE"
    ATTACHMENT = "ATTACHMENT"
    IMPORT = "IMPORT"
    EXPORT = "EXPORT"


class StoredFile(Base):
    __tablename__ = "files"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "record_id"],
            ["records.account_id", "records.record_id"],
            ondelete="CASCADE",
        ),
        Index("ix_files_record", "account_id", "record_id", "purpose", "sort_order"),
        Index("ix_files_file_id", "file_id", unique=True),
        Index("ix_files_expires", "expires_at"),
    )

    account_id: Mapped[str] = mapped_column(AccountIdType(), primary_key=True)
    file_id: Mapped[str] = mapped_column(CrmId(), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), default="")
    record_id: Mapped[str | None] = mapped_column(CrmId())
    purpose: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(160))
    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(128))
    file_size: Mapped[int] = mapped_column(BigInteger)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    has_thumbnail: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Import uploads and export results are temporary; record files never expire.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(14))
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
