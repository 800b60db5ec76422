"""The CRM's ContactChanged: written to Chatwoot only for a shop that has Chatwoot (its own account, or the
environment's when that account is theirs)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot.events.v1 import crm_events_pb2 as crm_events
from sellerbot_messaging import EventBus, Subjects

from .conftest import Fakes, wait_until


async def _changed(bus: EventBus, user_id: str, chatwoot_contact: str) -> None:
    change = crm_events.ContactChanged(
        event_id=f"contact:{uuid.uuid4()}", user_id=user_id, channel=events.CHANNEL_CHATWOOT, account_id="1",
        contact_id=f"chatwoot:{chatwoot_contact}", stage="price_asked", last_intent="price", tags=["vip"])
    await bus.publish(Subjects.contact("chatwoot"), change, change.event_id, user_id)


async def test_a_shop_without_chatwoot_gets_no_chatwoot_calls(
    start_adapter: Callable[..., Awaitable[Any]], bus: EventBus, fakes: Fakes
) -> None:
    await start_adapter(default_seller_user_id="shop-with-chatwoot")  # the environment's account is theirs
    await _changed(bus, "shop-without-chatwoot", "77")
    await _changed(bus, "shop-with-chatwoot", "78")  # handled after the first (one at a time, in order)
    await wait_until(lambda: fakes.chatwoot.successful("/api/v1/accounts/1/contacts/78/labels"), 15, "the sync")
    put = fakes.chatwoot.successful("/api/v1/accounts/1/contacts/78")[0]
    assert put.method == "PUT" and put.body["custom_attributes"]["sellerbot_stage"] == "price_asked"
    assert [r.path for r in fakes.chatwoot.state.requests if "/contacts/77" in r.path] == []
