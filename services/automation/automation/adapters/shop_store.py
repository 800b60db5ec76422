"""Database access of the shop sync: API authorisations (tokens sealed), cursors and last published items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from automation.adapters.repository import utcnow
from automation.adapters.tables import ShopConnectionRow, ShopItemRow, SyncCursorRow

MISSING_HASH = "missing"  # content_hash of a product a full sync no longer found


@dataclass(frozen=True)
class ShopConnection:
    profile_id: str
    user_id: str
    shop_id: str
    shop_name: str
    region: str
    shop_cipher: str
    tokens_enc: str
    access_expires_at: datetime
    connected_at: datetime


@dataclass(frozen=True)
class KnownItem:
    update_time: int
    content_hash: str
    active: bool


def _connection(row: ShopConnectionRow) -> ShopConnection:
    expires = row.access_expires_at if row.access_expires_at.tzinfo else row.access_expires_at.replace(tzinfo=UTC)
    connected = row.connected_at if row.connected_at.tzinfo else row.connected_at.replace(tzinfo=UTC)
    return ShopConnection(row.profile_id, row.user_id, row.shop_id, row.shop_name, row.region, row.shop_cipher,
                          row.tokens_enc, expires, connected)


class ShopConnectionRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def save(self, connection: ShopConnection) -> None:
        async with self._sessions.begin() as s:
            await s.execute(delete(ShopConnectionRow).where(ShopConnectionRow.profile_id == connection.profile_id))
            s.add(ShopConnectionRow(
                profile_id=connection.profile_id, user_id=connection.user_id, shop_id=connection.shop_id,
                shop_name=connection.shop_name, region=connection.region, shop_cipher=connection.shop_cipher,
                tokens_enc=connection.tokens_enc, access_expires_at=connection.access_expires_at,
                connected_at=connection.connected_at, updated_at=utcnow(),
            ))

    async def get(self, profile_id: str) -> ShopConnection | None:
        async with self._sessions() as s:
            row = await s.get(ShopConnectionRow, profile_id)
            return _connection(row) if row else None

    async def save_tokens(self, profile_id: str, tokens_enc: str, access_expires_at: datetime) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(ShopConnectionRow).where(ShopConnectionRow.profile_id == profile_id).values(
                tokens_enc=tokens_enc, access_expires_at=access_expires_at, updated_at=utcnow()))

    async def delete(self, profile_id: str) -> bool:
        async with self._sessions.begin() as s:
            result = await s.execute(delete(ShopConnectionRow).where(ShopConnectionRow.profile_id == profile_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]


class SyncStateRepository:
    """Cursors and the last published version of each product/order of a profile."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def cursor(self, profile_id: str, kind: str) -> int:
        async with self._sessions() as s:
            row = await s.get(SyncCursorRow, (profile_id, kind))
            return int(row.cursor) if row else 0

    async def save_cursor(self, profile_id: str, kind: str, cursor: int) -> None:
        async with self._sessions.begin() as s:
            row = await s.get(SyncCursorRow, (profile_id, kind))
            if row is None:
                s.add(SyncCursorRow(profile_id=profile_id, kind=kind, cursor=cursor, updated_at=utcnow()))
            elif cursor > row.cursor:
                row.cursor, row.updated_at = cursor, utcnow()

    async def known(self, profile_id: str, kind: str, item_ids: list[str]) -> dict[str, KnownItem]:
        if not item_ids:
            return {}
        async with self._sessions() as s:
            rows = await s.execute(select(ShopItemRow.item_id, ShopItemRow.update_time, ShopItemRow.content_hash,
                                          ShopItemRow.active).where(
                ShopItemRow.profile_id == profile_id, ShopItemRow.kind == kind, ShopItemRow.item_id.in_(item_ids)))
            return {r[0]: KnownItem(int(r[1]), str(r[2]), bool(r[3])) for r in rows}

    async def record(self, profile_id: str, kind: str, items: list[tuple[str, int, str, bool]]) -> None:
        """Upsert (item_id, update_time, content_hash, active) rows, one statement per call."""
        if not items:
            return
        now = utcnow()
        values: list[dict[str, Any]] = [
            {"profile_id": profile_id, "kind": kind, "item_id": i, "update_time": t, "content_hash": h,
             "active": a, "seen_at": now} for i, t, h, a in items]
        async with self._sessions.begin() as s:
            dialect = s.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(ShopItemRow).values(values)
            statement = statement.on_conflict_do_update(
                index_elements=["profile_id", "kind", "item_id"],
                set_={"update_time": statement.excluded.update_time,
                      "content_hash": statement.excluded.content_hash,
                      "active": statement.excluded.active, "seen_at": statement.excluded.seen_at})
            await s.execute(statement)

    async def count_listed(self, profile_id: str, kind: str) -> int:
        """Items the shop still listed when last seen (any status), i.e. not found missing by a full sync."""
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(ShopItemRow).where(
                ShopItemRow.profile_id == profile_id, ShopItemRow.kind == kind,
                ShopItemRow.content_hash != MISSING_HASH)) or 0)

    async def active_ids(self, profile_id: str, kind: str) -> set[str]:
        async with self._sessions() as s:
            rows = await s.scalars(select(ShopItemRow.item_id).where(
                ShopItemRow.profile_id == profile_id, ShopItemRow.kind == kind, ShopItemRow.active.is_(True)))
            return set(rows)

    async def forget_profile(self, profile_id: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(delete(ShopItemRow).where(ShopItemRow.profile_id == profile_id))
            await s.execute(delete(SyncCursorRow).where(SyncCursorRow.profile_id == profile_id))
