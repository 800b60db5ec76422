"""structlog JSON logs that carry the active trace and span ids."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from opentelemetry import trace

from sellerbot_telemetry.redaction import redact_credentials
from sellerbot_telemetry.settings import LogFormat


def _add_trace_ids(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict["trace_id"] = format(ctx.trace_id, "032x")
        event_dict["span_id"] = format(ctx.span_id, "016x")
    return event_dict


def configure_logging(service_name: str, level: str = "INFO", fmt: LogFormat = LogFormat.JSON) -> None:
    """Route structlog and the standard library's logging through one JSON renderer on stderr."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt is LogFormat.JSON else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        lambda _, __, ev: {**ev, "service": service_name},
    ]
    # Last before rendering, after the traceback became text: no URL credential is written, whoever logs it.
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, redact_credentials, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta, structlog.processors.format_exc_info,
            redact_credentials, renderer,
        ])
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
