"""The chatbot service's tables (prefix `chatbot_`): conversations, full message history (which is also
the inbox that makes replies exactly-once), catalog, versioned config, learned FAQ answers, handoffs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "chatbot_conversations"
    __table_args__ = (Index("ix_chatbot_conversations_contact", "user_id", "contact_id", "archived"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(200), default="")
    platform_conversation_id: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    handoff_state: Mapped[str] = mapped_column(String(20), default="bot")
    handoff_reason: Mapped[str] = mapped_column(String(500), default="")
    handoff_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    human_activity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stage: Mapped[str] = mapped_column(String(20), default="new_contact")
    prompt_variant: Mapped[str] = mapped_column(String(40), default="default")
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    converted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    order_id: Mapped[str] = mapped_column(String(100), default="")
    order_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    last_message: Mapped[str] = mapped_column(Text, default="")
    last_intent: Mapped[str] = mapped_column(String(20), default="")
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    fallback_count: Mapped[int] = mapped_column(Integer, default=0)
    complaint_count: Mapped[int] = mapped_column(Integer, default=0)
    reply_sequence: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class MessageRow(Base):
    __tablename__ = "chatbot_messages"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_chatbot_messages_event"),
        Index("ix_chatbot_messages_pending", "status", "conversation_id"),
        Index("ix_chatbot_messages_user_time", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("chatbot_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    text: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str] = mapped_column(String(20), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    event_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # in: pending|answered|silenced; out: sent|delivered|read|failed
    status: Mapped[str] = mapped_column(String(16), default="")
    reply_id: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(16), default="")  # out: llm|offline|faq
    prompt_variant: Mapped[str] = mapped_column(String(40), default="")
    response_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    platform_timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HeldReplyRow(Base):
    """A reply recorded with its turn and not yet known to be on the event bus (the turn's outbox): written in
    the turn's transaction, deleted once JetStream acked it, published again after a crash or a failed publish
    (JetStream drops a second publish of the same reply id)."""

    __tablename__ = "chatbot_held_replies"

    reply_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    event: Mapped[bytes] = mapped_column(LargeBinary)  # the OutboundReply, serialised
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ProductRow(Base):
    """A product of the catalog, whatever made it: `source` manual (the API), csv (an import), tiktok_shop (the
    SHOP events' read model, by `external_id`; `active` False once the shop deactivated it: never deleted)."""

    __tablename__ = "chatbot_products"
    __table_args__ = (UniqueConstraint("user_id", "sku", name="uq_chatbot_products_sku"),
                      UniqueConstraint("user_id", "source", "external_id", name="uq_chatbot_products_external"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    stock: Mapped[int] = mapped_column(Integer, default=0)
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    shipping_policy: Mapped[str] = mapped_column(Text, default="")
    return_policy: Mapped[str] = mapped_column(Text, default="")
    gender: Mapped[str] = mapped_column(String(16), default="", server_default="")
    source: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the TikTok Shop product id
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    platform_status: Mapped[str] = mapped_column(String(24), default="", server_default="")
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConfigVersionRow(Base):
    __tablename__ = "chatbot_config_versions"
    __table_args__ = (UniqueConstraint("user_id", "version", name="uq_chatbot_config_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LearnedAnswerRow(Base):
    __tablename__ = "chatbot_faq_learned"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HandoffRow(Base):
    __tablename__ = "chatbot_handoffs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("chatbot_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(16))  # bot | api | human_agent
    reason: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- the human inbox (migration chatbot_0002) -----------------------------------------------------------------
class InboxStateRow(Base):
    """Per conversation: who of the shop holds it and when the shop last read it (unread = buyer messages after)."""

    __tablename__ = "chatbot_inbox_state"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("chatbot_conversations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    assignee_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    assignee_name: Mapped[str] = mapped_column(String(200), default="")
    assigned_by: Mapped[str] = mapped_column(String(64), default="")
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AgentMessageRow(Base):
    """The author of an outgoing message a member wrote (the bot's replies have no row here)."""

    __tablename__ = "chatbot_agent_messages"

    message_id: Mapped[str] = mapped_column(ForeignKey("chatbot_messages.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200), default="")


class NoteRow(Base):
    """An internal note on a conversation: for the shop's members, never sent to the buyer."""

    __tablename__ = "chatbot_notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("chatbot_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuickReplyRow(Base):
    __tablename__ = "chatbot_quick_replies"
    __table_args__ = (UniqueConstraint("user_id", "shortcut", name="uq_chatbot_quick_replies_shortcut"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    shortcut: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
