"""The CRM's use cases on contacts: kept current by every turn (and honouring opt-out there), listed,
edited, merged and unmerged, imported and exported, synced out to Chatwoot, and erased everywhere the
platform keeps the person."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_messaging import EventMeta

from chatbot.adapters.context_store import ContextStore
from chatbot.adapters.crm_tables import ContactMergeRow, ContactRow
from chatbot.adapters.repository.base import utcnow
from chatbot.adapters.repository.crm import ContactCount, ContactQuery, CrmStore, ErasedPerson, TurnSeen
from chatbot.adapters.tables import ConversationRow
from chatbot.crm.chatwoot_sync import ChatwootSync, SyncedFields
from chatbot.crm.contacts_csv import EXPORT_COLUMNS, csv_text, parse_import
from chatbot.crm.events import CrmEvent, CrmEventKind
from chatbot.crm.leads import LONGEST_UNDO_WINDOW, OPT_OUT_NOTICE, asks_to_opt_out, phone_of, tag_text, undo_deadline
from chatbot.crm.metrics import CRM_ERRORS, CRM_MERGES_PURGED
from chatbot.domain.order_slots import OrderDraft
from chatbot.profiles import SellerProfiles
from chatbot.usecases.understanding import Understanding

log = structlog.get_logger(__name__)
SAME_PHONE_ACTOR = "auto:same_phone"  # merges made because two addresses share a phone (undoable like any)

# channel-adapter's records of these addresses (dead letters, Instagram window) are deleted by a gRPC call
# (rows deleted per kind)
ForgetDeadLetters = Callable[[str, list[str]], Awaitable[dict[str, int]]]


def _seen(conversation: ConversationRow, understanding: Understanding, stage: str, draft: OrderDraft | None,
          opted_out: bool) -> TurnSeen:
    return TurnSeen(
        user_id=conversation.user_id, contact_id=conversation.contact_id, name=conversation.contact_name,
        intents=list(dict.fromkeys(p.intent.value for p in understanding.per_message)), stage=stage,
        conversation_id=conversation.id, messages=len(understanding.per_message),
        draft=draft.to_dict() if draft else None, opt_out=opted_out)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False


class ContactBook:
    def __init__(self, store: CrmStore, contexts: ContextStore, publish: Callable[[CrmEvent], None],
                 forget_dead_letters: ForgetDeadLetters | None = None, profiles: SellerProfiles | None = None,
                 chatwoot: ChatwootSync | None = None) -> None:
        self.store = store
        self._contexts = contexts
        self._publish = publish
        self._forget_dead_letters = forget_dead_letters
        self._profiles = profiles  # the shop's timezone (undo window) and its FAQ cache (erasure)
        self._chatwoot = chatwoot

    # --- the turn's listener ------------------------------------------------------------------------
    async def silenced(self, conversation: ConversationRow, opted_out: bool | None = None) -> bool:
        """Whether the contact opted out: `opted_out` when the caller read it already (the turn's load)."""
        if opted_out is not None:
            return opted_out
        try:
            return await self.store.opted_out(conversation.user_id, conversation.contact_id)
        except Exception as exc:  # no CRM: the bot still answers
            CRM_ERRORS.labels("opt_out_check").inc()
            log.warning("crm_opt_out_check_failed", error=str(exc))
            return False

    def notice_for(self, texts: list[str]) -> str:
        return OPT_OUT_NOTICE if asks_to_opt_out(texts) else ""

    def count_in_advance(self, conversation: ConversationRow, understanding: Understanding, stage: str,
                         draft: OrderDraft | None, opted_out: bool,
                         contact: dict[str, Any] | None) -> ContactCount | None:
        """The turn's count on its known contact as the turn's load read it, for the turn's record to write
        (None: `turn_done` counts it: a new person, a draft order, a first name, or a CRM failure)."""
        try:
            return self.store.count_in_advance(_seen(conversation, understanding, stage, draft, opted_out), contact)
        except Exception as exc:  # the turn goes on; `turn_done` counts it the usual way
            CRM_ERRORS.labels("observe_turn").inc()
            log.warning("crm_count_in_advance_failed", conversation_id=conversation.id, error=str(exc))
            return None

    async def turn_done(self, conversation: ConversationRow, understanding: Understanding, stage: str,
                        draft: OrderDraft | None, opted_out: bool, counted: ContactCount | None = None) -> None:
        """After a turn: count it on the contact (unless the turn's record did: `counted`), then tell the
        shop's CRM and Chatwoot what changed."""
        if counted is not None:
            observed = counted.observed
        else:
            try:
                observed = await self.store.observe_turn(_seen(conversation, understanding, stage, draft, opted_out))
            except Exception as exc:  # the customer got the answer; the CRM catches up on the next turn
                CRM_ERRORS.labels("observe_turn").inc()
                log.warning("crm_observe_failed", conversation_id=conversation.id, error=str(exc))
                return
        contact = observed.contact
        if observed.chatwoot:  # a contact without a Chatwoot address has nothing to sync (no look-up per turn)
            self._sync(SyncedFields(observed.previous_stage, observed.previous_intent, tuple(contact.tags or []),
                                    contact.owner), contact)
        if observed.created:
            self._emit(CrmEventKind.LEAD_CREATED, contact, {"channel": conversation.channel})
        if observed.previous_stage != contact.stage:
            self._emit(CrmEventKind.STAGE_CHANGED, contact, {"from": observed.previous_stage, "to": contact.stage})
        if observed.draft_order is not None:
            order = observed.draft_order
            self._emit(CrmEventKind.ORDER_DRAFTED, contact, {
                "order_id": order.id, "total": f"{order.total:.2f}", "currency": order.currency,
                "line_items": order.line_items, "cep": order.cep, "payment": order.payment})

    def _sync(self, before: SyncedFields | None, contact: ContactRow | None, always: bool = False) -> None:
        """`always`: the contact's Chatwoot addresses changed (a merge), so even unchanged fields go out."""
        if self._chatwoot is not None and contact is not None:
            self._chatwoot.contact_changed(before, contact, always)

    def _emit(self, kind: CrmEventKind, contact: ContactRow, data: dict[str, Any]) -> None:
        self._publish(CrmEvent(kind, contact.user_id, contact.id, data, contact_fields(contact)))

    async def on_handoff(self, event: ev.HandoffRequested, meta: EventMeta) -> None:
        """JetStream handler: a conversation left the bot; the shop's CRM hears it with the contact."""
        if not event.user_id or not event.contact_id:
            return
        contact = await self.store.contact_of_identity(event.user_id, event.contact_id)
        if contact is not None:
            origin = ev.HandoffOrigin.Name(event.origin).removeprefix("HANDOFF_ORIGIN_").lower()
            self._emit(CrmEventKind.HANDOFF, contact, {"reason": event.reason, "origin": origin,
                                                       "contact_id": event.contact_id})

    async def on_inbound(self, event: ev.InboundMessage, meta: EventMeta) -> None:
        """JetStream handler (Chatwoot's inbound): an address that comes with a phone joins that phone's
        contact: the same person on WhatsApp and Chatwoot is one contact, automatically."""
        phone = phone_of(event.alternate_contact_id)
        if not event.user_id or not event.contact_id or not phone:
            return
        merge_into = await self.store.observe_phone(event.user_id, event.contact_id, phone, event.contact_name)
        if merge_into:
            contact = await self.store.contact_of_identity(event.user_id, event.contact_id)
            if contact is not None and contact.id != merge_into:
                await self.merge(event.user_id, merge_into, contact.id, SAME_PHONE_ACTOR)

    # --- reading and editing ------------------------------------------------------------------------
    async def search(self, user_id: str, query: ContactQuery) -> list[ContactRow]:
        return await self.store.contacts(user_id, query)

    async def update(self, user_id: str, contact_ref: str, changes: dict[str, Any]) -> ContactRow | None:
        before = await self.store.contact(user_id, contact_ref)
        synced = SyncedFields.of(before) if before is not None else None
        row = await self.store.update_contact(user_id, contact_ref, changes)
        if row is not None and before is not None and "stage" in changes and changes["stage"] != before.stage:
            self._emit(CrmEventKind.STAGE_CHANGED, row, {"from": before.stage, "to": row.stage})
        if row is not None:
            self._sync(synced, row)
        return row

    async def merge(self, user_id: str, kept_ref: str, merged_ref: str, actor: str) -> ContactMergeRow:
        before = await self._synced_fields(user_id, kept_ref)
        record = await self.store.merge(user_id, kept_ref, merged_ref, actor)
        self._sync(before, await self.store.contact(user_id, kept_ref), always=True)  # Chatwoot addresses moved
        return record

    async def undo_merge(self, user_id: str, merge_id: str, actor: str) -> ContactMergeRow:
        found = await self.store.merge_record(user_id, merge_id)
        before = await self._synced_fields(user_id, found.kept_ref) if found is not None else None
        record = await self.store.undo_merge(user_id, merge_id, actor, await self.shop_timezone(user_id))
        self._sync(before, await self.store.contact(user_id, record.kept_ref), always=True)
        self._sync(None, await self.store.contact(user_id, record.merged_ref), always=True)
        return record

    async def _synced_fields(self, user_id: str, contact_ref: str) -> SyncedFields | None:
        row = await self.store.contact(user_id, contact_ref)
        return SyncedFields.of(row) if row is not None else None

    async def shop_timezone(self, user_id: str) -> str:
        """`business_hours.timezone` of the shop's config (its default is America/Sao_Paulo); "" = UTC."""
        if self._profiles is None:
            return ""
        return (await self._profiles.get(user_id)).settings.business_hours.timezone

    async def undo_until(self, user_id: str, merged_at: datetime) -> datetime:
        return undo_deadline(merged_at, await self.shop_timezone(user_id))

    async def purge_expired_merges(self) -> dict[str, int]:
        """Merges past every shop's undo window: their snapshots and the hidden merged contacts go."""
        purged = await self.store.purge_expired_merges(utcnow() - LONGEST_UNDO_WINDOW)
        for kind, count in purged.items():
            CRM_MERGES_PURGED.labels(kind).inc(count)
        if any(purged.values()):
            log.info("crm_merges_purged", **purged)
        return purged

    # --- CSV ----------------------------------------------------------------------------------------
    async def export_csv(self, user_id: str) -> AsyncIterator[str]:
        yield csv_text([EXPORT_COLUMNS])
        async for page in self.store.stream_contacts(user_id):
            identities = await self.store.identities_of([row.id for row in page])
            yield csv_text([export_row(row, identities.get(row.id, [])) for row in page])

    async def import_csv(self, user_id: str, data: bytes, dry_run: bool) -> ImportReport:
        parsed = parse_import(data)
        report = ImportReport(errors=parsed.errors, dry_run=dry_run)
        existing = await self.store.contacts_by_phone(user_id, [c.phone for c in parsed.contacts if c.phone])
        seen: set[str] = set()
        for item in parsed.contacts:
            current = existing.get(item.phone) if item.phone else None
            if item.phone and item.phone in seen:
                report.errors.append(f"line {item.line}: phone {item.phone} appears twice in the file")
                continue
            seen.add(item.phone)
            if current is not None:
                report.updated += 1
                if not dry_run:
                    changes: dict[str, Any] = {"tags": list(dict.fromkeys([*current.tags, *item.tags]))}
                    changes.update({k: v for k, v in (("name", item.name), ("notes", item.notes),
                                                      ("owner", item.owner)) if v})
                    self._sync(SyncedFields.of(current), await self.store.update_contact(user_id, current.id, changes))
            else:
                report.created += 1
                if not dry_run:
                    await self.store.create_contact(user_id, item.name, item.phone, {
                        "tags": item.tags, "stage": item.stage, "notes": item.notes, "owner": item.owner,
                        "tag_text": tag_text(item.tags)})
        return report

    # --- LGPD ---------------------------------------------------------------------------------------
    async def erase(self, user_id: str, contact_ref: str, actor: str) -> dict[str, int] | None:
        """Everywhere the platform keeps the person: database rows (audit row without personal data),
        Redis contexts and sessions, channel-adapter's dead letters. JetStream copies of their messages
        expire with the streams' retention (see proto/EVENTS.md)."""
        addresses = await self.store.addresses(user_id, contact_ref)
        if addresses is None:
            return None
        # channel-adapter first: when it cannot be reached nothing is erased yet, and the call can be repeated
        forgotten = await self._forget_dead_letters_of(user_id, addresses)
        chatwoot = await self._chatwoot.addresses(user_id, contact_ref) if self._chatwoot is not None else []
        tags = (await self._synced_fields(user_id, contact_ref) or SyncedFields("", "", (), "")).tags
        erased = await self.store.erase(user_id, contact_ref, actor)
        if erased is None:
            return None
        if self._chatwoot is not None:
            self._chatwoot.contact_erased(user_id, contact_ref, chatwoot, list(tags))
        counts = dict(erased.counts)
        counts["redis_keys"] = await self._forget_in_redis(user_id, erased)
        counts.update(forgotten)
        if counts.get("learned_answers") and self._profiles is not None:
            # this replica's FAQ cache at once; other replicas reload theirs within the profile cache's 30 s
            self._profiles.refresh_faq(user_id)
        self._publish(CrmEvent(CrmEventKind.CONTACT_ERASED, user_id, contact_ref, {}))
        log.info("contact_erased", user_id=user_id, contact=contact_ref, actor=actor, **counts)
        return counts

    async def _forget_in_redis(self, user_id: str, erased: ErasedPerson) -> int:
        for contact_id in erased.contact_ids:
            await self._contexts.delete_context(user_id, contact_id)
        for conversation_id in erased.conversation_ids:
            await self._contexts.delete_session(conversation_id)
        return len(erased.contact_ids) + len(erased.conversation_ids)

    async def _forget_dead_letters_of(self, user_id: str, contact_ids: list[str]) -> dict[str, int]:
        if self._forget_dead_letters is None or not contact_ids:
            return {"dead_letters": 0, "instagram_windows": 0}
        try:
            return await self._forget_dead_letters(user_id, contact_ids)
        except Exception as exc:
            CRM_ERRORS.labels("forget_dead_letters").inc()
            log.error("contact_not_erased", user_id=user_id, reason="channel-adapter unreachable", error=str(exc))
            raise

    async def export_person(self, user_id: str, contact_ref: str, actor: str = "") -> str | None:
        """Everything held about the person, as JSON; the export itself is audited (counts only)."""
        person = await self.store.person(user_id, contact_ref)
        if person is None:
            return None
        contexts = {i.contact_id: await self._contexts.get_context(user_id, i.contact_id)
                    for i in person["identities"]}
        sessions = {c.id: await self._contexts.get_session(c.id) for c in person["conversations"]}
        document = {kind: [row_dict(r) for r in rows] if isinstance(rows, list) else row_dict(rows)
                    for kind, rows in person.items()}
        document["redis_contexts"] = {k: v for k, v in contexts.items() if v}
        document["redis_sessions"] = {k: v for k, v in sessions.items() if v}
        counts = {kind: len(rows) for kind, rows in person.items() if isinstance(rows, list)}
        counts["redis_keys"] = len(document["redis_contexts"]) + len(document["redis_sessions"])
        await self.store.record_export(user_id, contact_ref, actor, counts)
        return json.dumps(document, default=str, ensure_ascii=False, indent=1)


def contact_fields(row: ContactRow) -> dict[str, Any]:
    return {"name": row.name, "phone": row.phone, "stage": row.stage, "score": row.score,
            "tags": list(row.tags or []), "owner": row.owner, "opted_out": row.opted_out}


def row_dict(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def export_row(row: ContactRow, identities: list[str]) -> list[str]:
    return [row.id, row.name, row.phone, row.stage, "|".join(row.tags or []), row.owner, str(row.score),
            "yes" if row.opted_out else "no", "|".join(identities), str(row.message_count),
            _iso(row.first_seen), _iso(row.last_seen), row.notes]


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
