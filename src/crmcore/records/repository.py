"""Every query over records."""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from crmcore.db.dialect import record_has_value
from crmcore.kernel.repository import AccountRepository
from crmcore.models import Record

_BATCH = 1000


class RecordRepository(AccountRepository[Record]):
    model = Record

    def property_values(self, entity_id: str, property_id: str) -> Iterator[tuple[str, Any]]:
        """(record ID, stored value) of each record holding a value, trashed records included."""
        statement = (
            select(Record.record_id, Record.data)
            .where(
                self.scope(),
                Record.entity_id == entity_id,
                record_has_value(self.session, property_id),
            )
            .order_by(Record.record_id)
            .execution_options(yield_per=_BATCH)
        )
        for record_id, data in self.session.execute(statement):
            yield record_id, data[property_id]

    def set_property_values(
        self, entity_id: str, property_id: str, values: Mapping[str, Any]
    ) -> None:
        """Write one property's value on many records; ``None`` removes the value."""
        record_ids: Sequence[str] = list(values)
        for start in range(0, len(record_ids), _BATCH):
            chunk = record_ids[start : start + _BATCH]
            rows = self.session.scalars(
                self.select().where(Record.entity_id == entity_id, Record.record_id.in_(chunk))
            )
            for record in rows:
                data = dict(record.data)
                value = values[record.record_id]
                if value is None:
                    data.pop(property_id, None)
                else:
                    data[property_id] = value
                record.data = data
        self.session.flush()
