"""Reading and writing users; a user is always created with the shop they belong to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_gateway.auth.passwords import hash_password
from api_gateway.auth.permissions import Role
from api_gateway.users.tables import Membership, Shop, User


class EmailAlreadyRegistered(Exception):
    pass


@dataclass(frozen=True)
class Member:
    """A user as seen inside their shop: `shop_id` is the tenant the services scope data by."""

    user_id: str
    email: str
    is_admin: bool
    shop_id: str
    role: Role
    joined_at: datetime | None = None

    @classmethod
    def of(cls, user: User, membership: Membership) -> Member:
        return cls(user_id=user.id, email=user.email, is_admin=user.is_admin, shop_id=membership.shop_id,
                   role=Role(membership.role), joined_at=membership.created_at)


def admin_user_id(email: str) -> str:
    """The first admin's id is derived from ADMIN_EMAIL, so single-seller set-ups (and `make run`) can route
    channel messages to that user's shop (same id) with DEFAULT_SELLER_USER_ID before the gateway ever ran."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sellerbot:user:{email.lower()}"))


def new_user(email: str, password: str, is_admin: bool = False, user_id: str = "") -> User:
    return User(id=user_id or str(uuid.uuid4()), email=email.lower(), password_hash=hash_password(password),
                is_admin=is_admin)


async def flush_new_user(session: AsyncSession, email: str) -> None:
    """Writes the pending user row (the membership's foreign key needs it first)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise EmailAlreadyRegistered(email) from exc


class UserRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def by_email(self, email: str) -> User | None:
        async with self._sessions() as session:
            result = await session.execute(select(User).where(User.email == email.lower()))
            return result.scalar_one_or_none()

    async def by_id(self, user_id: str) -> User | None:
        async with self._sessions() as session:
            return await session.get(User, user_id)

    async def member(self, user_id: str) -> Member | None:
        """The user with their shop and role, in one query (every authenticated request asks)."""
        async with self._sessions() as session:
            row = (await session.execute(
                select(User, Membership).join(Membership, Membership.user_id == User.id).where(User.id == user_id)
            )).one_or_none()
        return None if row is None else Member.of(*row)

    async def create_seller(self, email: str, password: str, is_admin: bool = False, user_id: str = "") -> Member:
        """A new user who owns a new shop; the shop's id is the user's id."""
        user = new_user(email, password, is_admin, user_id)
        membership = Membership(user_id=user.id, shop_id=user.id, role=Role.OWNER.value)
        async with self._sessions() as session:
            session.add_all([user, Shop(id=user.id, name=user.email)])
            await flush_new_user(session, email)
            session.add(membership)
            await session.commit()
        return Member.of(user, membership)

    async def ensure_admin(self, email: str, password: str) -> Member:
        """The first admin comes from ADMIN_EMAIL / ADMIN_PASSWORD; an existing one is left as is."""
        existing = await self.by_email(email)
        if existing is None:
            try:
                return await self.create_seller(email, password, is_admin=True, user_id=admin_user_id(email))
            except EmailAlreadyRegistered:  # another replica created it at the same moment
                existing = await self.by_email(email)
        assert existing is not None
        found = await self.member(existing.id)
        assert found is not None, f"{email} has no shop"
        return found
