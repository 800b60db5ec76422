"""The channel-adapter's tables (prefix `channel_adapter_`); they work on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, LargeBinary, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


class AccountRow(Base):
    """A seller's channel account; `secrets` is a Fernet token of a JSON object."""

    __tablename__ = "channel_adapter_accounts"
    __table_args__ = (UniqueConstraint("platform", "account_key", name="uq_channel_adapter_accounts_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    account_key: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    settings: Mapped[str] = mapped_column(Text, default="{}")
    secret_fields: Mapped[str] = mapped_column(Text, default="[]")
    secrets: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SentPartRow(Base):
    """One delivered part of a reply: makes re-deliveries idempotent and recognises our own echoes."""

    __tablename__ = "channel_adapter_sent_parts"
    __table_args__ = (Index("ix_channel_adapter_sent_parts_platform_id", "platform", "platform_message_id"),
                      Index("ix_channel_adapter_sent_parts_contact", "platform", "contact_id", "sent_at"))

    reply_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    part_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_message_id: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Whose reply and to whom: a receipt names only the platform's message id (or, Meta, the buyer + a time).
    user_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    contact_id: Mapped[str] = mapped_column(String(200), default="", server_default="")
    receipt_status: Mapped[str] = mapped_column(String(16), default="", server_default="")  # delivered|read|failed


class DeadLetterRow(Base):
    """A reply that failed every attempt; `reply` is the serialized OutboundReply to send again."""

    __tablename__ = "channel_adapter_dead_letters"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[str] = mapped_column(String(200))
    reply_id: Mapped[str] = mapped_column(String(120), index=True)
    text: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # dead | retried | delivered
    manual_retries: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reply: Mapped[bytes] = mapped_column(LargeBinary)


class InstagramContactRow(Base):
    """When each Instagram user last wrote to an account: replies are allowed for 24 hours after."""

    __tablename__ = "channel_adapter_instagram_contacts"

    account_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_inbound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
