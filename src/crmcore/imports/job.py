"""The import job: rows are read and converted on one thread while earlier batches are being
written on others, and every batch commits together with the job's progress.

A batch's good rows become records in one bulk write (COPY on PostgreSQL) in the same transaction
as the checkpoint that counts them, so after a crash the job resumes at the first row that was
not committed: no row is written twice and none is half-written. On PostgreSQL several batches
are written side by side (the database's index maintenance is most of an import's work), but
they commit one after the other in file order, so the committed rows are always a prefix of the
file. A bad row (a value its field type refuses, an unknown owner, a link cell naming no record
or several) is reported with its row number and column and skipped.
"""

import gc
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import Any

from crmcore.accounts.members import active_members
from crmcore.db.dialect import is_postgresql, skip_commit_flush
from crmcore.imports.convert import CellError, RowValues
from crmcore.imports.mapping import Link
from crmcore.imports.service import Plan, data_rows, plan
from crmcore.imports.sheets import Row, Workbook, open_workbook
from crmcore.jobs.runner import JobFailed, JobRun
from crmcore.kernel.context import Caller, Context
from crmcore.kernel.wire import utc_now
from crmcore.models import StoredFile
from crmcore.plans import service as plan_service
from crmcore.plans.limits import Dimension
from crmcore.records import service as record_service
from crmcore.records.service import NewRecord, PreparedRecords
from crmcore.relationships import service as link_service
from crmcore.relationships.bulk import (
    field_text,
    field_value,
    lowered_alike_everywhere,
    match_key,
)

_IN_CHUNK = 1000
_DONE = object()


@dataclass(slots=True)
class Batch:
    rows: int = 0
    good: list[RowValues] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    failed_rows: int = 0
    #: ``good`` as rows for the bulk write, in the same order.
    prepared: PreparedRecords | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """Where the rows go: prepared as the job's member, for this database."""

    planned: Plan
    caller: Caller
    postgresql: bool
    batch_rows: int
    #: Batches written side by side (1: one after the other).
    writers: int


def run(job_run: JobRun) -> None:
    job = job_run.job
    with job_run.transaction() as ctx:
        stored = ctx.session.get(StoredFile, (job.account_id, job.file_id or ""))
        if stored is None or not ctx.blobs.exists(stored.storage_key):
            raise JobFailed("The uploaded file is no longer available")
        book = open_workbook(ctx.blobs.path(stored.storage_key), job.params["fileName"])
        planned = plan(ctx, book, job.params)
        postgresql = is_postgresql(ctx.session)
        target = Target(
            planned,
            ctx.caller,
            postgresql,
            ctx.settings.import_batch_rows,
            ctx.settings.import_writers if postgresql and _unlimited(ctx, planned) else 1,
        )
    try:
        with _import_tuning():
            _import(job_run, book, target)
    finally:
        book.close()


class _ImportTuning:
    """Process-wide settings while imports run, counted since imports can overlap.

    - The garbage collector runs rarely: a batch allocates millions of objects that all live
      until it is written, and the collector's passes over them were half the import's CPU
      (measured: 12.6 s -> 6.6 s for 100,000 rows).
    - A thread hands the GIL over after 1 ms instead of CPython's 5: the writers wait on
      PostgreSQL, then need the GIL for a moment to send the next piece of a batch, and each
      such moment waited up to 5 ms behind the reader thread converting rows. 200,000 rows:
      17,490-17,800 rows/s at 5 ms, 19,600-19,800 at 2, 1, 0.5 or 0.1 ms (docs/decisions.md).
      Not for every request: creates measured no better with it.
    """

    GENERATION0 = 200_000
    SWITCH_SECONDS = 0.001

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = gc.get_threshold()
        self._saved_switch = sys.getswitchinterval()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = gc.get_threshold()
                gc.set_threshold(self.GENERATION0, *self._saved[1:])
                self._saved_switch = sys.getswitchinterval()
                sys.setswitchinterval(self.SWITCH_SECONDS)
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    gc.set_threshold(*self._saved)
                    sys.setswitchinterval(self._saved_switch)


_import_tuning = _ImportTuning()


