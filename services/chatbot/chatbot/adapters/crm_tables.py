"""The CRM's tables (prefix `chatbot_`): one contact (lead) per customer per shop, the channel identities that
are that person, their orders (bot drafts, manual, TikTok Shop), merges kept for undo, and an audit trail of
erasures and merges that holds no personal data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.adapters.tables import Base


class ContactRow(Base):
    __tablename__ = "chatbot_contacts"
    __table_args__ = (
        Index("ix_chatbot_contacts_last_seen", "user_id", "last_seen", "id"),
        Index("ix_chatbot_contacts_score", "user_id", "score", "id"),
        Index("ix_chatbot_contacts_name", "user_id", "name", "id"),
        Index("ix_chatbot_contacts_created", "user_id", "created_at", "id"),
        Index("ix_chatbot_contacts_phone", "user_id", "phone"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # digits with country code; "" when unknown
    stage: Mapped[str] = mapped_column(String(20), default="new_contact")
    last_intents: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    tag_text: Mapped[str] = mapped_column(Text, default="")  # "|vip|atacado|": tag filter without JSON operators
    notes: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(64), default="")  # member (user id) in charge
    score: Mapped[int] = mapped_column(Integer, default=0)
    score_signals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    opt_out_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded name, phone, handles, tags
    merged_into: Mapped[str | None] = mapped_column(String(36), nullable=True)  # hidden until undo expires
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContactIdentityRow(Base):
    """One channel address of a contact: `whatsapp:5511…`, `chatwoot:42`, `instagram:<igsid>`."""

    __tablename__ = "chatbot_contact_identities"
    __table_args__ = (UniqueConstraint("user_id", "contact_id", name="uq_chatbot_contact_identity"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    contact_ref: Mapped[str] = mapped_column(ForeignKey("chatbot_contacts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrderRow(Base):
    """Every order of the shop, whatever made it: `source` bot_draft (slot filling), manual, tiktok_shop.
    TikTok Shop orders land by (source, external_order_id) with their platform status and tracking."""

    __tablename__ = "chatbot_orders"
    __table_args__ = (
        UniqueConstraint("user_id", "source", "external_order_id", name="uq_chatbot_orders_external"),
        Index("ix_chatbot_orders_user_time", "user_id", "created_at", "id"),
        Index("ix_chatbot_orders_buyer_phone", "user_id", "buyer_phone"),
        Index("ix_chatbot_orders_buyer_handle", "user_id", "buyer_handle"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    contact_ref: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    conversation_id: Mapped[str] = mapped_column(String(36), default="")
    source: Mapped[str] = mapped_column(String(16))  # bot_draft | manual | tiktok_shop
    status: Mapped[str] = mapped_column(String(24))  # draft | confirmed | dropped | a platform status
    external_order_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cep: Mapped[str] = mapped_column(String(9), default="")
    payment: Mapped[str] = mapped_column(String(40), default="")
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    tracking: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # TikTok Shop orders (migration chatbot_0005): the buyer as the platform gives it (the phone normalised to
    # digits, "" when masked), when the read model last applied an event and the platform's update time.
    buyer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    buyer_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    buyer_handle: Mapped[str] = mapped_column(String(100), default="", server_default="")
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    external_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ContactMergeRow(Base):
    """An explicit merge: which identities moved and the kept contact's fields before, for undo that day."""

    __tablename__ = "chatbot_contact_merges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    kept_ref: Mapped[str] = mapped_column(String(36))
    merged_ref: Mapped[str] = mapped_column(String(36))
    moved_identities: Mapped[list[str]] = mapped_column(JSON, default=list)
    moved_orders: Mapped[list[str]] = mapped_column(JSON, default=list)
    kept_before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CrmAuditRow(Base):
    """What was done to a contact, by whom and when; never a name, phone or message (erasures stay here)."""

    __tablename__ = "chatbot_crm_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(24))  # erased | merged | merge_undone | exported
    contact_ref: Mapped[str] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(64), default="")
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrmWebhookDeliveryRow(Base):
    """The outbound CRM webhook's outbox: one row per event, sent with retries; `dead` after the last failed
    attempt until someone retries it. An erased person's rows are deleted with them."""

    __tablename__ = "chatbot_crm_webhook_deliveries"
    __table_args__ = (Index("ix_chatbot_crm_webhook_status", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_ref: Mapped[str] = mapped_column(String(36), default="", index=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))  # pending | sending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
