"""structlog set-up: key/value or JSON lines; never secrets (headers and statement parameters are
not logged, file-link signatures are redacted from access logs)."""

import logging
import re

import structlog

from crmcore.config import Settings


def configure_logging(settings: Settings) -> None:
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSignedLinks) for f in access.filters):
        access.addFilter(RedactSignedLinks())


_LINK_SIGNATURE = re.compile(r"(signature=)[^&\s\"]*")


class RedactSignedLinks(logging.Filter):
    """Access-log lines show a download link's path and query; its signature is a bearer
    credential until it expires, so it is written as ``signature=REDACTED``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _LINK_SIGNATURE.sub(r"\1REDACTED", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True
