"""Reading and writing users."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_gateway.auth.passwords import hash_password
from api_gateway.users.tables import User


class EmailAlreadyRegistered(Exception):
    pass


def admin_user_id(email: str) -> str:
    """The first admin's id is derived from ADMIN_EMAIL, so single-seller set-ups (and `make run`) can route
    channel messages to that user with DEFAULT_SELLER_USER_ID before the gateway ever ran."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sellerbot:user:{email.lower()}"))


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

    async def create(self, email: str, password: str, is_admin: bool = False, user_id: str = "") -> User:
        user = User(id=user_id or str(uuid.uuid4()), email=email.lower(), password_hash=hash_password(password),
                    is_admin=is_admin)
        async with self._sessions() as session:
            session.add(user)
            try:
                await session.commit()
            except IntegrityError as exc:
                raise EmailAlreadyRegistered(email) from exc
        return user

    async def ensure_admin(self, email: str, password: str) -> User:
        """The first admin comes from ADMIN_EMAIL / ADMIN_PASSWORD; an existing one is left as is."""
        existing = await self.by_email(email)
        if existing is not None:
            return existing
        try:
            return await self.create(email, password, is_admin=True, user_id=admin_user_id(email))
        except EmailAlreadyRegistered:  # another replica created it at the same moment
            found = await self.by_email(email)
            assert found is not None
            return found
