"""Every query of the property-group domain."""

from collections.abc import Collection, Sequence

from sqlalchemy import func, select, update

from crmcore.kernel.repository import AccountRepository
from crmcore.models import Property, PropertyGroup


class PropertyGroupRepository(AccountRepository[PropertyGroup]):
    model = PropertyGroup

    key = PropertyGroup.property_group_id

    def list_for(self, entity_ids: Collection[str], limit: int) -> Sequence[PropertyGroup]:
        statement = (
            self.select()
            .where(PropertyGroup.entity_id.in_(entity_ids))
            .order_by(
                PropertyGroup.entity_id,
                PropertyGroup.priority,
                PropertyGroup.date_created,
                PropertyGroup.property_group_id,
            )
            .limit(limit)
        )
        return self.session.scalars(statement).all()

    def name_taken(self, entity_id: str, name: str, except_group_id: str | None = None) -> bool:
        statement = select(PropertyGroup.property_group_id).where(
            self.scope(), PropertyGroup.entity_id == entity_id, PropertyGroup.name == name
        )
        if except_group_id is not None:
            statement = statement.where(PropertyGroup.property_group_id != except_group_id)
        return self.session.scalar(statement.limit(1)) is not None

    def next_priority(self, entity_id: str) -> float:
        statement = select(func.max(PropertyGroup.priority)).where(
            self.scope(), PropertyGroup.entity_id == entity_id
        )
        highest = self.session.scalar(statement)
        return 0.0 if highest is None else float(highest) + 1

    def members(self, group_ids: Collection[str]) -> dict[str, set[str]]:
        """Live properties of each group."""
        statement = select(Property.property_group_id, Property.property_id).where(
            Property.account_id == self.account_id,
            Property.property_group_id.in_(group_ids),
            Property.is_deleted.is_(False),
        )
        found: dict[str, set[str]] = {group_id: set() for group_id in group_ids}
        for group_id, property_id in self.session.execute(statement):
            if group_id is not None:
                found[group_id].add(property_id)
        return found

    def delete(self, group: PropertyGroup) -> None:
        self.session.execute(
            update(Property)
            .where(
                Property.account_id == self.account_id,
                Property.property_group_id == group.property_group_id,
            )
            .values(property_group_id=None)
        )
        self.session.delete(group)
        self.session.flush()
