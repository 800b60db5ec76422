"""The gateway's tables: users, their shops (tenants), memberships with a role, and invitations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


class User(Base):
    __tablename__ = "gateway_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class Shop(Base):
    """A seller account: the tenant every service scopes its data by (its id travels as `x-user-id`).
    A seller's first shop has the id of its first owner, so data keyed by that user's id stays the shop's."""

    __tablename__ = "gateway_shops"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class Membership(Base):
    """A user belongs to one shop, with one role (api_gateway.auth.permissions.Role)."""

    __tablename__ = "gateway_memberships"

    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("gateway_users.id", ondelete="CASCADE"),
                                         primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(36), ForeignKey("gateway_shops.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class Invitation(Base):
    """A one-time invitation: only the SHA-256 of its token is kept; accepting it sets accepted_at."""

    __tablename__ = "gateway_invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(36), ForeignKey("gateway_shops.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, default=None)
