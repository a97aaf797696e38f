"""Every query of the properties domain."""

from collections.abc import Collection, Sequence

from sqlalchemy import func, select

from crmcore.kernel.repository import AccountRepository, escape_like
from crmcore.models import Property, PropertyGroup


class PropertyRepository(AccountRepository[Property]):
    model = Property

    key = Property.property_id
    row_lock = "no key update"

    def list_live(
        self, entity_ids: Collection[str], keyword: str | None, limit: int
    ) -> Sequence[Property]:
        statement = self.select().where(
            Property.is_deleted.is_(False), Property.entity_id.in_(entity_ids)
        )
        if keyword:
            pattern = f"%{escape_like(keyword.lower())}%"
            statement = statement.where(func.lower(Property.name).like(pattern, escape="\\"))
        statement = statement.order_by(Property.date_created.desc(), Property.property_id.desc())
        return self.session.scalars(statement.limit(limit)).all()

    def count_of_entity(self, entity_id: str) -> int:
        """Every property ever created in the entity: deleted ones keep counting (SOLAPI does)."""
        statement = (
            select(func.count())
            .select_from(Property)
            .where(self.scope(), Property.entity_id == entity_id)
        )
        return int(self.session.scalar(statement) or 0)

    def taken(
        self, entity_id: str, *, name: str | None = None, key: str | None = None,
        except_property_id: str | None = None,
    ) -> bool:  # fmt: skip
        statement = select(Property.property_id).where(
            self.scope(), Property.entity_id == entity_id, Property.is_deleted.is_(False)
        )
        if name is not None:
            statement = statement.where(Property.name == name)
        if key is not None:
            statement = statement.where(Property.key == key)
        if except_property_id is not None:
            statement = statement.where(Property.property_id != except_property_id)
        return self.session.scalar(statement.limit(1)) is not None

    def group(self, property_group_id: str) -> PropertyGroup | None:
        """Share-locked until commit: a group delete waits for the properties joining it."""
        statement = (
            select(PropertyGroup)
            .where(
                PropertyGroup.account_id == self.account_id,
                PropertyGroup.workspace_id == self.workspace_id,
                PropertyGroup.property_group_id == property_group_id,
            )
            .with_for_update(read=True)
        )
        return self.session.scalars(statement).one_or_none()