def _unlimited(ctx: Context, planned: Plan) -> bool:
    """Whether the import's writes count against no quota. A quota check holds the account lock
    until commit, so a later batch holding it would wait forever for an earlier one's commit:
    quota-bound imports write their batches one after the other."""
    limits = plan_service.limits(ctx)
    links_bound = bool(planned.links) and limits[Dimension.RELATIONSHIPS_MAX] is not None
    return limits[Dimension.RECORDS_MAX] is None and not links_bound


def _import(job_run: JobRun, book: Workbook, target: Target) -> None:
    planned = target.planned
    done = job_run.job.progress
    rows = data_rows(book, planned)
    for _ in islice(rows, done):  # committed before an interruption
        pass
    turns = _CommitTurns()

    def write(turn: int, batch: Batch, progress: int) -> None:
        with job_run.transaction() as ctx:
            # No wait for the WAL flush: a database crash could only forget the last batches
            # together with the checkpoint that counts them, and the job redoes them.
            skip_commit_flush(ctx.session)
            _write(ctx, planned, batch)
            turns.wait_for(turn)
            job_run.checkpoint(
                ctx,
                progress=progress,
                created=len(batch.good),
                failed=batch.failed_rows,
                errors=[error.to_wire() for error in batch.errors],
            )
        turns.committed(turn)

    with ThreadPoolExecutor(target.writers, thread_name_prefix="import-writer") as writers:
        pending: deque[Future[None]] = deque()
        try:
            for turn, batch in enumerate(_prefetched(_batches(rows, target))):
                done += batch.rows
                pending.append(writers.submit(turns.guarded, turn, write, batch, done))
                if len(pending) == target.writers:  # at most that many batches in flight
                    pending.popleft().result()
                if job_run.stopping:  # the batches in flight still commit, in order
                    break
            while pending:
                pending.popleft().result()
        except BaseException as error:
            turns.abandon()  # the later batches roll back instead of waiting for their turn
            raise _cause(error, pending) from None
    if job_run.stopping:
        return
    with job_run.transaction() as ctx:
        # The request counted rows to check the caps; the count of rows read is the truth.
        job_run.checkpoint(ctx, progress=done, total=done)
        # Indexes the entity may now need were left out while rows were arriving: built once now.
        entity = planned.entity
        ctx.uow.after_commit(partial(ctx.indexes.entity_grew, entity.account_id, entity.entity_id))


def _cause(error: BaseException, pending: deque[Future[None]]) -> BaseException:
    """The failure to report: a batch that was only abandoned points at a later one's error."""
    for future in pending:
        failure = future.exception()  # waits: every writer has ended before the job does
        if isinstance(error, _Abandoned) and failure and not isinstance(failure, _Abandoned):
            error = failure
    return error


class _Abandoned(Exception):
    """An earlier batch failed: this one must not commit (the file's prefix would have a gap)."""


class _CommitTurns:
    """Batches written side by side commit in file order: each waits for the one before it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._next = 0
        self._abandoned = False

    def wait_for(self, turn: int) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._next == turn or self._abandoned)
            if self._abandoned:
                raise _Abandoned

    def committed(self, turn: int) -> None:
        with self._condition:
            self._next = turn + 1
            self._condition.notify_all()

    def abandon(self) -> None:
        with self._condition:
            self._abandoned = True
            self._condition.notify_all()

    def guarded(
        self, turn: int, write: Callable[[int, Batch, int], None], batch: Batch, progress: int
    ) -> None:
        try:
            write(turn, batch, progress)
        except BaseException:
            self.abandon()
            raise


def _batches(rows: Iterator[Row], target: Target) -> Iterator[Batch]:
    """Converted rows in batches, their records already prepared for the bulk write (all the
    per-row work happens here, on the reader thread)."""
    batch = Batch()
    convert = target.planned.converter.convert
    for row in rows:
        converted = convert(row)
        batch.rows += 1
        if isinstance(converted, list):
            batch.errors += converted
            batch.failed_rows += 1
        else:
            batch.good.append(converted)
        if batch.rows == target.batch_rows:
            yield _prepared(batch, target)
            batch = Batch()
    if batch.rows:
        yield _prepared(batch, target)


def _prepared(batch: Batch, target: Target) -> Batch:
    member_id = target.caller.member_id
    batch.prepared = record_service.prepare_many(
        target.caller,
        target.planned.schema,
        [
            NewRecord(row.name, row.data, row.tags, row.owner_id if row.owner_given else member_id)
            for row in batch.good
        ],
        utc_now(),
        source="IMPORT",
        postgresql=target.postgresql,
    )
    return batch


def _prefetched(batches: Iterator[Batch]) -> Iterator[Batch]:
    """Read and convert the next batch while the current one is written (the database works
    in its own process, so the two overlap even under the GIL)."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        ready.put(batch, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as error:  # handed to the writer, which raises it
            ready.put(error)

    producer = threading.Thread(target=produce, name="import-reader", daemon=True)
    producer.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join(timeout=5)


