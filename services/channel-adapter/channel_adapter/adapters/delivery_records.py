"""What was sent, what died, and when Instagram users last wrote: the outbound side's own records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from channel_adapter.adapters.tables import DeadLetterRow, InstagramContactRow, SentPartRow
from channel_adapter.domain.errors import DeadLetterNotFound


class DeadLetterStatus:
    DEAD = "dead"
    RETRIED = "retried"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class SentReply:
    """A reply a receipt is about: enough to report its new status."""

    reply_id: str
    user_id: str
    contact_id: str
    platform_message_id: str
    receipt_status: str = ""  # the furthest status a receipt reported so far


@dataclass(frozen=True)
class DeadLetter:
    id: str
    user_id: str
    channel: str
    contact_id: str
    reply_id: str
    text: str
    error: str
    attempts: int
    status: str
    manual_retries: int
    failed_at: datetime
    reply: bytes


def _one_per_reply(rows: Sequence[SentPartRow]) -> list[SentReply]:
    replies: dict[str, SentReply] = {}
    for row in rows:
        replies.setdefault(row.reply_id, SentReply(row.reply_id, row.user_id, row.contact_id,
                                                   row.platform_message_id, row.receipt_status))
    return list(replies.values())


def _dead_letter(row: DeadLetterRow) -> DeadLetter:
    failed_at = row.failed_at if row.failed_at.tzinfo else row.failed_at.replace(tzinfo=UTC)
    return DeadLetter(row.id, row.user_id, row.channel, row.contact_id, row.reply_id, row.text, row.error,
                      row.attempts, row.status, row.manual_retries, failed_at, row.reply)


SENT_PARTS = cast(Table, SentPartRow.__table__)
DEAD_LETTERS = cast(Table, DeadLetterRow.__table__)
# Every delivered reply runs these three: Core statements on a plain connection (an ORM session, its unit of
# work and its per-statement ORM compilation cost more CPU than the statements themselves).
SELECT_SENT_PARTS = select(SENT_PARTS.c.part_index, SENT_PARTS.c.platform_message_id).where(
    SENT_PARTS.c.reply_id == bindparam("p_reply"))
INSERT_SENT_PART = insert(SENT_PARTS)
MARK_DELIVERED = update(DEAD_LETTERS).where(DEAD_LETTERS.c.reply_id == bindparam("p_reply")).values(
    status=DeadLetterStatus.DELIVERED)


class DeliveryRecords:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        # a single-statement read needs no transaction: one round trip instead of BEGIN + SELECT + ROLLBACK
        self._reader: AsyncEngine = self._engine.execution_options(isolation_level="AUTOCOMMIT")

    # ---- sent parts
    async def sent_parts(self, reply_id: str) -> dict[int, str]:
        async with self._reader.connect() as conn:
            rows = (await conn.execute(SELECT_SENT_PARTS, {"p_reply": reply_id})).all()
        return {index: message_id for index, message_id in rows}

    async def record_part(self, reply_id: str, index: int, platform: str, platform_message_id: str,
                          user_id: str = "", contact_id: str = "", last: bool = False) -> None:
        """`last`: the reply's last part, so the reply is delivered (`mark_delivered` in the same transaction)."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(INSERT_SENT_PART, {
                    "reply_id": reply_id, "part_index": index, "platform": platform,
                    "platform_message_id": platform_message_id, "sent_at": datetime.now(UTC), "user_id": user_id,
                    "contact_id": contact_id, "receipt_status": ""})
                if last:
                    await conn.execute(MARK_DELIVERED, {"p_reply": reply_id})
        except IntegrityError:  # recorded by a concurrent delivery of the same reply
            if last:
                await self.mark_delivered(reply_id)

    async def is_own_message(self, platform: str, platform_message_id: str) -> bool:
        if not platform_message_id:
            return False
        async with self._sessions() as session:
            found = await session.execute(select(SentPartRow.reply_id).where(
                SentPartRow.platform == platform, SentPartRow.platform_message_id == platform_message_id,
            ).limit(1))
            return found.first() is not None

    async def replies_by_message_ids(self, platform: str, user_id: str, ids: tuple[str, ...]) -> list[SentReply]:
        """The replies (of this owner) that went out as these platform messages, one per reply."""
        if not ids:
            return []
        async with self._sessions() as session:
            rows = (await session.execute(select(SentPartRow).where(
                SentPartRow.platform == platform, SentPartRow.platform_message_id.in_(ids),
                SentPartRow.user_id == user_id))).scalars().all()
        return _one_per_reply(rows)

    async def replies_until(self, platform: str, user_id: str, contact_id: str, until: datetime) -> list[SentReply]:
        """Meta's watermark: every reply to this contact sent at or before `until` (the last day's, at most)."""
        since = min(until, datetime.now(UTC)) - timedelta(days=1)
        async with self._sessions() as session:
            rows = (await session.execute(select(SentPartRow).where(
                SentPartRow.platform == platform, SentPartRow.contact_id == contact_id,
                SentPartRow.user_id == user_id, SentPartRow.sent_at <= until, SentPartRow.sent_at >= since,
            ).limit(200))).scalars().all()
        return _one_per_reply(rows)

    async def advance_receipt(self, reply_id: str, status: str, moved_from: frozenset[str]) -> None:
        """Record the reply's new receipt status, only over one of the statuses it may follow."""
        async with self._sessions() as session:
            await session.execute(update(SentPartRow).where(
                SentPartRow.reply_id == reply_id, SentPartRow.receipt_status.in_(moved_from),
            ).values(receipt_status=status))
            await session.commit()

    # ---- Instagram 24-hour window
    async def touch_instagram_contact(self, account_key: str, contact_id: str, at: datetime) -> None:
        async with self._sessions() as session:
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(InstagramContactRow).values(
                account_key=account_key, contact_id=contact_id, last_inbound_at=at)
            statement = statement.on_conflict_do_update(
                index_elements=["account_key", "contact_id"], set_={"last_inbound_at": at},
                where=InstagramContactRow.last_inbound_at < at,
            )
            await session.execute(statement)
            await session.commit()

    async def last_instagram_inbound(self, account_key: str, contact_id: str) -> datetime | None:
        """When the contact last wrote to this IG account (to any of ours when the reply names no account)."""
        query = select(func.max(InstagramContactRow.last_inbound_at)).where(
            InstagramContactRow.contact_id == contact_id)
        if account_key:
            query = query.where(InstagramContactRow.account_key == account_key)
        async with self._sessions() as session:
            at = (await session.execute(query)).scalar_one_or_none()
        if at is None:
            return None
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    async def forget_instagram_windows(self, contact_ids: list[str], account_keys: list[str],
                                       unless_keys: list[str] | None = None) -> int:
        """Delete when these contacts last wrote (an erased person): on the given IG accounts, or, with
        `unless_keys`, on every account but those (the default account's owner erasing)."""
        where = [InstagramContactRow.contact_id.in_(contact_ids)]
        if unless_keys is not None:
            where.append(InstagramContactRow.account_key.not_in(unless_keys))
        else:
            where.append(InstagramContactRow.account_key.in_(account_keys))
        async with self._sessions() as session:
            result = await session.execute(delete(InstagramContactRow).where(*where))
            await session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # ---- dead letters
    async def add_dead_letter(
        self, *, user_id: str, channel: str, contact_id: str, reply_id: str, text: str, error: str,
        attempts: int, reply: bytes,
    ) -> DeadLetter:
        """One row per reply: a reply that dies again after a manual retry goes back to `dead`."""
        now = datetime.now(UTC)
        async with self._sessions() as session:
            row = (await session.execute(
                select(DeadLetterRow).where(DeadLetterRow.reply_id == reply_id))).scalar_one_or_none()
            if row is None:
                row = DeadLetterRow(id=str(uuid.uuid4()), user_id=user_id, channel=channel, contact_id=contact_id,
                                    reply_id=reply_id, text=text, manual_retries=0, reply=reply)
                session.add(row)
            row.error, row.attempts, row.status, row.failed_at = error, attempts, DeadLetterStatus.DEAD, now
            await session.commit()
            await session.refresh(row)
            return _dead_letter(row)

    async def dead_letters(self, owners: list[str], limit: int) -> list[DeadLetter]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(DeadLetterRow).where(or_(*(DeadLetterRow.user_id == o for o in owners)))
                .order_by(DeadLetterRow.failed_at.desc()).limit(limit)
            )).scalars().all()
        return [_dead_letter(row) for row in rows]

    async def dead_letter(self, dead_letter_id: str, owners: list[str]) -> DeadLetter:
        async with self._sessions() as session:
            row = await session.get(DeadLetterRow, dead_letter_id)
        if row is None or row.user_id not in owners:
            raise DeadLetterNotFound(dead_letter_id)
        return _dead_letter(row)

    async def forget_dead_letters(self, owners: list[str], contact_ids: list[str]) -> int:
        """Delete every dead letter of these contacts (an erased person's reply texts), and forget whom the sent
        parts went to (they keep only platform ids, which no longer lead to the person)."""
        async with self._sessions() as session:
            await session.execute(update(SentPartRow).where(
                SentPartRow.user_id.in_(owners), SentPartRow.contact_id.in_(contact_ids)).values(contact_id=""))
            result = await session.execute(delete(DeadLetterRow).where(
                DeadLetterRow.user_id.in_(owners), DeadLetterRow.contact_id.in_(contact_ids)))
            await session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def mark_retried(self, dead_letter_id: str) -> DeadLetter:
        async with self._sessions() as session:
            row = await session.get(DeadLetterRow, dead_letter_id)
            if row is None:
                raise DeadLetterNotFound(dead_letter_id)
            row.status = DeadLetterStatus.RETRIED
            row.manual_retries += 1
            await session.commit()
            await session.refresh(row)
            return _dead_letter(row)

    async def set_status(self, dead_letter_id: str, status: str) -> None:
        async with self._sessions() as session:
            await session.execute(update(DeadLetterRow).where(DeadLetterRow.id == dead_letter_id)
                                  .values(status=status))
            await session.commit()

    async def mark_delivered(self, reply_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(MARK_DELIVERED, {"p_reply": reply_id})
