"""Every query of the segments domain."""

from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, select

from crmcore.kernel.repository import AccountRepository
from crmcore.models import Segment

MAX_SEGMENTS_LISTED = 500


class SegmentRepository(AccountRepository[Segment]):
    model = Segment

    key = Segment.segment_id

    def list_for(self, entity_ids: Collection[str]) -> Sequence[Segment]:
        statement = (
            self.select()
            .where(Segment.entity_id.in_(entity_ids))
            .order_by(Segment.priority, Segment.date_created, Segment.segment_id)
            .limit(MAX_SEGMENTS_LISTED)
        )
        return self.session.scalars(statement).all()

    def name_taken(self, entity_id: str, name: str, except_id: str | None = None) -> bool:
        statement = select(Segment.segment_id).where(
            self.scope(), Segment.entity_id == entity_id, Segment.name == name
        )
        if except_id is not None:
            statement = statement.where(Segment.segment_id != except_id)
        return self.session.scalar(statement.limit(1)) is not None

    def next_priority(self) -> float:
        highest = self.session.scalar(select(func.max(Segment.priority)).where(self.scope()))
        return 0.0 if highest is None else float(highest) + 1

    def delete(self, segment: Segment) -> None:
        self.session.execute(
            delete(Segment).where(self.scope(), Segment.segment_id == segment.segment_id)
        )
