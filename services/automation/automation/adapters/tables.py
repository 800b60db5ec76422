"""The automation service's tables (prefix `automation_`), portable between PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class ProfileRow(Base):
    __tablename__ = "automation_profiles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(8))
    seller_center_url: Mapped[str] = mapped_column(String(500))
    login_masked: Mapped[str] = mapped_column(String(320))
    credentials_enc: Mapped[str] = mapped_column(Text)  # Fernet(SECRETS_KEY) of {login, password, proxy}
    session_state_enc: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet of storage_state
    has_proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[dict[str, Any]] = mapped_column(JSON)
    daily_caps: Mapped[dict[str, Any]] = mapped_column(JSON)
    active_hours: Mapped[str] = mapped_column(String(11), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)


class TaskRow(Base):
    __tablename__ = "automation_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    task_type: Mapped[str] = mapped_column(String(32))
    profile_id: Mapped[str] = mapped_column(String(36), index=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    error_kind: Mapped[str] = mapped_column(String(40), default="")
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    worker_id: Mapped[str] = mapped_column(String(80), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    artifacts: Mapped[list[Any]] = mapped_column(JSON, default=list)


class HandledItemRow(Base):
    """Items already answered/invited: platform actions are one-shot, a re-run must never repeat them."""

    __tablename__ = "automation_handled_items"
    __table_args__ = (UniqueConstraint("profile_id", "kind", "item_id", name="uq_automation_handled_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str] = mapped_column(String(36))
    detail: Mapped[str] = mapped_column(Text, default="")
    handled_at: Mapped[datetime] = mapped_column(index=True)


class WorkerRow(Base):
    """One queue runner per seller (user); `desired_running` survives restarts, heartbeat proves liveness."""

    __tablename__ = "automation_workers"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(80))
    process_id: Mapped[str] = mapped_column(String(80))
    desired_running: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="stopped")
    max_parallel_profiles: Mapped[int] = mapped_column(Integer, default=2)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(nullable=True)
    stopped_reason: Mapped[str] = mapped_column(Text, default="")


class ShopConnectionRow(Base):
    """A profile's TikTok Shop Open API authorisation: with it the shop sync uses the API, not the pages."""

    __tablename__ = "automation_shop_connections"

    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    shop_id: Mapped[str] = mapped_column(String(64))
    shop_name: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(8), default="")
    shop_cipher: Mapped[str] = mapped_column(String(200))
    tokens_enc: Mapped[str] = mapped_column(Text)  # Fernet(SECRETS_KEY) of the access and refresh tokens
    access_expires_at: Mapped[datetime]
    connected_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SyncCursorRow(Base):
    """Where the last sync of a profile's products or orders stopped (newest update_time seen)."""

    __tablename__ = "automation_sync_cursors"

    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # product | order
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]


class ShopItemRow(Base):
    """What the sync last published per product/order: skips unchanged items and finds products gone."""

    __tablename__ = "automation_shop_items"

    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    update_time: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    seen_at: Mapped[datetime]


class ScheduleRow(Base):
    """A recurring task: every N minutes, within the profile's active hours; next_run_at is claimed atomically."""

    __tablename__ = "automation_schedules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    profile_id: Mapped[str] = mapped_column(String(36), index=True)
    task_type: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    every_minutes: Mapped[int] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_run_at: Mapped[datetime] = mapped_column(index=True)
    last_run_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_task_id: Mapped[str] = mapped_column(String(36), default="")
    last_outcome: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
