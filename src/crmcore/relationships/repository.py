"""Every query of the relationships domain."""

from collections.abc import Collection, Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, union_all
from sqlalchemy.orm import aliased

from crmcore.db.dialect import insert_many_ignoring_conflicts
from crmcore.kernel.repository import AccountRepository
from crmcore.models import Record, Relationship, RelationshipType
from crmcore.relationships.schemas import MAX_TYPES_LISTED

#: The two records of a relationship, joined under their own names (for names and visibility).
SOURCE = aliased(Record, name="source_record")
TARGET = aliased(Record, name="target_record")
_CHUNK = 500
_Columns = TypeVarTuple("_Columns")
_NEWEST_FIRST = (Relationship.date_created.desc(), Relationship.relationship_id.desc())
_OLDEST_FIRST = (Relationship.date_created, Relationship.relationship_id)


class TypeRepository(AccountRepository[RelationshipType]):
    model = RelationshipType

    key = RelationshipType.relationship_type_id
    row_lock = "no key update"  # links being created (their foreign key) need not wait

    def by_ids(self, relationship_type_ids: Collection[str]) -> Sequence[RelationshipType]:
        statement = self.select().where(
            RelationshipType.relationship_type_id.in_(relationship_type_ids)
        )
        return self.session.scalars(statement).all()

    def list_between(
        self, entity_ids: Collection[str], touching: str | None
    ) -> Sequence[RelationshipType]:
        """Types whose two entities are both in ``entity_ids``, oldest first."""
        statement = self.select().where(
            RelationshipType.source_entity_id.in_(entity_ids),
            RelationshipType.target_entity_id.in_(entity_ids),
        )
        if touching is not None:
            statement = statement.where(
                or_(
                    RelationshipType.source_entity_id == touching,
                    RelationshipType.target_entity_id == touching,
                )
            )
        statement = statement.order_by(
            RelationshipType.date_created, RelationshipType.relationship_type_id
        ).limit(MAX_TYPES_LISTED)
        return self.session.scalars(statement).all()

    def name_taken(
        self, name: str, source_entity_id: str, target_entity_id: str, except_id: str | None = None
    ) -> bool:
        statement = select(RelationshipType.relationship_type_id).where(
            self.scope(),
            RelationshipType.name == name,
            RelationshipType.source_entity_id == source_entity_id,
            RelationshipType.target_entity_id == target_entity_id,
        )
        if except_id is not None:
            statement = statement.where(RelationshipType.relationship_type_id != except_id)
        return self.session.scalar(statement.limit(1)) is not None

    def count_touching(self, entity_id: str) -> int:
        """Types where the entity is the source or the target (``relationshipTypes.maxPerEntity``);
        a self-referencing type counts once."""
        statement = (
            select(func.count())
            .select_from(RelationshipType)
            .where(
                RelationshipType.account_id == self.account_id,
                or_(
                    RelationshipType.source_entity_id == entity_id,
                    RelationshipType.target_entity_id == entity_id,
                ),
            )
        )
        return int(self.session.scalar(statement) or 0)

    def delete(self, rtype: RelationshipType) -> int:
        """Delete the type and its relationships; return how many relationships went."""
        gone = self.session.execute(
            delete(Relationship)
            .where(
                Relationship.account_id == self.account_id,
                Relationship.relationship_type_id == rtype.relationship_type_id,
            )
            .returning(Relationship.relationship_id)
        ).all()
        self.session.execute(
            delete(RelationshipType).where(
                self.scope(), RelationshipType.relationship_type_id == rtype.relationship_type_id
            )
        )
        return len(gone)


class RelationshipRepository(AccountRepository[Relationship]):
    model = Relationship

    def page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        *,
        newest_first: bool,
        limit: int,
        lock: bool = False,
    ) -> list[tuple[Relationship, str, str]]:
        """Relationships with their records' names, in one query (records joined twice by key)."""
        order = _NEWEST_FIRST if newest_first else _OLDEST_FIRST
        statement = (
            self._with_records(select(Relationship, SOURCE.name, TARGET.name))
            .where(*conditions)
            .order_by(*order)
            .limit(limit)
        )
        if lock:  # the relationship only, not its records
            statement = statement.with_for_update(of=Relationship)
        return [(row[0], row[1], row[2]) for row in self.session.execute(statement)]

    def newest_of_walks(
        self, walks: Sequence[Sequence[ColumnElement[bool]]], limit: int
    ) -> ColumnElement[bool]:
        """A condition for ``page``: the relationship is among the ``limit`` newest of one of
        the ``walks`` (each a set of conditions an index walks, such as one side of a record).
        The walks run inside the page's own statement and read IDs only."""
        newest = [
            self._with_records(select(Relationship.relationship_id))
            .where(*conditions)
            .order_by(*_NEWEST_FIRST)
            .limit(limit)
            .subquery()
            for conditions in walks
        ]
        candidates = union_all(*(select(walk.c.relationship_id) for walk in newest))
        return Relationship.relationship_id.in_(candidates)

    def _with_records(self, statement: Select[*_Columns]) -> Select[*_Columns]:
        """This account's relationships joined with their two records (``SOURCE``, ``TARGET``)."""
        return (
            statement.join(
                SOURCE,
                and_(
                    SOURCE.account_id == Relationship.account_id,
                    SOURCE.record_id == Relationship.source_record_id,
                ),
            )
            .join(
                TARGET,
                and_(
                    TARGET.account_id == Relationship.account_id,
                    TARGET.record_id == Relationship.target_record_id,
                ),
            )
            .where(self.scope())
        )

    def exists(
        self, relationship_type_id: str, source_record_id: str, target_record_id: str
    ) -> bool:
        statement = select(Relationship.relationship_id).where(
            Relationship.account_id == self.account_id,
            Relationship.relationship_type_id == relationship_type_id,
            Relationship.source_record_id == source_record_id,
            Relationship.target_record_id == target_record_id,
        )
        return self.session.scalar(statement.limit(1)) is not None

    def existing_pairs(
        self, relationship_type_id: str, pairs: Collection[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """Which of the (source, target) pairs are already linked by the type."""
        by_source: dict[str, set[str]] = {}
        for source_id, target_id in pairs:
            by_source.setdefault(source_id, set()).add(target_id)
        sources = list(by_source)
        found: set[tuple[str, str]] = set()
        for start in range(0, len(sources), _CHUNK):
            chunk = sources[start : start + _CHUNK]
            targets = set().union(*(by_source[s] for s in chunk))
            statement = select(Relationship.source_record_id, Relationship.target_record_id).where(
                Relationship.account_id == self.account_id,
                Relationship.relationship_type_id == relationship_type_id,
                Relationship.source_record_id.in_(chunk),
                Relationship.target_record_id.in_(targets),
            )
            found.update((row[0], row[1]) for row in self.session.execute(statement))
        return found & set(pairs)

    def insert_new(self, rows: list[dict[str, Any]]) -> int:
        """Insert, skipping rows that would duplicate a link; return how many went in."""
        return insert_many_ignoring_conflicts(self.session, Relationship.__table__, rows)  # type: ignore[arg-type]

    def count_all(self) -> int:
        """Relationships of the account (``relationships.max``): those of trashed records too, as
        restoring brings them back."""
        statement = (
            select(func.count())
            .select_from(Relationship)
            .where(Relationship.account_id == self.account_id)
        )
        return int(self.session.scalar(statement) or 0)

    def delete(self, link: Relationship) -> None:
        self.session.execute(
            delete(Relationship).where(
                self.scope(), Relationship.relationship_id == link.relationship_id
            )
        )
