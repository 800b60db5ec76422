"""The browser's JSON frame `{"id", "type", "payload", "ts"}`, built once per notification (not per socket)."""

from __future__ import annotations

import json
from datetime import UTC, datetime


def iso_ts(epoch_seconds: float) -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-25T10:00:00.123Z."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def frame(event_id: str | None, kind: str, payload_json: str, epoch_seconds: float) -> str:
    ident = "null" if not event_id else json.dumps(event_id)
    return f'{{"id":{ident},"type":{json.dumps(kind)},"payload":{payload_json or "{}"},"ts":"{iso_ts(epoch_seconds)}"}}'
