"""The events' timestamps built from integers are exactly the ones protobuf's own conversions give."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

from channel_adapter.timestamps import now, timestamp
from google.protobuf.timestamp_pb2 import Timestamp


def test_a_datetime_becomes_the_timestamp_from_datetime_gives() -> None:
    for at in (datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC), datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
               datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=timezone(timedelta(hours=-3)))):
        expected = Timestamp()
        expected.FromDatetime(at.astimezone(UTC))
        assert timestamp(at) == expected
    assert timestamp(None) == Timestamp()


def test_now_is_the_current_instant() -> None:
    before = time.time_ns()
    stamp = now()
    after = time.time_ns()
    assert before <= stamp.ToNanoseconds() <= after
