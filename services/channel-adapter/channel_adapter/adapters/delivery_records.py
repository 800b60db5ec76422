"""What was sent, what died, and when Instagram users last wrote: the outbound side's own records."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sellerbot_database.direct import DirectStatement, direct_connection, direct_transaction
from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from channel_adapter.adapters.tables import DeadLetterRow, InstagramContactRow, SentPartRow
from channel_adapter.domain.errors import DeadLetterNotFound

Request = TypeVar("Request")
Result = TypeVar("Result")


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
# Every delivered reply runs these: direct statements on the driver's connection (through the async engine,
# or an ORM session, a statement's machinery costs several times the statement itself).
SELECT_SENT_PARTS = DirectStatement(select(SENT_PARTS.c.part_index, SENT_PARTS.c.platform_message_id).where(
    SENT_PARTS.c.reply_id == bindparam("p_reply")))
# A part a concurrent delivery of the same reply recorded first is already there: nothing to add.
INSERT_SENT_PART = {"postgresql": DirectStatement(postgresql.insert(SENT_PARTS).on_conflict_do_nothing()),
                    "sqlite": DirectStatement(sqlite.insert(SENT_PARTS).on_conflict_do_nothing())}
MARK_DELIVERED = DirectStatement(update(DEAD_LETTERS).where(DEAD_LETTERS.c.reply_id == bindparam("p_reply")).values(
    status=DeadLetterStatus.DELIVERED))


class _Together(Generic[Request, Result]):
    """Requests made before the runner gets to them (in the same turn of the loop, or while the previous batch
    ran) go together: one pooled connection (and, for writes, one commit) for all of them, each caller awaiting
    its own result or error.

    A commit waits for the disk (SQLite fsyncs its WAL, PostgreSQL its WAL) and a pool checkout costs more than
    a local SQLite statement, so one of each per reply would bound the deliveries by them."""

    def __init__(self, run: Callable[[list[Request]], Awaitable[list[Result | Exception]]]) -> None:
        self._run = run
        self._waiting: list[tuple[Request, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: Request) -> Result:
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._runner is None:
            self._runner = asyncio.create_task(self._run_waiting())
        return await answer

    async def _run_waiting(self) -> None:
        batch: list[tuple[Request, asyncio.Future[Result]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    results = await self._run([item for item, _ in batch])
                except Exception as exc:
                    results = [exc] * len(batch)
                for (_, answer), result in zip(batch, results, strict=True):
                    if answer.done():  # its caller was cancelled: the work is done all the same
                        continue
                    if isinstance(result, Exception):
                        answer.set_exception(result)
                    else:
                        answer.set_result(result)
        finally:
            self._runner = None
            for _, answer in [*batch, *self._waiting]:  # cancelled (the loop is closing): nobody runs them now
                if not answer.done():
                    answer.set_exception(RuntimeError("the service stopped before the request ran"))


@dataclass(frozen=True)
class _SentPart:
    row: dict[str, Any]
    last: bool  # the reply's last part: it is delivered, and so is its dead letter if it had one


class DeliveryRecords:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._insert_part = INSERT_SENT_PART[self._engine.dialect.name]
        self._read_parts = _Together(self._sent_parts_of)
        self._write_parts = _Together(self._record_parts)

    # ---- sent parts
    async def sent_parts(self, reply_id: str) -> dict[int, str]:
        return await self._read_parts(reply_id)

    async def _sent_parts_of(self, reply_ids: list[str]) -> list[dict[int, str] | Exception]:
        async with direct_connection(self._engine) as db:
            return [{row["part_index"]: row["platform_message_id"]
                     for row in await db.rows(SELECT_SENT_PARTS, {"p_reply": reply_id})} for reply_id in reply_ids]

    async def record_part(self, reply_id: str, index: int, platform: str, platform_message_id: str,
                          user_id: str = "", contact_id: str = "", last: bool = False) -> None:
        """`last`: the reply's last part, so the reply is delivered (its dead letter marked in the same commit).
        Returns once the part is committed."""
        await self._write_parts(_SentPart({
            "reply_id": reply_id, "part_index": index, "platform": platform,
            "platform_message_id": platform_message_id, "sent_at": datetime.now(UTC), "user_id": user_id,
            "contact_id": contact_id, "receipt_status": ""}, last))

    async def _record_parts(self, parts: list[_SentPart]) -> list[Exception | None]:
        """In one transaction; if that fails, one transaction each, so a part that cannot be stored fails alone."""
        if len(parts) > 1 and await self._write_sent_parts(parts) is None:
            return [None] * len(parts)
        return [await self._write_sent_parts([part]) for part in parts]

    async def _write_sent_parts(self, parts: list[_SentPart]) -> Exception | None:
        try:
            async with direct_transaction(self._engine) as db:
                await db.execute_many(self._insert_part, [part.row for part in parts])
                await db.execute_many(MARK_DELIVERED, [{"p_reply": part.row["reply_id"]}
                                                       for part in parts if part.last])
        except Exception as exc:
            return exc
        return None

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
        async with direct_transaction(self._engine) as db:
            await db.execute(MARK_DELIVERED, {"p_reply": reply_id})
