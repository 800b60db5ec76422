"""A shop's team: members and their roles, one-time invitations; a shop always keeps at least one owner."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_gateway.auth.permissions import Permission, Role, allows
from api_gateway.users.repository import Member, flush_new_user, new_user
from api_gateway.users.tables import Invitation, Membership, User


class TeamError(Exception):
    """A team change refused; the gateway maps each subclass to one HTTP status."""


class MissingPermission(TeamError):
    def __init__(self, permission: Permission, detail: str) -> None:
        super().__init__(detail)
        self.permission = permission


class LastOwner(TeamError):
    pass


class MemberNotFound(TeamError):
    pass


class InvitationNotFound(TeamError):
    pass


class InvitationUnusable(TeamError):
    """The token is unknown, already used or expired (`reason` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invitation {reason}")
        self.reason = reason


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"


@dataclass(frozen=True)
class InvitationView:
    id: str
    email: str
    role: Role
    invited_by: str
    created_at: datetime
    expires_at: datetime
    status: InvitationStatus

    @classmethod
    def of(cls, row: Invitation, now: datetime) -> InvitationView:
        status = (InvitationStatus.ACCEPTED if row.accepted_at else
                  InvitationStatus.EXPIRED if _aware(row.expires_at) <= now else InvitationStatus.PENDING)
        return cls(id=row.id, email=row.email, role=Role(row.role), invited_by=row.invited_by,
                   created_at=_aware(row.created_at), expires_at=_aware(row.expires_at), status=status)


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_owner_rule(actor: Member, *roles: Role, owners: Sequence[str] | None = None) -> None:
    """Making, demoting, inviting or removing an owner needs MANAGE_OWNERS (an admin cannot). With `owners` (read
    under lock), an actor who stopped being an owner since the request began counts as an admin."""
    role = Role.ADMIN if owners is not None and actor.role is Role.OWNER and actor.user_id not in owners else actor.role
    if Role.OWNER in roles and not allows(role, Permission.MANAGE_OWNERS):
        raise MissingPermission(Permission.MANAGE_OWNERS, f"a {role} cannot make, change or remove an owner")


def _keep_an_owner(owners: Sequence[str]) -> None:
    """Called before an owner stops being one."""
    if len(owners) <= 1:
        raise LastOwner("a shop keeps at least one owner: make another member owner first")


class TeamRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def members(self, shop_id: str) -> list[Member]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(User, Membership).join(Membership, Membership.user_id == User.id)
                .where(Membership.shop_id == shop_id).order_by(Membership.created_at, User.email))
            return [Member.of(user, membership) for user, membership in rows.all()]

    async def change_role(self, actor: Member, user_id: str, role: Role) -> Member:
        async with self._sessions.begin() as session:
            owners = await self._lock_owners(session, actor.shop_id)
            user, membership = await self._target(session, actor.shop_id, user_id)
            current = Role(membership.role)
            _check_owner_rule(actor, current, role, owners=owners)
            if current is Role.OWNER and role is not Role.OWNER:
                _keep_an_owner(owners)
            membership.role = role.value
            return Member.of(user, membership)

    async def remove(self, actor: Member, user_id: str) -> None:
        """The member's account goes too: a user belongs to one shop."""
        async with self._sessions.begin() as session:
            owners = await self._lock_owners(session, actor.shop_id)
            user, membership = await self._target(session, actor.shop_id, user_id)
            _check_owner_rule(actor, Role(membership.role), owners=owners)
            if membership.role == Role.OWNER:
                _keep_an_owner(owners)
            await session.execute(delete(Membership).where(Membership.user_id == user.id))
            await session.execute(delete(User).where(User.id == user.id))

    async def invite(self, actor: Member, email: str, role: Role, ttl: timedelta) -> tuple[InvitationView, str]:
        """The token is returned once; only its hash is kept."""
        _check_owner_rule(actor, role)
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        row = Invitation(id=str(uuid.uuid4()), shop_id=actor.shop_id, email=email.lower(), role=role.value,
                         token_hash=token_hash(token), invited_by=actor.user_id, created_at=now,
                         expires_at=now + ttl)
        async with self._sessions.begin() as session:
            session.add(row)
        return InvitationView.of(row, now), token

    async def invitations(self, shop_id: str) -> list[InvitationView]:
        now = datetime.now(UTC)
        async with self._sessions() as session:
            rows = await session.execute(
                select(Invitation).where(Invitation.shop_id == shop_id).order_by(Invitation.created_at.desc()))
            return [InvitationView.of(row, now) for row in rows.scalars()]

    async def revoke(self, actor: Member, invitation_id: str) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(Invitation, invitation_id)
            if row is None or row.shop_id != actor.shop_id:
                raise InvitationNotFound(f"no invitation {invitation_id} in this shop")
            _check_owner_rule(actor, Role(row.role))
            await session.delete(row)

    async def accept(self, token: str, password: str) -> Member:
        """Creates the invited user in the invitation's shop; a token works once, before it expires."""
        now = datetime.now(UTC)
        async with self._sessions() as session:
            row = (await session.execute(
                select(Invitation).where(Invitation.token_hash == token_hash(token)).with_for_update()
            )).scalar_one_or_none()
            if row is None:
                raise InvitationUnusable("unknown")
            if row.accepted_at is not None:
                raise InvitationUnusable("already used")
            if _aware(row.expires_at) <= now:
                raise InvitationUnusable("expired")
            user = new_user(row.email, password)
            membership = Membership(user_id=user.id, shop_id=row.shop_id, role=row.role)
            row.accepted_at = now
            session.add(user)
            await flush_new_user(session, row.email)
            session.add(membership)
            await session.commit()
        return Member.of(user, membership)

    async def _target(self, session: AsyncSession, shop_id: str, user_id: str) -> tuple[User, Membership]:
        row = (await session.execute(
            select(User, Membership).join(Membership, Membership.user_id == User.id)
            .where(User.id == user_id, Membership.shop_id == shop_id).with_for_update()
        )).one_or_none()
        if row is None:
            raise MemberNotFound(f"no member {user_id} in this shop")
        return row[0], row[1]

    async def _lock_owners(self, session: AsyncSession, shop_id: str) -> Sequence[str]:
        """The shop's owners, locked until the change commits. Every role change takes this lock first, in one
        order, so two owners stepping down at once wait for each other instead of deadlocking (or both
        succeeding)."""
        return (await session.execute(
            select(Membership.user_id).where(Membership.shop_id == shop_id, Membership.role == Role.OWNER.value)
            .order_by(Membership.user_id).with_for_update())).scalars().all()

