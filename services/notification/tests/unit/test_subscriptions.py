"""The hub: owner-only delivery, each sequence once, type filters, and a slow subscriber cut off alone."""

from __future__ import annotations

import pytest
from notification.domain.subscriptions import Notice, Subscription, SubscriptionEnded, SubscriptionHub


def _notice(seq: int, user: str = "alice", kind: str = "bot_task_started") -> Notice:
    return Notice(seq=seq, user_id=user, type=kind, ts=0.0, message=seq)


async def test_a_notice_reaches_every_subscription_of_its_owner_only() -> None:
    hub = SubscriptionHub()
    tab_one, tab_two = Subscription("alice", None, 10), Subscription("alice", None, 10)
    bob = Subscription("bob", None, 10)
    for subscription in (tab_one, tab_two, bob):
        hub.add(subscription)
    hub.dispatch(_notice(1))
    assert tab_one.take_queued(10) == tab_two.take_queued(10) == [_notice(1)]
    assert bob.pending == 0


async def test_a_sequence_is_queued_once_even_if_dispatched_again() -> None:
    hub = SubscriptionHub()
    tab = Subscription("alice", None, 10)
    hub.add(tab)
    hub.dispatch(_notice(1))
    hub.dispatch(_notice(1))
    hub.dispatch(_notice(2))
    assert [n.seq for n in tab.take_queued(10)] == [1, 2]


async def test_registration_returns_the_replay_bound_and_live_starts_after_it() -> None:
    hub = SubscriptionHub(position=7)
    resumed = Subscription("alice", None, 10, high_water=3)
    assert hub.add(resumed) == 7  # history (3, 7] is replayed from the stream, 8+ arrives live
    hub.dispatch(_notice(8))
    assert [n.seq for n in resumed.take_queued(10)] == [8]


async def test_a_type_filter_keeps_other_types_out() -> None:
    hub = SubscriptionHub()
    failures = Subscription("alice", frozenset({"bot_task_failed"}), 10)
    hub.add(failures)
    hub.dispatch(_notice(1, kind="bot_task_started"))
    hub.dispatch(_notice(2, kind="bot_task_failed"))
    assert [n.seq for n in failures.take_queued(10)] == [2]


async def test_an_overflowing_subscription_ends_as_slow_and_the_others_go_on() -> None:
    hub = SubscriptionHub()
    slow, fast = Subscription("alice", None, 2), Subscription("alice", None, 100)
    hub.add(slow)
    hub.add(fast)
    ended = [s for seq in range(1, 4) for s in hub.dispatch(_notice(seq))]
    assert ended == [slow]
    with pytest.raises(SubscriptionEnded, match="slow client") as info:
        await slow.next(1)
    assert info.value.kind == "slow"
    assert [n.seq for n in fast.take_queued(10)] == [1, 2, 3]


async def test_silence_returns_none_for_a_heartbeat() -> None:
    subscription = Subscription("alice", None, 10)
    assert await subscription.next(0.01) is None
