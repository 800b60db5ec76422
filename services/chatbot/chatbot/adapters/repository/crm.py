"""The CRM's database access: contacts and their channel identities (kept current by each turn), search with
keyset pages, explicit merges with undo (purged after the undo window), orders of every source, erasure of
a person's whole merge tree and the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sellerbot_database.direct import DirectConnection, DirectStatement, direct_connection, direct_transaction
from sqlalchemy import Select, Table, and_, bindparam, delete, exists, func, insert, or_, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chatbot.adapters.crm_tables import (
    ContactIdentityRow,
    ContactMergeRow,
    ContactRow,
    CrmAuditRow,
    CrmWebhookDeliveryRow,
    OrderRow,
)
from chatbot.adapters.repository.base import Store, aware, detached_row, utcnow
from chatbot.adapters.tables import ConversationRow, HandoffRow, LearnedAnswerRow, MessageRow
from chatbot.crm.leads import (
    MAX_LAST_INTENTS,
    LeadFacts,
    OrderSource,
    OrderStatus,
    channel_of,
    later_stage,
    lead_score,
    learned_from,
    phone_of,
    search_text,
    tag_text,
    undo_deadline,
)

CONTACTS = cast(Table, ContactRow.__table__)
IDENTITIES = cast(Table, ContactIdentityRow.__table__)
ORDERS = cast(Table, OrderRow.__table__)
CONTACT_COLUMNS = [c.key for c in CONTACTS.columns]
IDENTITY_COLUMNS = [c.key for c in IDENTITIES.columns]
# The turn's CRM work in Core (no ORM session, no identity map, no unit of work: those cost more CPU than the
# statements): one SELECT of the contact with its order counts and whether it has a Chatwoot address, then one
# UPDATE; a new address without a same-phone contact is two INSERTs. The rarer cases (a draft order, a name
# learned late, an address joining a same-phone contact) take the ORM path, `_observe`.
_ORDERS_OF = select(func.count()).select_from(ORDERS).where(ORDERS.c.contact_ref == CONTACTS.c.id)


def turn_contact_columns(prefix: str = "") -> list[Any]:
    """What a turn reads of its contact: its columns, its draft and confirmed order counts and whether it has a
    Chatwoot address; with `prefix`, labelled so they can sit beside another table's (the turn's load)."""
    return [
        *(c.label(prefix + c.key) if prefix else c for c in CONTACTS.columns),
        _ORDERS_OF.where(ORDERS.c.status == OrderStatus.DRAFT).correlate(CONTACTS).scalar_subquery()
        .label(prefix + "p_drafts"),
        _ORDERS_OF.where(ORDERS.c.status != OrderStatus.DRAFT, ORDERS.c.status != OrderStatus.DROPPED)
        .correlate(CONTACTS).scalar_subquery().label(prefix + "p_confirmed"),
        exists().where(IDENTITIES.c.contact_ref == CONTACTS.c.id, IDENTITIES.c.channel == "chatwoot")
        .correlate(CONTACTS).label(prefix + "p_chatwoot"),
    ]


TURN_CONTACT_KEYS = [*CONTACT_COLUMNS, "p_drafts", "p_confirmed", "p_chatwoot"]
SELECT_TURN_CONTACT = DirectStatement(select(*turn_contact_columns()).join(
    IDENTITIES, IDENTITIES.c.contact_ref == CONTACTS.c.id).where(
    IDENTITIES.c.user_id == bindparam("p_user"), IDENTITIES.c.contact_id == bindparam("p_contact")))
SELECT_SAME_PHONE = DirectStatement(select(CONTACTS.c.id).where(
    CONTACTS.c.user_id == bindparam("p_user"), CONTACTS.c.phone == bindparam("p_phone"),
    CONTACTS.c.merged_into.is_(None)).limit(1))
INSERT_CONTACT = DirectStatement(insert(CONTACTS))
# SET: the other keys. Only while the contact is as the turn read it (a turn always moves message_count; a seller
# may have set the stage meanwhile): otherwise a concurrent turn's count, intents or score would be lost.
UPDATE_CONTACT_AS_READ = DirectStatement(update(CONTACTS).where(
    CONTACTS.c.id == bindparam("p_id"), CONTACTS.c.message_count == bindparam("p_read_count"),
    CONTACTS.c.stage == bindparam("p_read_stage")))
CHANGED_MEANWHILE_RETRIES = 8
SELECT_OPTED_OUT = DirectStatement(select(CONTACTS.c.opted_out).join(
    IDENTITIES, IDENTITIES.c.contact_ref == CONTACTS.c.id).where(
    IDENTITIES.c.user_id == bindparam("p_user"), IDENTITIES.c.contact_id == bindparam("p_contact")))
INSERT_IDENTITY = DirectStatement(insert(IDENTITIES))
COMMON_MATCHES = 1000  # a text search matching this many contacts walks the sort's index instead
ONLY_BITMAP_SCANS = text(
    "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)")


class MergeRefused(Exception):
    """A merge or its undo that cannot happen (same contact, already merged, undo too late)."""


@dataclass(frozen=True)
class TurnSeen:
    """What a turn tells the CRM about the customer."""

    user_id: str
    contact_id: str
    name: str
    intents: list[str]
    stage: str
    conversation_id: str
    messages: int
    draft: dict[str, Any] | None = None  # the order slot filling just completed
    opt_out: bool = False


@dataclass
class Observed:
    contact: ContactRow
    created: bool
    previous_stage: str
    draft_order: OrderRow | None = None
    previous_intent: str = ""
    chatwoot: bool = True  # whether the contact may have Chatwoot addresses (False: known to have none)


@dataclass
class ContactCount:
    """A known contact's share of a turn, worked out from the contact as the turn's load read it, to be written
    by the turn's own record (one statement on PostgreSQL, the same transaction on SQLite) only if the contact
    is still as read (`UPDATE_CONTACT_AS_READ`'s condition); otherwise the CRM counts the turn itself after."""

    observed: Observed  # what the CRM reports once the count is written (events, the Chatwoot sync)
    read_count: int
    read_stage: str
    changes: dict[str, Any]  # the columns to write (`CrmStore._turn_changes`)
    opt_out: bool  # the turn opts the contact out (it was not)

    def as_read_params(self) -> dict[str, Any]:
        """`UPDATE_CONTACT_AS_READ`'s parameters: the contact as read, and the columns the turn writes."""
        return {"p_id": self.observed.contact.id, "p_read_count": self.read_count, "p_read_stage": self.read_stage,
                **self.changes}


@dataclass(frozen=True)
class ContactQuery:
    q: str = ""
    tag: str = ""
    stage: str = ""
    owner: str = ""
    sort: str = "last_seen"  # last_seen | score | name | created
    after: tuple[Any, str] | None = None
    limit: int = 50


SORTS = {
    "last_seen": (ContactRow.last_seen, True),
    "score": (ContactRow.score, True),
    "name": (ContactRow.name, False),
    "created": (ContactRow.created_at, True),
}


@dataclass
class ErasedPerson:
    contact_ids: list[str] = field(default_factory=list)
    conversation_ids: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _ChangedMeanwhile(Exception):
    """The contact changed between the turn's read and its write."""


class CrmStore(Store):
    # --- kept current by the turn ------------------------------------------------------------------
    async def observe_turn(self, seen: TurnSeen) -> Observed:
        for attempt in range(2):  # a concurrent first turn of the same person may create the identity first
            try:
                observed = await self._observe_in_core(seen)
                if observed is not None:
                    return observed
                async with self._sessions.begin() as session:
                    return await self._observe(session, seen)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def count_in_advance(self, seen: TurnSeen, read: dict[str, Any] | None,
                         now: datetime | None = None) -> ContactCount | None:
        """The turn's count on its contact as `read` (`TURN_CONTACT_KEYS`: with the turn's load, or by
        `observe_turn`), to be written only while the contact is still as read; None when the turn needs the
        ORM path (a new person, a draft order, a first name)."""
        if read is None or seen.draft or (seen.name and not read["name"]):
            return None
        contact = detached_row(ContactRow, CONTACT_COLUMNS, read)
        previous, previous_intent = contact.stage, (list(contact.last_intents or []) or [""])[0]
        read_count, was_opted_out = contact.message_count, contact.opted_out
        changes = self._turn_changes(contact, seen, now or utcnow(), read["p_drafts"] or 0, read["p_confirmed"] or 0)
        observed = Observed(contact, False, previous, None, previous_intent, chatwoot=bool(read["p_chatwoot"]))
        return ContactCount(observed, read_count, previous, changes, seen.opt_out and not was_opted_out)

    async def _observe_in_core(self, seen: TurnSeen) -> Observed | None:
        """`_observe` for the common cases, in Core; None when the turn needs the ORM path."""
        if seen.draft:
            return None
        for _ in range(CHANGED_MEANWHILE_RETRIES):
            try:
                return await self._observe_once_in_core(seen)
            except _ChangedMeanwhile:  # a concurrent turn of the same person wrote first: read it again
                continue
        return None  # still contended: the ORM path takes the turn in a transaction of its own

    async def _observe_once_in_core(self, seen: TurnSeen) -> Observed | None:
        now = utcnow()
        keys = {"p_user": seen.user_id, "p_contact": seen.contact_id}
        if self._engine.dialect.name == "postgresql":
            # A known contact is one write: two autocommit statements instead of BEGIN, the two, COMMIT (half
            # the round trips of the CRM's part of a returning contact's turn); the UPDATE applies only to the
            # contact as read (`UPDATE_CONTACT_AS_READ`). A new person (a contact and its identity, written
            # together) gets a transaction; a concurrent first turn of the same person trips the identity's
            # unique key, and `observe_turn` tries again.
            async with direct_connection(self._engine) as db:
                mapping = await db.first(SELECT_TURN_CONTACT, keys)
                if mapping is not None:
                    return await self._update_in_core(db, seen, mapping, now)
                async with db.transaction():
                    return await self._create_in_core(db, seen, now)
        # SQLite: BEGIN IMMEDIATE before the read, so another replica sharing the file cannot write in between.
        async with direct_transaction(self._engine) as db:
            mapping = await db.first(SELECT_TURN_CONTACT, keys)
            if mapping is None:
                return await self._create_in_core(db, seen, now)
            return await self._update_in_core(db, seen, mapping, now)

    async def _update_in_core(self, db: DirectConnection, seen: TurnSeen, mapping: dict[str, Any],
                              now: datetime) -> Observed | None:
        """The turn counted on a known contact; None when it gets its first name (the ORM path)."""
        count = self.count_in_advance(seen, mapping, now)
        if count is None:
            return None
        if not await db.execute(UPDATE_CONTACT_AS_READ, count.as_read_params()):
            raise _ChangedMeanwhile
        return count.observed

    async def _create_in_core(self, db: DirectConnection, seen: TurnSeen, now: datetime) -> Observed | None:
        """A new address of a new person: the contact and its identity inserted with the turn already counted.
        None when a contact has the address's phone (the address joins it: the ORM path)."""
        phone = phone_of(seen.contact_id)
        if phone and await db.first(SELECT_SAME_PHONE, {"p_user": seen.user_id, "p_phone": phone}):
            return None
        values = new_contact_values(seen.user_id, seen.name, phone, now)
        contact = detached_row(ContactRow, CONTACT_COLUMNS, {key: values.get(key) for key in CONTACT_COLUMNS})
        contact.search_text = search_text(contact.name, contact.phone, [seen.contact_id], [])
        previous = contact.stage
        self._turn_changes(contact, seen, now, 0, 0)
        await db.execute(INSERT_CONTACT, {key: getattr(contact, key) for key in CONTACT_COLUMNS})
        await db.execute(INSERT_IDENTITY, {
            "id": str(uuid.uuid4()), "user_id": seen.user_id, "contact_ref": contact.id,
            "contact_id": seen.contact_id, "channel": channel_of(seen.contact_id), "name": seen.name[:200],
            "created_at": now})
        return Observed(contact, True, previous, None, "", chatwoot=channel_of(seen.contact_id) == "chatwoot")

    @staticmethod
    def _turn_changes(contact: ContactRow, seen: TurnSeen, now: datetime, drafts: int,
                      confirmed: int) -> dict[str, Any]:
        """What `_observe` does to a contact without a draft order or a new name (same order, same
        fields), applied to `contact` and returned as the columns to write."""
        contact.last_seen = now
        contact.message_count += seen.messages
        contact.last_intents = (list(seen.intents) + list(contact.last_intents or []))[:MAX_LAST_INTENTS]
        contact.stage = later_stage(contact.stage, seen.stage)
        changes: dict[str, Any] = {}
        if seen.opt_out and not contact.opted_out:
            contact.opted_out, contact.opted_out_at, contact.opt_out_notified = True, now, True
            changes.update(opted_out=True, opted_out_at=now, opt_out_notified=True)
        score, signals = lead_score(LeadFacts(
            stage=contact.stage, last_intents=list(contact.last_intents), message_count=contact.message_count,
            draft_orders=drafts, confirmed_orders=confirmed, last_seen=aware(contact.last_seen) or now,
            opted_out=contact.opted_out), now)
        contact.score, contact.score_signals = score, [s.to_dict() for s in signals]
        contact.updated_at = now
        changes.update(last_seen=now, message_count=contact.message_count, last_intents=contact.last_intents,
                       stage=contact.stage, score=contact.score, score_signals=contact.score_signals,
                       updated_at=now)
        return changes

    async def _observe(self, session: AsyncSession, seen: TurnSeen) -> Observed:
        now = utcnow()
        contact = await self._by_identity(session, seen.user_id, seen.contact_id)
        created = False
        if contact is None:
            contact, created = await self._attach(session, seen.user_id, seen.contact_id, seen.name, now)
        previous, previous_intent = contact.stage, (list(contact.last_intents or []) or [""])[0]
        if seen.name and not contact.name:
            contact.name = seen.name[:200]
            await self._refresh_search(session, contact)
        contact.last_seen = now
        contact.message_count += seen.messages
        contact.last_intents = (list(seen.intents) + list(contact.last_intents or []))[:MAX_LAST_INTENTS]
        contact.stage = later_stage(contact.stage, seen.stage)
        draft_order = None
        if seen.draft:
            draft_order = draft_order_row(seen.user_id, contact.id, seen.conversation_id, seen.draft, now)
            session.add(draft_order)
        if seen.opt_out and not contact.opted_out:
            contact.opted_out, contact.opted_out_at, contact.opt_out_notified = True, now, True
        await self._rescore(session, contact, now)
        contact.updated_at = now
        await session.flush()
        return Observed(contact, created, previous, draft_order, previous_intent)

    async def _by_identity(self, session: AsyncSession, user_id: str, contact_id: str) -> ContactRow | None:
        return (await session.execute(
            select(ContactRow).join(ContactIdentityRow, ContactIdentityRow.contact_ref == ContactRow.id)
            .where(ContactIdentityRow.user_id == user_id, ContactIdentityRow.contact_id == contact_id)
        )).scalar_one_or_none()

    async def _attach(
        self, session: AsyncSession, user_id: str, contact_id: str, name: str, now: datetime
    ) -> tuple[ContactRow, bool]:
        """A new channel address: the contact with the same phone if there is one (same person on WhatsApp
        and Chatwoot), else a new contact. Nothing else is ever guessed."""
        phone = phone_of(contact_id)
        contact = None
        if phone:
            contact = (await session.execute(select(ContactRow).where(
                ContactRow.user_id == user_id, ContactRow.phone == phone, ContactRow.merged_into.is_(None),
            ).order_by(ContactRow.created_at).limit(1))).scalar_one_or_none()
        created = contact is None
        if contact is None:
            contact = new_contact(user_id, name, phone, now)
            session.add(contact)
            await session.flush()
        session.add(ContactIdentityRow(id=str(uuid.uuid4()), user_id=user_id, contact_ref=contact.id,
                                       contact_id=contact_id, channel=channel_of(contact_id), name=name[:200],
                                       created_at=now))
        await session.flush()
        await self._refresh_search(session, contact)
        return contact, created

    async def _refresh_search(self, session: AsyncSession, contact: ContactRow) -> None:
        addresses = list((await session.execute(select(ContactIdentityRow.contact_id).where(
            ContactIdentityRow.contact_ref == contact.id))).scalars())
        contact.search_text = search_text(contact.name, contact.phone, addresses, list(contact.tags or []))

    async def _rescore(self, session: AsyncSession, contact: ContactRow, now: datetime) -> None:
        counts = dict((await session.execute(
            select(OrderRow.status, func.count()).where(OrderRow.contact_ref == contact.id)
            .group_by(OrderRow.status))).all())
        score, signals = lead_score(LeadFacts(
            stage=contact.stage, last_intents=list(contact.last_intents or []), message_count=contact.message_count,
            draft_orders=counts.get(OrderStatus.DRAFT, 0),
            confirmed_orders=sum(n for s, n in counts.items() if s not in (OrderStatus.DRAFT, OrderStatus.DROPPED)),
            last_seen=aware(contact.last_seen) or now, opted_out=contact.opted_out), now)
        contact.score, contact.score_signals = score, [s.to_dict() for s in signals]

    async def observe_phone(self, user_id: str, contact_id: str, phone: str, name: str) -> str:
        """A channel address whose platform told its phone (a Chatwoot contact's `phone_number`): it belongs
        to the contact with that phone. Returns the id of a contact to merge into the phone's owner ("" when
        none): the turn may have opened one for the address before the phone was known."""
        async with self._sessions.begin() as session:
            now = utcnow()
            owner = (await session.execute(select(ContactRow).where(
                ContactRow.user_id == user_id, ContactRow.phone == phone, ContactRow.merged_into.is_(None),
            ).order_by(ContactRow.created_at).limit(1))).scalar_one_or_none()
            contact = await self._by_identity(session, user_id, contact_id)
            if contact is None:
                if owner is None:
                    owner = new_contact(user_id, name, phone, now)
                    session.add(owner)
                    await session.flush()
                session.add(ContactIdentityRow(id=str(uuid.uuid4()), user_id=user_id, contact_ref=owner.id,
                                               contact_id=contact_id, channel=channel_of(contact_id),
                                               name=name[:200], created_at=now))
                await session.flush()
                await self._refresh_search(session, owner)
                return ""
            if contact.phone or (owner is not None and owner.id == contact.id):
                return ""
            if owner is not None:
                return owner.id if contact.id != owner.id else ""
            contact.phone, contact.updated_at = phone, now
            await self._refresh_search(session, contact)
            return ""

    async def opted_out(self, user_id: str, contact_id: str) -> bool:
        async with direct_connection(self._engine) as db:
            found = await db.first(SELECT_OPTED_OUT, {"p_user": user_id, "p_contact": contact_id})
        return bool(found and found["opted_out"])

    # --- reading -----------------------------------------------------------------------------------
    async def contacts(self, user_id: str, query: ContactQuery) -> list[ContactRow]:
        """Read-only Core rows with the ContactRow attributes (a search page is never written back): the ORM's
        session and instrumented objects cost more CPU than the listing's two statements."""
        common = bool(query.q) and self._postgres and await self._common_term(user_id, query.q)
        async with self._reader.connect() as conn:
            statement = self._search(user_id, query, walk_sort_index=common)
            return cast(list[ContactRow], list((await conn.execute(statement)).all()))

    async def _common_term(self, user_id: str, q: str) -> bool:
        """Whether at least COMMON_MATCHES contacts match, counted from the trigram index only (a sequential
        scan would read every contact for a rare term). A common term is found fastest by walking the sort's
        index (the first page is near its start); a rare one, by sorting the trigram index's few matches:
        PostgreSQL's statistics cannot tell the two apart."""
        probe = select(CONTACTS.c.id).where(
            CONTACTS.c.user_id == user_id, CONTACTS.c.search_text.like(f"%{_escape_like(q)}%", escape="\\"),
        ).limit(COMMON_MATCHES).subquery()
        async with self._engine.connect() as conn, conn.begin():
            await conn.execute(ONLY_BITMAP_SCANS)
            return int((await conn.execute(select(func.count()).select_from(probe))).scalar_one()) >= COMMON_MATCHES

    def _search(self, user_id: str, query: ContactQuery, walk_sort_index: bool = False) -> Select[Any]:
        column, descending = SORTS[query.sort]
        statement = select(CONTACTS).where(ContactRow.user_id == user_id, ContactRow.merged_into.is_(None))
        if query.q:
            statement = statement.where(ContactRow.search_text.like(f"%{_escape_like(query.q)}%", escape="\\"))
        if query.tag:
            statement = statement.where(ContactRow.tag_text.like(f"%|{_escape_like(query.tag)}|%", escape="\\"))
        if query.stage:
            statement = statement.where(ContactRow.stage == query.stage)
        if query.owner:
            statement = statement.where(ContactRow.owner == query.owner)
        if query.after is not None:
            key = tuple_(column, ContactRow.id)
            statement = statement.where(key < tuple_(*query.after) if descending else key > tuple_(*query.after))
        # With a text search, the sort column is wrapped so PostgreSQL cannot walk the sort's index filtering
        # every contact (a rare term or a phone fragment took 0.5 s at 100k): it takes the trigram index's
        # matches and sorts those.
        rare_text = query.q and self._postgres and not walk_sort_index
        ordered: Any = func.coalesce(column, column) if rare_text else column
        order = (ordered.desc(), ContactRow.id.desc()) if descending else (ordered.asc(), ContactRow.id.asc())
        return statement.order_by(*order).limit(query.limit)

    async def contact(self, user_id: str, contact_ref: str) -> ContactRow | None:
        async with self._sessions() as session:
            row = await session.get(ContactRow, contact_ref)
            return row if row is not None and row.user_id == user_id else None

    async def contact_of_identity(self, user_id: str, contact_id: str) -> ContactRow | None:
        async with self._sessions() as session:
            return await self._by_identity(session, user_id, contact_id)

    async def identities(self, contact_ref: str) -> list[ContactIdentityRow]:
        async with self._sessions() as session:
            return list((await session.execute(select(ContactIdentityRow).where(
                ContactIdentityRow.contact_ref == contact_ref).order_by(ContactIdentityRow.created_at))).scalars())

    async def identities_of(self, contact_refs: list[str]) -> dict[str, list[str]]:
        async with self._reader.connect() as conn:
            rows = await conn.execute(select(ContactIdentityRow.contact_ref, ContactIdentityRow.contact_id)
                                      .where(ContactIdentityRow.contact_ref.in_(contact_refs))
                                      .order_by(ContactIdentityRow.created_at))
            found: dict[str, list[str]] = {}
            for ref, address in rows.all():
                found.setdefault(ref, []).append(address)
            return found

    async def stream_contacts(self, user_id: str, page: int = 1000) -> AsyncIterator[list[ContactRow]]:
        """Every contact, a keyset page at a time (an export never holds more than one page)."""
        after: tuple[Any, str] | None = None
        while True:
            rows = await self.contacts(user_id, ContactQuery(sort="created", after=after, limit=page))
            if not rows:
                return
            yield rows
            after = (rows[-1].created_at, rows[-1].id)

    # --- editing -----------------------------------------------------------------------------------
    async def update_contact(self, user_id: str, contact_ref: str, changes: dict[str, Any]) -> ContactRow | None:
        async with self._sessions.begin() as session:
            row = await session.get(ContactRow, contact_ref)
            if row is None or row.user_id != user_id or row.merged_into:
                return None
            now = utcnow()
            for key, value in changes.items():
                setattr(row, key, value)
            if "tags" in changes:
                row.tag_text = tag_text(row.tags)
            if "opted_out" in changes:
                row.opted_out_at = now if row.opted_out else None
                row.opt_out_notified = row.opted_out  # the seller recorded it: nothing left to tell the customer
            await self._refresh_search(session, row)
            await self._rescore(session, row, now)
            row.updated_at = now
            return row

    async def create_contact(self, user_id: str, name: str, phone: str, fields: dict[str, Any]) -> ContactRow:
        async with self._sessions.begin() as session:
            now = utcnow()
            row = new_contact(user_id, name, phone, now)
            for key, value in fields.items():
                setattr(row, key, value)
            row.tag_text = tag_text(row.tags)
            session.add(row)
            await session.flush()
            if phone:
                session.add(ContactIdentityRow(id=str(uuid.uuid4()), user_id=user_id, contact_ref=row.id,
                                               contact_id=f"whatsapp:{phone}", channel="whatsapp", name=name,
                                               created_at=now))
                await session.flush()
            await self._refresh_search(session, row)
            return row

    async def contacts_by_phone(self, user_id: str, phones: list[str]) -> dict[str, ContactRow]:
        async with self._sessions() as session:
            rows = (await session.execute(select(ContactRow).where(
                ContactRow.user_id == user_id, ContactRow.phone.in_(phones), ContactRow.merged_into.is_(None),
            ))).scalars()
            return {row.phone: row for row in rows}

    # --- merge and undo ----------------------------------------------------------------------------
    async def merge(self, user_id: str, kept_ref: str, merged_ref: str, actor: str) -> ContactMergeRow:
        if kept_ref == merged_ref:
            raise MergeRefused("a contact cannot be merged into itself")
        async with self._sessions.begin() as session:
            kept, merged = await session.get(ContactRow, kept_ref), await session.get(ContactRow, merged_ref)
            for row in (kept, merged):
                if row is None or row.user_id != user_id or row.merged_into:
                    raise MergeRefused("both contacts must exist in this shop and not be merged already")
            assert kept is not None and merged is not None
            now = utcnow()
            identities = list((await session.execute(select(ContactIdentityRow.id).where(
                ContactIdentityRow.contact_ref == merged.id))).scalars())
            orders = list((await session.execute(select(OrderRow.id).where(
                OrderRow.contact_ref == merged.id))).scalars())
            record = ContactMergeRow(
                id=str(uuid.uuid4()), user_id=user_id, kept_ref=kept.id, merged_ref=merged.id,
                moved_identities=identities, moved_orders=orders, kept_before=snapshot(kept), actor=actor,
                created_at=now)
            session.add(record)
            await session.execute(update(ContactIdentityRow).where(ContactIdentityRow.id.in_(identities))
                                  .values(contact_ref=kept.id))
            await session.execute(update(OrderRow).where(OrderRow.id.in_(orders)).values(contact_ref=kept.id))
            combine(kept, merged)
            merged.merged_into, merged.updated_at = kept.id, now
            await session.flush()
            await self._refresh_search(session, kept)
            await self._rescore(session, kept, now)
            kept.updated_at = now
            session.add(audit(user_id, "merged", kept.id, actor, {"identities": len(identities),
                                                                  "orders": len(orders)}))
            return record

    async def merge_record(self, user_id: str, merge_id: str) -> ContactMergeRow | None:
        async with self._sessions() as session:
            record = await session.get(ContactMergeRow, merge_id)
            return record if record is not None and record.user_id == user_id else None

    async def undo_merge(self, user_id: str, merge_id: str, actor: str, timezone: str = "") -> ContactMergeRow:
        """Within the calendar day of the merge in the shop's timezone (`timezone`; UTC when empty)."""
        async with self._sessions.begin() as session:
            record = await session.get(ContactMergeRow, merge_id)
            if record is None or record.user_id != user_id:
                raise LookupError(merge_id)
            if record.undone_at is not None:
                raise MergeRefused("this merge was already undone")
            now = utcnow()
            deadline = undo_deadline(aware(record.created_at) or now, timezone)
            if now >= deadline:
                raise MergeRefused(f"a merge can be undone only on the day it was made (until {deadline.isoformat()})")
            kept, merged = await session.get(ContactRow, record.kept_ref), await session.get(ContactRow,
                                                                                            record.merged_ref)
            if kept is None or merged is None:
                raise MergeRefused("one of the contacts was erased")
            await session.execute(update(ContactIdentityRow).where(
                ContactIdentityRow.id.in_(record.moved_identities)).values(contact_ref=merged.id))
            await session.execute(update(OrderRow).where(OrderRow.id.in_(record.moved_orders))
                                  .values(contact_ref=merged.id))
            for key, value in record.kept_before.items():
                setattr(kept, key, datetime.fromisoformat(value) if key in ("first_seen", "last_seen") else value)
            merged.merged_into, record.undone_at = None, now
            await session.flush()
            for row in (kept, merged):
                await self._refresh_search(session, row)
                await self._rescore(session, row, now)
                row.updated_at = now
            session.add(audit(user_id, "merge_undone", kept.id, actor, {"identities": len(record.moved_identities)}))
            return record

    # --- orders ------------------------------------------------------------------------------------
    async def add_order(self, row: OrderRow) -> OrderRow:
        async with self._sessions.begin() as session:
            session.add(row)
            if row.contact_ref:
                contact = await session.get(ContactRow, row.contact_ref)
                if contact is not None:
                    await session.flush()
                    await self._rescore(session, contact, utcnow())
            return row

    async def address_for_order(self, row: OrderRow) -> str:
        """The channel address an `OrderPlaced` names: the order's conversation's, else the contact's newest."""
        async with self._sessions() as session:
            if row.conversation_id:
                found = await session.get(ConversationRow, row.conversation_id)
                if found is not None:
                    return found.contact_id
            return (await session.execute(select(ContactIdentityRow.contact_id).where(
                ContactIdentityRow.contact_ref == row.contact_ref).order_by(
                ContactIdentityRow.created_at.desc()).limit(1))).scalar_one_or_none() or ""

    async def order(self, user_id: str, order_id: str) -> OrderRow | None:
        async with self._sessions() as session:
            row = await session.get(OrderRow, order_id)
            return row if row is not None and row.user_id == user_id else None

    async def update_order(self, user_id: str, order_id: str, changes: dict[str, Any]) -> OrderRow | None:
        async with self._sessions.begin() as session:
            row = await session.get(OrderRow, order_id)
            if row is None or row.user_id != user_id:
                return None
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            if row.contact_ref:
                contact = await session.get(ContactRow, row.contact_ref)
                if contact is not None:
                    await session.flush()
                    await self._rescore(session, contact, row.updated_at)
            return row

    async def orders(
        self, user_id: str, *, status: str = "", source: str = "", contact_ref: str = "",
        after: tuple[datetime, str] | None = None, limit: int = 50,
    ) -> list[OrderRow]:
        statement = select(OrderRow).where(OrderRow.user_id == user_id)
        if status:
            statement = statement.where(OrderRow.status == status)
        if source:
            statement = statement.where(OrderRow.source == source)
        if contact_ref:
            statement = statement.where(OrderRow.contact_ref == contact_ref)
        if after is not None:
            statement = statement.where(tuple_(OrderRow.created_at, OrderRow.id) < tuple_(*after))
        async with self._sessions() as session:
            return list((await session.execute(statement.order_by(
                OrderRow.created_at.desc(), OrderRow.id.desc()).limit(limit))).scalars())

    async def timeline(self, user_id: str, contact_ref: str, limit: int = 200) -> list[tuple[datetime, str, str, str]]:
        """(at, kind, text, channel), newest first: messages and handoffs of every conversation of the contact."""
        async with self._sessions() as session:
            addresses = select(ContactIdentityRow.contact_id).where(ContactIdentityRow.contact_ref == contact_ref)
            conversations = select(ConversationRow.id).where(ConversationRow.user_id == user_id,
                                                             ConversationRow.contact_id.in_(addresses))
            messages = (await session.execute(
                select(MessageRow.created_at, MessageRow.direction, MessageRow.text, MessageRow.channel)
                .where(MessageRow.conversation_id.in_(conversations))
                .order_by(MessageRow.created_at.desc()).limit(limit))).all()
            handoffs = (await session.execute(
                select(HandoffRow.created_at, HandoffRow.reason, HandoffRow.channel)
                .where(HandoffRow.conversation_id.in_(conversations))
                .order_by(HandoffRow.created_at.desc()).limit(limit))).all()
        entries = [(aware(at) or utcnow(), f"message_{direction}", text, channel)
                   for at, direction, text, channel in messages]
        entries += [(aware(at) or utcnow(), "handoff", reason, channel) for at, reason, channel in handoffs]
        return sorted(entries, key=lambda e: e[0], reverse=True)[:limit]

    # --- LGPD: everything about one person ---------------------------------------------------------
    async def person(self, user_id: str, contact_ref: str) -> dict[str, Any] | None:
        """Every row held about the contact: identities, orders, conversations with their messages and
        handoffs (the export of `GET /seller-bot/contacts/{id}/export`)."""
        async with self._sessions() as session:
            contact = await session.get(ContactRow, contact_ref)
            if contact is None or contact.user_id != user_id:
                return None
            identities = list((await session.execute(select(ContactIdentityRow).where(
                ContactIdentityRow.contact_ref == contact.id))).scalars())
            addresses = [i.contact_id for i in identities]
            conversations = list((await session.execute(select(ConversationRow).where(
                ConversationRow.user_id == user_id, ConversationRow.contact_id.in_(addresses))
                .order_by(ConversationRow.created_at))).scalars())
            ids = [c.id for c in conversations]
            messages = list((await session.execute(select(MessageRow).where(MessageRow.conversation_id.in_(ids))
                                                   .order_by(MessageRow.created_at))).scalars())
            handoffs = list((await session.execute(select(HandoffRow).where(HandoffRow.conversation_id.in_(ids))
                                                   .order_by(HandoffRow.created_at))).scalars())
            orders = list((await session.execute(select(OrderRow).where(OrderRow.contact_ref == contact.id)
                                                 .order_by(OrderRow.created_at))).scalars())
            return {"contact": contact, "identities": identities, "conversations": conversations,
                    "messages": messages, "handoffs": handoffs, "orders": orders}

    async def addresses(self, user_id: str, contact_ref: str) -> list[str] | None:
        """Every channel address of the contact (and of contacts merged into it); None: no such contact."""
        async with self._sessions() as session:
            contact = await session.get(ContactRow, contact_ref)
            if contact is None or contact.user_id != user_id:
                return None
            refs = await _merge_tree(session, contact.id)
            return list((await session.execute(select(ContactIdentityRow.contact_id).where(
                ContactIdentityRow.contact_ref.in_(refs)))).scalars())

    async def erase(self, user_id: str, contact_ref: str, actor: str) -> ErasedPerson | None:
        """Delete the person's rows: the contact and every contact merged into it (at any depth), identities,
        conversations (messages and handoffs with them), the FAQ answers learned from their questions, their
        draft orders; confirmed orders stay for the shop's books with no link to anyone and no CEP. One audit
        row records counts, never personal data."""
        async with self._sessions.begin() as session:
            contact = await session.get(ContactRow, contact_ref)
            if contact is None or contact.user_id != user_id:
                return None
            refs = await _merge_tree(session, contact.id)
            addresses = list((await session.execute(select(ContactIdentityRow.contact_id).where(
                ContactIdentityRow.contact_ref.in_(refs)))).scalars())
            conversations = list((await session.execute(select(ConversationRow.id).where(
                ConversationRow.user_id == user_id, ConversationRow.contact_id.in_(addresses)))).scalars())
            questions = set((await session.execute(select(MessageRow.text).where(
                MessageRow.conversation_id.in_(conversations), MessageRow.direction == "in"))).scalars())
            erased = ErasedPerson(addresses, conversations)
            counts = erased.counts
            learned = [row_id for row_id, question in (await session.execute(select(
                LearnedAnswerRow.id, LearnedAnswerRow.question).where(LearnedAnswerRow.user_id == user_id))).all()
                if learned_from(question, questions)]
            counts["learned_answers"] = await _deleted(session, delete(LearnedAnswerRow).where(
                LearnedAnswerRow.id.in_(learned)))
            counts["messages"] = await _deleted(session, delete(MessageRow).where(
                MessageRow.conversation_id.in_(conversations)))
            counts["handoffs"] = await _deleted(session, delete(HandoffRow).where(
                HandoffRow.conversation_id.in_(conversations)))
            counts["conversations"] = await _deleted(session, delete(ConversationRow).where(
                ConversationRow.id.in_(conversations)))
            counts["draft_orders"] = await _deleted(session, delete(OrderRow).where(
                OrderRow.contact_ref.in_(refs), OrderRow.status.in_([OrderStatus.DRAFT, OrderStatus.DROPPED])))
            counts["orders_unlinked"] = await _deleted(session, update(OrderRow).where(
                OrderRow.contact_ref.in_(refs)).values(contact_ref=None, cep="", notes="", conversation_id="",
                                                       buyer_name="", buyer_phone="", buyer_handle=""))
            counts["identities"] = await _deleted(session, delete(ContactIdentityRow).where(
                ContactIdentityRow.contact_ref.in_(refs)))
            await session.execute(delete(ContactMergeRow).where(or_(
                ContactMergeRow.kept_ref.in_(refs), ContactMergeRow.merged_ref.in_(refs))))
            counts["webhook_deliveries"] = await _deleted(session, delete(CrmWebhookDeliveryRow).where(
                CrmWebhookDeliveryRow.contact_ref.in_(refs)))
            counts["contacts"] = await _deleted(session, delete(ContactRow).where(ContactRow.id.in_(refs)))
            session.add(audit(user_id, "erased", contact.id, actor, counts))
            return erased

    async def record_export(self, user_id: str, contact_ref: str, actor: str, counts: dict[str, int]) -> None:
        async with self._sessions.begin() as session:
            session.add(audit(user_id, "exported", contact_ref, actor, counts))

    async def purge_expired_merges(self, before: datetime) -> dict[str, int]:
        """After the undo window nothing needs a merge's snapshot (the kept contact's fields as they were)
        or the hidden merged contact: both go. The audit rows of the merges stay (no personal data)."""
        async with self._sessions.begin() as session:
            merges = await _deleted(session, delete(ContactMergeRow).where(ContactMergeRow.created_at < before))
            doomed = select(ContactRow.id).where(ContactRow.merged_into.is_not(None), ContactRow.updated_at < before)
            # their webhook payloads now belong to the contact they were merged into (up a chain of purged ones):
            # its erasure must still find them
            kept = select(ContactRow.merged_into).where(ContactRow.id == CrmWebhookDeliveryRow.contact_ref)
            moving = update(CrmWebhookDeliveryRow).where(CrmWebhookDeliveryRow.contact_ref.in_(doomed)).values(
                contact_ref=kept.scalar_subquery())
            while await _deleted(session, moving):
                pass
            contacts = await _deleted(session, delete(ContactRow).where(ContactRow.id.in_(doomed)))
            return {"merges": merges, "merged_contacts": contacts}

    async def chatwoot_addresses(self, user_id: str, contact_ref: str) -> list[tuple[str, str]]:
        """(`chatwoot:<id>`, Chatwoot account id of its newest conversation, "" when none) for each Chatwoot
        identity of the contact."""
        async with self._reader.connect() as conn:
            addresses = list((await conn.execute(select(ContactIdentityRow.contact_id).where(
                ContactIdentityRow.contact_ref == contact_ref, ContactIdentityRow.channel == "chatwoot"))).scalars())
            found = []
            for address in addresses:
                account = (await conn.execute(select(ConversationRow.account_id).where(
                    ConversationRow.user_id == user_id, ConversationRow.contact_id == address)
                    .order_by(ConversationRow.created_at.desc()).limit(1))).scalar_one_or_none()
                found.append((address, account or ""))
            return found

    async def audit_trail(self, user_id: str, contact_ref: str) -> list[CrmAuditRow]:
        async with self._sessions() as session:
            return list((await session.execute(select(CrmAuditRow).where(
                CrmAuditRow.user_id == user_id, CrmAuditRow.contact_ref == contact_ref)
                .order_by(CrmAuditRow.id))).scalars())


class WebhookOutbox(Store):
    """The CRM webhook's deliveries: queued, claimed by one sender (replicas share the table), finished."""

    STUCK_AFTER = timedelta(minutes=5)  # a sender that died mid-delivery: its rows go out again

    async def enqueue(self, row: CrmWebhookDeliveryRow) -> None:
        async with self._sessions.begin() as session:
            session.add(row)

    async def claim(self, limit: int = 20) -> list[CrmWebhookDeliveryRow]:
        now = utcnow()
        async with self._sessions() as session:
            candidates = list((await session.execute(select(CrmWebhookDeliveryRow.id, CrmWebhookDeliveryRow.status)
                                                     .where(or_(CrmWebhookDeliveryRow.status == "pending", and_(
                                                         CrmWebhookDeliveryRow.status == "sending",
                                                         CrmWebhookDeliveryRow.updated_at < now - self.STUCK_AFTER)))
                                                     .order_by(CrmWebhookDeliveryRow.created_at).limit(limit))).all())
        claimed: list[CrmWebhookDeliveryRow] = []
        for delivery_id, status in candidates:
            async with self._sessions.begin() as session:
                taken = await _deleted(session, update(CrmWebhookDeliveryRow).where(
                    CrmWebhookDeliveryRow.id == delivery_id, CrmWebhookDeliveryRow.status == status,
                ).values(status="sending", updated_at=now))
                if taken:
                    row = await session.get(CrmWebhookDeliveryRow, delivery_id)
                    if row is not None:
                        claimed.append(row)
        return claimed

    async def finish(self, delivery_id: str, status: str, attempts: int, error: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(CrmWebhookDeliveryRow).where(CrmWebhookDeliveryRow.id == delivery_id).values(
                status=status, attempts=CrmWebhookDeliveryRow.attempts + attempts, last_error=error[:2000],
                updated_at=utcnow()))

    async def deliveries(self, user_id: str, status: str, limit: int = 100) -> list[CrmWebhookDeliveryRow]:
        async with self._sessions() as session:
            return list((await session.execute(select(CrmWebhookDeliveryRow).where(
                CrmWebhookDeliveryRow.user_id == user_id, CrmWebhookDeliveryRow.status == status)
                .order_by(CrmWebhookDeliveryRow.created_at.desc()).limit(limit))).scalars())

    async def retry(self, user_id: str, delivery_id: str) -> CrmWebhookDeliveryRow | None:
        async with self._sessions.begin() as session:
            row = await session.get(CrmWebhookDeliveryRow, delivery_id)
            if row is None or row.user_id != user_id or row.status != "dead":
                return None
            row.status, row.updated_at = "pending", utcnow()
            return row

    async def dead_count(self) -> int:
        async with self._sessions() as session:
            return int((await session.execute(select(func.count()).where(
                CrmWebhookDeliveryRow.status == "dead"))).scalar_one())


async def _merge_tree(session: AsyncSession, contact_ref: str) -> list[str]:
    """The contact and every contact merged into it, at any depth (A into B, then B into C: C, B and A)."""
    refs, frontier = [contact_ref], [contact_ref]
    while frontier:
        frontier = [ref for ref in (await session.execute(select(ContactRow.id).where(
            ContactRow.merged_into.in_(frontier)))).scalars() if ref not in refs]
        refs += frontier
    return refs


async def _deleted(session: AsyncSession, statement: Any) -> int:
    return int((await session.execute(statement)).rowcount or 0)  # type: ignore[attr-defined]


def new_contact_values(user_id: str, name: str, phone: str, now: datetime) -> dict[str, Any]:
    return dict(
        id=str(uuid.uuid4()), user_id=user_id, name=name[:200], phone=phone, stage="new_contact", last_intents=[],
        tags=[], tag_text="", notes="", owner="", score=0, score_signals=[], message_count=0, opted_out=False,
        opt_out_notified=False, search_text="", first_seen=now, last_seen=now, created_at=now, updated_at=now)


def new_contact(user_id: str, name: str, phone: str, now: datetime) -> ContactRow:
    """A new contact to add to a session (the ORM paths)."""
    return ContactRow(**new_contact_values(user_id, name, phone, now))


def draft_order_row(user_id: str, contact_ref: str, conversation_id: str, draft: dict[str, Any],
                    now: datetime) -> OrderRow:
    quantity = int(draft.get("quantity") or 1)
    unit_price = Decimal(str(draft.get("unit_price") or "0"))
    item = {"product_id": draft.get("product_id", ""), "name": draft.get("product_name", ""),
            "variant": draft.get("variant", ""), "quantity": quantity, "unit_price": str(unit_price)}
    return OrderRow(
        id=str(uuid.uuid4()), user_id=user_id, contact_ref=contact_ref, conversation_id=conversation_id,
        source=OrderSource.BOT_DRAFT, status=OrderStatus.DRAFT, external_order_id=None, line_items=[item],
        cep=str(draft.get("cep", ""))[:9], payment=str(draft.get("payment", ""))[:40], total=unit_price * quantity,
        currency="BRL", tracking={}, notes="", created_at=now, updated_at=now)


MERGED_FIELDS = ("name", "phone", "stage", "tags", "tag_text", "notes", "owner", "message_count", "last_intents",
                 "opted_out", "first_seen", "last_seen")


def snapshot(row: ContactRow) -> dict[str, Any]:
    values = {key: getattr(row, key) for key in MERGED_FIELDS}
    for key in ("first_seen", "last_seen"):
        values[key] = values[key].isoformat()
    return values


def combine(kept: ContactRow, merged: ContactRow) -> None:
    """The kept contact takes what it lacks from the merged one; lists and counts add up."""
    kept.name = kept.name or merged.name
    kept.phone = kept.phone or merged.phone
    kept.stage = later_stage(kept.stage, merged.stage)
    kept.tags = list(dict.fromkeys([*(kept.tags or []), *(merged.tags or [])]))
    kept.tag_text = tag_text(kept.tags)
    kept.notes = "\n".join(n for n in (kept.notes, merged.notes) if n)
    kept.owner = kept.owner or merged.owner
    kept.message_count += merged.message_count
    kept.opted_out = kept.opted_out or merged.opted_out
    kept.first_seen = min(_at(kept.first_seen), _at(merged.first_seen))
    kept.last_seen = max(_at(kept.last_seen), _at(merged.last_seen))


def _at(value: datetime) -> datetime:
    found = aware(value)
    assert found is not None
    return found


def audit(user_id: str, action: str, contact_ref: str, actor: str, counts: dict[str, int]) -> CrmAuditRow:
    return CrmAuditRow(user_id=user_id, action=action, contact_ref=contact_ref, actor=actor, counts=counts,
                       created_at=utcnow())
