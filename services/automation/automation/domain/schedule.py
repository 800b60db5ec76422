"""When a profile may act: active hours in its timezone and per-day caps of actions per task type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from automation.domain.model import TaskType

ACTIVE_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
DEFAULT_DAILY_CAPS: dict[str, int] = {
    TaskType.REPLY_COMMENTS.value: 300,
    TaskType.REPLY_REVIEWS.value: 300,
    TaskType.REPLY_MESSAGES.value: 500,
    TaskType.INVITE_CREATORS.value: 200,
    # A sync publishes what changed; it answers nobody, so no platform quota applies: the cap is only a bound.
    TaskType.SYNC_CATALOG.value: 1_000_000,
    TaskType.SYNC_ORDERS.value: 1_000_000,
}


@dataclass(frozen=True)
class ActiveHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> ActiveHours | None:
        """`"08:00-22:00"` → window; empty → None (always active). Raises ValueError on bad input."""
        if not text:
            return None
        match = ACTIVE_HOURS.match(text)
        if not match:
            raise ValueError("expected HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError("hours must be 00-23 and minutes 00-59")
        end = time(23, 59, 59) if h2 == 24 else time(h2, m2)
        return cls(time(h1, m1), end)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # window across midnight, e.g. 22:00-06:00


def within_active_hours(active_hours: str, timezone: str, now: datetime) -> bool:
    window = ActiveHours.parse(active_hours)
    if window is None:
        return True
    return window.contains(now.astimezone(zone(timezone)).time().replace(tzinfo=None))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/Sao_Paulo")


def local_day_start(timezone: str, now: datetime) -> datetime:
    local = now.astimezone(zone(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def daily_cap(caps: dict[str, int], task_type: TaskType) -> int:
    return int(caps.get(task_type.value, DEFAULT_DAILY_CAPS[task_type.value]))


def validate_caps(caps: dict[str, object]) -> dict[str, int]:
    """Keys must be task types and values non-negative integers; raises ValueError naming the key."""
    checked: dict[str, int] = {}
    for key, value in caps.items():
        if key not in DEFAULT_DAILY_CAPS:
            raise ValueError(f"{key}: unknown task type; use one of {sorted(DEFAULT_DAILY_CAPS)}")
        if not isinstance(value, int | float) or int(value) != value or value < 0:
            raise ValueError(f"{key}: must be a non-negative integer")
        checked[key] = int(value)
    return checked
