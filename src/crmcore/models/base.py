"""Declarative base with a naming convention (SQLite's batch ALTERs need named constraints)."""

from datetime import datetime

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmcore.models.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Audited:
    """Who created and last changed a row, and when (every tenant object carries these)."""

    created_by: Mapped[str] = mapped_column(String(14))
    updated_by: Mapped[str] = mapped_column(String(14))
    date_created: Mapped[datetime] = mapped_column(UtcDateTime())
    date_updated: Mapped[datetime] = mapped_column(UtcDateTime())
