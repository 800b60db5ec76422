"""Tokens in query strings never reach the server's logs: uvicorn's access line (`"GET /path?query"`) and its
WebSocket line (`"WebSocket /ws/notifications?token=..." [accepted]`) print the whole URL."""

from __future__ import annotations

import logging
import re

SECRET_PARAMETER = re.compile(r"((?:^|[?&])(?:access_)?token=)[^&\s\"']*")
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redacted(text: str) -> str:
    return SECRET_PARAMETER.sub(r"\1[redacted]", text)


class QueryTokenRedaction(logging.Filter):
    """Rewrites the record's arguments in place (uvicorn's access formatter reads them by position)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "token=" in a for a in record.args):
            record.args = tuple(redacted(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = redacted(record.msg)
        return True


def redact_tokens_in_server_logs() -> None:
    """Idempotent: every app built in one process (the tests) shares uvicorn's loggers."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryTokenRedaction) for f in logger.filters):
            logger.addFilter(QueryTokenRedaction())
