"""The application factory: ``create_app(settings)``; the lifespan owns engine and stores."""

import asyncio
import hashlib
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from crmcore import __version__
from crmcore.api.deps import build_context
from crmcore.api.errors import install_error_handlers
from crmcore.api.middleware import BodyLimitMiddleware, body_limit_for
from crmcore.api.openapi import OPENAPI_PATH, install_openapi, operation_id
from crmcore.api.router import include_api
from crmcore.api.routing import request_threads
from crmcore.auth.keys import Authenticator
from crmcore.auth.replay import DatabaseReplayStore, RedisReplayStore, ReplayStore
from crmcore.config import Settings
from crmcore.db.engine import make_engine
from crmcore.db.session import UnitOfWork, make_session_factory
from crmcore.exports import job as export_job
from crmcore.files.cleanup import discard
from crmcore.imports import job as import_job
from crmcore.jobs import service as job_service
from crmcore.jobs.runner import ContextFactory, Handler, JobRunner
from crmcore.kernel.context import Caller, Context
from crmcore.kernel.pagination import CursorCodec
from crmcore.kernel.secrets import SecretBox, load_or_create_key
from crmcore.kernel.wire import utc_now
from crmcore.logs import configure_logging
from crmcore.models.job import JobKind
from crmcore.properties.indexing import IndexMaintainer
from crmcore.storage import BlobStore, UrlSigner
from crmcore.trash.service import purge_expired

log = logging.getLogger("crmcore")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        replay_store: ReplayStore = (
            RedisReplayStore(settings.redis_url) if settings.redis_url else DatabaseReplayStore()
        )
        key = load_or_create_key(settings.secret_key, settings.secret_key_file)
        app.state.session_factory = make_session_factory(engine)
        app.state.request_threads = request_threads(settings.db_pool_size)
        app.state.settings = settings
        app.state.blobs = BlobStore(settings.files_root)
        app.state.signer = UrlSigner(key, timedelta(seconds=settings.file_url_ttl_seconds))
        app.state.cursors = CursorCodec(hashlib.sha256(b"cursor:" + key.encode()).digest())
        app.state.authenticator = Authenticator(
            secret_box=SecretBox(key),
            replay_store=replay_store,
            skew=timedelta(seconds=settings.signature_skew_seconds),
        )
        app.state.indexes = IndexMaintainer(
            engine,
            min_records=settings.property_indexes_min_records,
            check_seconds=settings.property_index_check_seconds,
        )
        app.state.indexes.reconcile()
        runner = JobRunner(
            app.state.session_factory,
            job_context_factory(app.state),
            job_handlers(),
            workers=settings.job_workers,
            lease=timedelta(seconds=settings.job_lease_seconds),
        )
        app.state.jobs = runner
        runner.start()
        sweeper = None
        if settings.purge_interval_seconds:
            sweeper = asyncio.create_task(
                _sweep_trash(
                    app.state.session_factory, app.state.blobs, settings.purge_interval_seconds
                )
            )
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
            await run_in_threadpool(runner.stop)
            app.state.indexes.close()
            await run_in_threadpool(app.state.request_threads.shutdown)
            engine.dispose()

    app = FastAPI(
        title="crmcore",
        version=__version__,
        lifespan=lifespan,
        openapi_url=OPENAPI_PATH,
        docs_url="/crm-core/v1/public/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    app.add_middleware(
        BodyLimitMiddleware,
        limit_for=partial(
            body_limit_for,
            default=settings.max_body_bytes,
            upload=settings.upload_max_bytes,
            import_=settings.import_max_bytes,
        ),
    )
    install_error_handlers(app)
    install_openapi(app)
    include_api(app)
    return app


async def _sweep_trash(factory: sessionmaker[Session], blobs: BlobStore, interval: int) -> None:
    """Purge expired trash, jobs and temporary files now and then; a failure is logged and
    retried next time."""
    while True:
        await asyncio.sleep(interval * (0.5 + random.random()))  # spread across processes
        try:
            await run_in_threadpool(_purge_once, factory, blobs)
            await run_in_threadpool(_sweep_jobs, factory, blobs)
        except Exception:
            log.exception("trash purge failed")


def _sweep_jobs(factory: sessionmaker[Session], blobs: BlobStore) -> None:
    with factory() as session:
        job_service.sweep(session, blobs, utc_now())


def job_context_factory(state: Any) -> ContextFactory:
    """How a background job builds the Context of the member it runs as (no request: links
    point at CRMCORE_PUBLIC_URL or the default local address)."""

    def make(uow: UnitOfWork, caller: Caller, now: datetime) -> Context:
        return build_context(state, uow, caller, now, "http://127.0.0.1:8000")

    return make


def job_handlers() -> dict[str, Handler]:
    """Every job kind and the function that runs it."""
    return {JobKind.IMPORT: import_job.run, JobKind.EXPORT: export_job.run_export}


def _purge_once(factory: sessionmaker[Session], blobs: BlobStore) -> None:
    with factory.begin() as session:
        report = purge_expired(session, utc_now())
    discard(blobs, report.blob_keys)
    if report.records or report.entities:
        log.info("purged %d records and %d entities", report.records, report.entities)


def create_app_from_environment() -> FastAPI:
    """Entry point for ``uvicorn --factory`` (used by ``crmcore serve --workers N``)."""
    return create_app(Settings())
