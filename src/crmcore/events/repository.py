"""Every query of the events domain."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select

from crmcore.events.schemas import Summary
from crmcore.kernel.repository import AccountRepository
from crmcore.models import Event, Record

#: Each event's record, by primary key, so that conditions may test ``Record`` (visibility).
_OWN_RECORD = and_(Record.account_id == Event.account_id, Record.record_id == Event.record_id)


class EventRepository(AccountRepository[Event]):
    model = Event

    def add_all(self, events: Sequence[Event]) -> None:
        self.session.add_all(events)
        self.session.flush()

    def page(self, conditions: Sequence[ColumnElement[bool]], limit: int) -> list[Event]:
        """Newest first by (occurredAt, eventId), in one query (an index walk of
        ``ix_events_entity`` or ``ix_events_record``)."""
        statement = (
            select(Event)
            .join(Record, _OWN_RECORD)
            .where(self.scope(), *conditions)
            .order_by(Event.occurred_at.desc(), Event.event_id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(statement))

    def summaries(self, conditions: Sequence[ColumnElement[bool]]) -> list[Summary]:
        """Count, sum of value (missing = 0) and latest occurrence per (eventType, category), in
        one GROUP BY; unordered (the service orders alike on both databases)."""
        statement = (
            select(
                Event.event_type,
                Event.category,
                func.count(),
                func.sum(func.coalesce(Event.value, 0.0)),
                func.max(Event.occurred_at),
            )
            .join(Record, _OWN_RECORD)
            .where(self.scope(), *conditions)
            .group_by(Event.event_type, Event.category)
        )
        return [
            Summary(event_type, category, int(count), float(total or 0), last)
            for event_type, category, count, total, last in self.session.execute(statement)
        ]
