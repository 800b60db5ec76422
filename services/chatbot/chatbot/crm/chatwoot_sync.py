"""Sync out to Chatwoot: when a contact's stage, last intent, tags or owner change, each of its Chatwoot
addresses gets a `ContactChanged` on `conversations.contact.chatwoot`; channel-adapter writes it to the
Chatwoot contact (custom attributes and labels) with its retries and dead letters; an erased person's are
taken off again. Contacts that never wrote through Chatwoot publish nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot.events.v1 import crm_events_pb2 as crm_ev
from sellerbot_messaging import EventBus, Subjects

from chatbot.adapters.crm_tables import ContactRow
from chatbot.adapters.repository.base import utcnow
from chatbot.adapters.repository.crm import CrmStore
from chatbot.crm.metrics import CRM_CHATWOOT_SYNCS, CRM_ERRORS
from chatbot.events.publisher import timestamp

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SyncedFields:
    """What Chatwoot keeps of the CRM contact."""

    stage: str
    last_intent: str
    tags: tuple[str, ...]
    owner: str

    @classmethod
    def of(cls, row: ContactRow) -> SyncedFields:
        return cls(row.stage, (list(row.last_intents or []) or [""])[0], tuple(row.tags or []), row.owner)


class ChatwootSync:
    def __init__(self, store: CrmStore, bus: EventBus | None) -> None:
        self._store = store
        self._bus = bus
        self._publishing: set[asyncio.Task[None]] = set()

    def contact_changed(self, before: SyncedFields | None, contact: ContactRow, always: bool = False) -> None:
        """Called by the contact book after a change (never blocks it; the publish runs beside)."""
        fields = SyncedFields.of(contact)
        if self._bus is None or contact.merged_into or (fields == before and not always):
            return
        self._start(self._publish(contact.user_id, contact.id, crm_ev.ContactChanged(
            stage=fields.stage, last_intent=fields.last_intent, tags=list(fields.tags), owner=fields.owner,
            score=contact.score, previous_tags=list(before.tags) if before else [])))

    async def addresses(self, user_id: str, contact_ref: str) -> list[tuple[str, str]]:
        """The contact's Chatwoot addresses with their accounts (read before an erasure deletes them)."""
        return await self._store.chatwoot_addresses(user_id, contact_ref) if self._bus is not None else []

    def contact_erased(self, user_id: str, contact_ref: str, addresses: list[tuple[str, str]],
                       tags: list[str]) -> None:
        """The person is gone: their Chatwoot contacts lose the CRM's attributes and labels."""
        if addresses:
            self._start(self._publish(user_id, contact_ref, crm_ev.ContactChanged(
                erased=True, previous_tags=tags), addresses))

    def _start(self, publishing: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(publishing)
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    async def _publish(self, user_id: str, contact_ref: str, state: crm_ev.ContactChanged,
                       addresses: list[tuple[str, str]] | None = None) -> None:
        """One ContactChanged per Chatwoot address, each with `state`'s fields."""
        assert self._bus is not None
        try:
            for address, account_id in addresses or await self._store.chatwoot_addresses(user_id, contact_ref):
                event = crm_ev.ContactChanged()
                event.CopyFrom(state)
                event.event_id, event.user_id, event.channel = f"contact:{uuid.uuid4()}", user_id, ev.CHANNEL_CHATWOOT
                event.account_id, event.contact_id, event.crm_contact_id = account_id, address, contact_ref
                event.changed_at.CopyFrom(timestamp(utcnow()))
                await self._bus.publish(Subjects.contact("chatwoot"), event, event.event_id, user_id)
                CRM_CHATWOOT_SYNCS.inc()
        except Exception as exc:  # the next change sends the whole state again
            CRM_ERRORS.labels("chatwoot_sync").inc()
            log.warning("crm_chatwoot_sync_not_published", contact=contact_ref, error=str(exc))

    async def drain(self) -> None:
        """Wait for the publishes in flight (tests, shutdown)."""
        if self._publishing:
            await asyncio.gather(*self._publishing, return_exceptions=True)
