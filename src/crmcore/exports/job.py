"""The EXPORT job: the file of ``exports.service`` written in batches, one transaction each with
a progress checkpoint. The file is built in a scratch file and moved into place at the end, so a
job that is interrupted (crash, shutdown) simply starts again from the first record."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crmcore.exports.service import ASYNC_LINK_TTL, Exporter, ExportRequest
from crmcore.jobs.runner import JobFailed, JobRun
from crmcore.kernel.errors import Forbidden, Gone, NotFound


@contextmanager
def _selection_kept() -> Iterator[None]:
    """The entity or segment went away (or out of reach) while the job ran: fail with why."""
    try:
        yield
    except (NotFound, Gone, Forbidden) as error:
        raise JobFailed(f"The export stopped: {error.message}") from error


def run_export(run: JobRun) -> None:
    request = ExportRequest.from_params(run.job.params)
    scratch: Path | None = None
    exporter: Exporter | None = None
    try:
        more = True
        while more and not run.stopping:
            with run.transaction() as ctx, _selection_kept():
                if exporter is None:
                    scratch = ctx.blobs.scratch("export-")
                    exporter = Exporter(ctx, request, scratch)
                more = exporter.write_batch(ctx)
                run.checkpoint(ctx, progress=exporter.written)
        if more or exporter is None:  # shutting down: the job starts over after the restart
            _discard(exporter, scratch)
            return
        run.heartbeat()  # a large XLSX takes a moment to assemble
        exporter.close()
        with run.transaction() as ctx:
            stored = exporter.finish(ctx, requested_at=run.job.date_created, ttl=ASYNC_LINK_TTL)
            written = exporter.written
            run.checkpoint(ctx, progress=written, total=written, result_file_id=stored.file_id)
    except BaseException:
        _discard(exporter, scratch)
        raise


def _discard(exporter: Exporter | None, scratch: Path | None) -> None:
    if exporter is not None:
        exporter.abort()
    if scratch is not None:
        scratch.unlink(missing_ok=True)
