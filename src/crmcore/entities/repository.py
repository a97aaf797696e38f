"""Every query of the entities domain."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, exists, func, select

from crmcore.entities.view_settings import PropertyFacts
from crmcore.kernel.repository import AccountRepository, escape_like
from crmcore.models import Entity, Property


@dataclass(frozen=True, slots=True)
class EntityFacts:
    """What a record write decides from its entity (it is active, the caller may use it, its
    properties are those of ``schema_version``). A write made on facts that may be stale (a
    process cache) checks them again in its own statement, with ``UNCHANGED``."""

    account_id: str
    workspace_id: str
    entity_id: str
    schema_version: int
    record_access: str
    owner_id: str

    @classmethod
    def of(cls, entity: Entity) -> "EntityFacts":
        return cls(
            entity.account_id,
            entity.workspace_id,
            entity.entity_id,
            entity.schema_version,
            entity.record_access,
            entity.owner_id,
        )

    def unchanged_parameters(self) -> dict[str, Any]:
        """The bound parameters of ``UNCHANGED``."""
        return {
            "facts_account_id": self.account_id,
            "facts_workspace_id": self.workspace_id,
            "facts_entity_id": self.entity_id,
            "facts_schema_version": self.schema_version,
            "facts_record_access": self.record_access,
            "facts_owner_id": self.owner_id,
        }


#: True while the entity is still as ``EntityFacts`` describe it (``unchanged_parameters``).
UNCHANGED: ColumnElement[bool] = exists().where(
    Entity.account_id == bindparam("facts_account_id"),
    Entity.workspace_id == bindparam("facts_workspace_id"),
    Entity.entity_id == bindparam("facts_entity_id"),
    Entity.schema_version == bindparam("facts_schema_version"),
    Entity.is_deleted.is_(False),
    Entity.record_access == bindparam("facts_record_access"),
    Entity.owner_id == bindparam("facts_owner_id"),
)


class EntityRepository(AccountRepository[Entity]):
    model = Entity

    key = Entity.entity_id
    # Properties, records and groups point at entities: their inserts must not wait for a lock
    # taken to merge viewSettings or bump propertyIds and schemaVersion.
    row_lock = "no key update"

    def list_active(self, keyword: str | None, limit: int | None) -> Sequence[Entity]:
        statement = self.select().where(Entity.is_deleted.is_(False))
        if keyword:
            pattern = f"%{escape_like(keyword.lower())}%"
            statement = statement.where(func.lower(Entity.name).like(pattern, escape="\\"))
        statement = statement.order_by(Entity.priority, Entity.date_created, Entity.entity_id)
        return self.session.scalars(statement.limit(limit)).all()

    def list_trashed(self, limit: int) -> Sequence[Entity]:
        statement = (
            self.select()
            .where(Entity.is_deleted.is_(True))
            .order_by(Entity.deleted_at.desc(), Entity.entity_id)
            .limit(limit)
        )
        return self.session.scalars(statement).all()

    def count_all(self) -> int:
        """Live and trashed entities: both count toward ``entities.max``."""
        statement = select(func.count()).select_from(Entity).where(self.scope())
        return int(self.session.scalar(statement) or 0)

    def next_priority(self) -> float:
        statement = select(func.max(Entity.priority)).where(self.scope())
        highest = self.session.scalar(statement)
        return 0.0 if highest is None else float(highest) + 1

    def slug_taken(self, slug: str, except_entity_id: str | None = None) -> bool:
        statement = select(Entity.entity_id).where(self.scope(), Entity.slug == slug)
        if except_entity_id is not None:
            statement = statement.where(Entity.entity_id != except_entity_id)
        return self.session.scalar(statement.limit(1)) is not None

    def active_by_ids(self, entity_ids: Sequence[str]) -> Sequence[Entity]:
        statement = self.select().where(
            Entity.is_deleted.is_(False), Entity.entity_id.in_(entity_ids)
        )
        return self.session.scalars(statement).all()

    def delete(self, entity: Entity) -> None:
        self.session.execute(
            delete(Entity).where(self.scope(), Entity.entity_id == entity.entity_id)
        )

    def property_facts(self, entity: Entity) -> dict[str, PropertyFacts]:
        """What view settings need to know of the entity's live properties."""
        statement = select(Property.property_id, Property.field_type, Property.options).where(
            Property.account_id == self.account_id,
            Property.entity_id == entity.entity_id,
            Property.is_deleted.is_(False),
        )
        return {
            property_id: PropertyFacts(
                field_type=field_type,
                option_values=frozenset(str(option["value"]) for option in options),
            )
            for property_id, field_type, options in self.session.execute(statement)
        }
