"""Channel accounts in the database, secrets sealed with SecretBox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channel_adapter.adapters.secret_box import SecretBox, SecretsUnreadable
from channel_adapter.adapters.tables import AccountRow
from channel_adapter.domain.accounts import ChannelAccount
from channel_adapter.domain.channels import Platform
from channel_adapter.domain.errors import AccountKeyTaken, AccountNotFound
from channel_adapter.metrics import ACCOUNTS_UNREADABLE

log = structlog.get_logger(__name__)


class AccountRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box

    def _account(self, row: AccountRow) -> ChannelAccount:
        return ChannelAccount(
            id=row.id, user_id=row.user_id, platform=Platform(row.platform), account_key=row.account_key,
            display_name=row.display_name, settings=json.loads(row.settings or "{}"),
            secrets=self._box.open(row.secrets), created_at=row.created_at,
        )

    def _readable(self, rows: Sequence[AccountRow]) -> list[ChannelAccount]:
        """Accounts whose secrets decrypt; one sealed with another SECRETS_KEY (a rotation gone wrong, a copied
        database) is logged and counted, and must not take every other seller's channel down with it."""
        accounts = []
        for row in rows:
            try:
                accounts.append(self._account(row))
            except SecretsUnreadable:
                ACCOUNTS_UNREADABLE.labels(row.platform).inc()
                log.error("channel_account_unreadable", account_id=row.id, platform=row.platform,
                          user_id=row.user_id, reason="secrets do not decrypt with SECRETS_KEY; register it again")
        return accounts

    async def all(self) -> list[ChannelAccount]:
        async with self._sessions() as session:
            rows = (await session.execute(select(AccountRow))).scalars().all()
        return self._readable(rows)

    async def for_user(self, user_id: str) -> list[ChannelAccount]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(AccountRow).where(AccountRow.user_id == user_id).order_by(AccountRow.created_at)
            )).scalars().all()
        return self._readable(rows)

    async def register(
        self, user_id: str, platform: Platform, account_key: str, display_name: str,
        settings: dict[str, Any], secrets: dict[str, str],
    ) -> ChannelAccount:
        """Create, or update the caller's own account with the same key; another seller's key is taken."""
        async with self._sessions() as session:
            row = (await session.execute(select(AccountRow).where(
                AccountRow.platform == platform.value, AccountRow.account_key == account_key,
            ))).scalar_one_or_none()
            if row is not None and row.user_id != user_id:
                raise AccountKeyTaken(f"{platform.value} account {account_key!r} belongs to another seller")
            if row is None:
                row = AccountRow(id=str(uuid.uuid4()), user_id=user_id, platform=platform.value,
                                 account_key=account_key, created_at=datetime.now(UTC))
                session.add(row)
            row.display_name = display_name
            row.settings = json.dumps(settings, sort_keys=True)
            row.secret_fields = json.dumps(sorted(secrets))
            row.secrets = self._box.seal(secrets)
            try:
                await session.commit()
            except IntegrityError as exc:  # registered by someone else at the same moment
                raise AccountKeyTaken(f"{platform.value} account {account_key!r} is already registered") from exc
            await session.refresh(row)
            return self._account(row)

    async def delete(self, user_id: str, account_id: str) -> None:
        async with self._sessions() as session:
            result = await session.execute(
                delete(AccountRow).where(AccountRow.id == account_id, AccountRow.user_id == user_id)
            )
            await session.commit()
        if not result.rowcount:  # type: ignore[attr-defined]
            raise AccountNotFound(account_id)