def _write(ctx: Context, planned: Plan, batch: Batch) -> None:
    position = {row.number: index for index, row in enumerate(batch.good)}
    good = _check_owners(ctx, planned, batch)
    targets: dict[int, dict[int, str]] = {}
    for link in planned.links:
        good = _resolve_link(ctx, link, good, batch, targets)
    batch.good = good
    if not good:
        return
    record_service.ensure_room_for(ctx, len(good))
    assert batch.prepared is not None
    keep = None if len(good) == len(position) else [position[row.number] for row in good]
    ids = record_service.insert_prepared(ctx, batch.prepared, keep)
    links: list[dict[str, Any]] = []
    for link in planned.links:
        rtype = link_service.get_type(ctx, link.relationship_type_id)
        for row, record_id in zip(good, ids, strict=True):
            target = targets.get(link.column, {}).get(row.number)
            if target is None:
                continue
            source_id, target_id = (target, record_id) if link.swapped else (record_id, target)
            links.append(link_service.new_row(ctx, rtype, source_id, target_id, {}))
    if links:
        link_service.ensure_room_for(ctx, len(links))
        link_service.insert_links(ctx, links)


def _check_owners(ctx: Context, planned: Plan, batch: Batch) -> list[RowValues]:
    wanted = {row.owner_id for row in batch.good if row.owner_given and row.owner_id}
    active = active_members(ctx.session, ctx.caller, wanted)
    good: list[RowValues] = []
    for row in batch.good:
        if row.owner_given and row.owner_id and row.owner_id not in active:
            batch.errors.append(
                CellError(
                    row.number,
                    planned.converter.owner_column,
                    f"ownerId: '{row.owner_id[:64]}' is not an active member",
                )
            )
            batch.failed_rows += 1
        else:
            good.append(row)
    return good


def _resolve_link(
    ctx: Context,
    link: Link,
    rows: list[RowValues],
    batch: Batch,
    targets: dict[int, dict[int, str]],
) -> list[RowValues]:
    """Keep the rows whose link cell names exactly one record (or is empty)."""
    keys = {match_key(row.links[link.column]) for row in rows if link.column in row.links}
    keys.discard(None)
    found: dict[Any, list[str]] = {}
    values = sorted(keys)
    # Narrowed inside the database when its lower() agrees with Python's (as bulk-match does);
    # otherwise (SQLite and cased non-ASCII text) every record of the entity is compared here.
    narrow = all(lowered_alike_everywhere(value) for value in values)
    chunks = [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]
    for chunk in chunks if narrow else [[]]:
        conditions = [field_text(ctx, link.data_key).in_(chunk)] if narrow else []
        for record in record_service.live_visible_of_entity(ctx, link.entity_id, conditions):
            key = match_key(field_value(record, link.data_key))
            if key in keys:
                found.setdefault(key, []).append(record.record_id)
    chosen: dict[int, str] = {}
    kept: list[RowValues] = []
    for row in rows:
        text = row.links.get(link.column)
        if text is None:
            kept.append(row)
            continue
        matches = found.get(match_key(text), [])
        if len(matches) == 1:
            chosen[row.number] = matches[0]
            kept.append(row)
            continue
        reason = "no record" if not matches else f"{len(matches)} records"
        batch.errors.append(
            CellError(
                row.number, link.column, f"{reason} of entity {link.entity_id} match '{text[:64]}'"
            )
        )
        batch.failed_rows += 1
    targets[link.column] = chosen
    return kept
