"""The automation world in the seller's words: profiles, tasks, their statuses, and what a run produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TaskType(StrEnum):
    REPLY_COMMENTS = "reply_comments"
    REPLY_REVIEWS = "reply_reviews"
    REPLY_MESSAGES = "reply_messages"
    INVITE_CREATORS = "invite_creators"
    SYNC_CATALOG = "sync_catalog"
    SYNC_ORDERS = "sync_orders"

    @property
    def is_shop_sync(self) -> bool:
        """Reads the shop (products, orders) through the Open API when authorised, else Seller Center pages."""
        return self in (TaskType.SYNC_CATALOG, TaskType.SYNC_ORDERS)


class TaskStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self not in (TaskStatus.QUEUED, TaskStatus.RUNNING)


class ProfileStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFYING = "verifying"
    VERIFIED = "verified"
    NEEDS_2FA = "needs_2fa"
    CAPTCHA = "captcha"
    EXPIRED = "expired"
    BLOCKED = "blocked"
    FAILED = "failed"


class LoginState(StrEnum):
    """Outcome of checking a Seller Center login (the `bot.profile.login_state` event)."""

    OK = "ok"
    EXPIRED = "expired"
    NEEDS_2FA = "needs_2fa"
    CAPTCHA = "captcha"
    BLOCKED = "blocked"
    ERROR = "error"

    @property
    def profile_status(self) -> ProfileStatus:
        return {
            LoginState.OK: ProfileStatus.VERIFIED,
            LoginState.EXPIRED: ProfileStatus.EXPIRED,
            LoginState.NEEDS_2FA: ProfileStatus.NEEDS_2FA,
            LoginState.CAPTCHA: ProfileStatus.CAPTCHA,
            LoginState.BLOCKED: ProfileStatus.BLOCKED,
            LoginState.ERROR: ProfileStatus.FAILED,
        }[self]


@dataclass(frozen=True)
class Fingerprint:
    """Kept stable per profile: a saved session survives only if the browser looks the same next time."""

    user_agent: str
    viewport_width: int
    viewport_height: int
    locale: str
    timezone: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Profile:
    id: str
    user_id: str
    name: str
    region: str
    seller_center_url: str
    login_masked: str
    has_proxy: bool
    status: ProfileStatus
    status_reason: str
    fingerprint: Fingerprint
    daily_caps: dict[str, int]
    active_hours: str
    created_at: datetime
    last_verified_at: datetime | None = None
    has_session: bool = False


@dataclass(frozen=True)
class ProfileSecrets:
    """Decrypted only inside the worker, for the time of one browser run; never returned by the API."""

    login: str
    password: str
    proxy: str
    storage_state: dict[str, Any] | None


@dataclass
class Task:
    id: str
    user_id: str
    task_type: TaskType
    profile_id: str
    config: dict[str, Any]
    status: TaskStatus
    created_at: datetime
    progress_done: int = 0
    progress_total: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    error_kind: str = ""
    retry_count: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    worker_id: str = ""
    cancel_requested: bool = False
    artifacts: list[str] = field(default_factory=list)

    @property
    def duration_seconds(self) -> float:
        if self.started_at is None or self.finished_at is None:
            return 0.0
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


@dataclass
class TaskOutcome:
    """What an executor reports: done/total and a summary that becomes the task's `result`."""

    done: int = 0
    total: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    partial_reason: str = ""  # e.g. "quota_exhausted": completed, but stopped early on a platform limit
