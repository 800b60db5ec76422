"""Two channel-adapter replicas share the durable consumers: each reply is delivered once, by one of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from channel_adapter.delivery import DeliveryOutcome
from channel_adapter.main import RunningService
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_messaging import EventBus, Subjects

from .conftest import EventTap, Fakes
from .test_replies_out import TG_PATH, publish_reply

REPLIES = 40


def count_deliveries(replica: RunningService, name: str, handled: Counter[str]) -> None:
    """Count, per replica, the replies its consumer hands to delivery (the real delivery still runs)."""
    deliver = replica.delivery.deliver

    async def counted(reply: events.OutboundReply) -> DeliveryOutcome:
        handled[name] += 1
        return await deliver(reply)

    replica.delivery.deliver = counted  # type: ignore[method-assign]


async def test_two_replicas_split_the_replies_and_deliver_each_exactly_once(
    start_adapter: Callable[..., Awaitable[RunningService]], bus: EventBus, fakes: Fakes,
    tap: Callable[[str, Any], EventTap],
) -> None:
    handled: Counter[str] = Counter()
    for name in ("one", "two"):
        count_deliveries(await start_adapter(), name, handled)
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)

    for n in range(REPLIES):  # one contact each: contacts are delivered concurrently
        await publish_reply(bus, events.CHANNEL_TELEGRAM, f"resposta {n}", contact_id=f"telegram:9000{n:04d}",
                            conversation_id=f"9000{n:04d}")
    reports = await deliveries.wait_for(REPLIES, seconds=60)  # generous: a loaded PostgreSQL is slow to connect

    assert all(r.delivered for r in reports)
    assert len({r.reply_id for r in reports}) == REPLIES
    sent = [r.body["text"] for r in fakes.telegram.successful(TG_PATH)]
    assert sorted(sent) == sorted(f"resposta {n}" for n in range(REPLIES))  # each once: no duplicate send
    assert handled["one"] + handled["two"] == REPLIES
    assert handled["one"] > 0 and handled["two"] > 0, handled  # both replicas took a share
