"""Every query of the activities domain."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select

from crmcore.kernel.repository import AccountRepository
from crmcore.models import Activity, Record


class ActivityRepository(AccountRepository[Activity]):
    model = Activity

    def page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        order: Sequence[Any],
        limit: int,
        *,
        lock: bool = False,
    ) -> list[Activity]:
        """Activities meeting ``conditions`` (which may test ``Record``: the activity's record is
        outer-joined by key, NULL for calendar entries), in one query."""
        statement = (
            select(Activity)
            .outerjoin(
                Record,
                and_(
                    Record.account_id == Activity.account_id,
                    Record.record_id == Activity.record_id,
                ),
            )
            .where(self.scope(), *conditions)
            .order_by(*order)
            .limit(limit)
        )
        if lock:  # the activity only (its record is outer-joined)
            statement = statement.with_for_update(of=Activity, key_share=True)
        return list(self.session.scalars(statement))

    def delete(self, activity: Activity) -> None:
        self.session.execute(
            delete(Activity).where(self.scope(), Activity.activity_id == activity.activity_id)
        )
