"""No credential of a URL reaches a log line: userinfo (`user:password@`, `:password@`, `token@`) is cut from
every URL-looking text of a log event, whichever call site logged it (a settings URL, an error message that
quotes one, a traceback)."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

# scheme://userinfo@  (userinfo: up to the last @ before the host, since a password may hold an unescaped @;
# it cannot hold a / or whitespace)
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s]+@")
REDACTED = "***"


def redact_url(text: str) -> str:
    """`nats://bot:s3cret@host:4222` -> `nats://***@host:4222`; text without a credentialed URL is unchanged."""
    if "@" not in text or "://" not in text:
        return text
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact(item) for item in value)
    return value


def redact_credentials(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: every string of the event (nested ones too) without URL credentials; an exception
    logged as a value (`error=exc`) is rendered as its text first, since its message may quote a URL."""
    return {key: _redact(str(value) if isinstance(value, BaseException) else value)
            for key, value in event_dict.items()}
