"""Stats, intent shares and the sales funnel of one seller, from the conversation history."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from chatbot.adapters.context_store import CONTEXT_TTL_SECONDS
from chatbot.adapters.repository import ChatbotRepository, utcnow
from chatbot.domain.funnel import RANK, STAGES, Stage, conversion_rates
from chatbot.domain.intents import Intent

_PERIOD = re.compile(r"^(\d{1,4})([hdw])$")
DEFAULT_PERIOD = "7d"


class InvalidPeriod(ValueError):
    pass


def period_start(period: str, now: datetime | None = None) -> tuple[str, datetime]:
    """'24h', '7d', '4w' or 'all' -> (normalised label, start time)."""
    label = (period or DEFAULT_PERIOD).strip().lower()
    now = now or utcnow()
    if label == "all":
        return label, datetime(2000, 1, 1, tzinfo=now.tzinfo)
    match = _PERIOD.match(label)
    if not match:
        raise InvalidPeriod("use e.g. 24h, 7d, 4w or all")
    amount, unit = int(match.group(1)), match.group(2)
    hours = {"h": 1, "d": 24, "w": 24 * 7}[unit] * amount
    return label, now - timedelta(hours=hours)


@dataclass(frozen=True)
class ChannelNumbers:
    channel: str
    messages_in: int
    messages_out: int
    active_conversations: int
    handoffs: int
    average_response_seconds: float
    conversions: int = 0  # conversations converted in the period: orders attributed to the bot
    revenue: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Stats:
    period: str
    totals: ChannelNumbers
    per_channel: list[ChannelNumbers]


@dataclass(frozen=True)
class FunnelView:
    period: str
    stages: list[tuple[str, int, float]]
    per_channel: dict[str, list[tuple[str, int, float]]]
    per_variant: dict[str, list[tuple[str, int, float]]]


class Reports:
    def __init__(self, repository: ChatbotRepository) -> None:
        self._repository = repository

    async def stats(self, user_id: str, period: str) -> Stats:
        label, since = period_start(period)
        rows = await self._repository.message_stats(user_id, since)
        active = await self._repository.active_by_channel(user_id, utcnow() - timedelta(seconds=CONTEXT_TTL_SECONDS))
        handoffs = await self._repository.handoffs_by_channel(user_id, since)
        sales = await self._repository.conversions_by_channel(user_id, since)
        channels = sorted({c for c, *_ in rows} | set(active) | set(handoffs) | set(sales))
        per_channel = []
        for channel in channels:
            incoming = sum(n for c, d, n, _ in rows if c == channel and d == "in")
            out = [(n, a) for c, d, n, a in rows if c == channel and d == "out"]
            per_channel.append(ChannelNumbers(
                channel, incoming, sum(n for n, _ in out), active.get(channel, 0), handoffs.get(channel, 0),
                _weighted_average(out), *sales.get(channel, (0, Decimal("0.00")))))
        all_out = [(c.messages_out, c.average_response_seconds) for c in per_channel]
        totals = ChannelNumbers(
            "", sum(c.messages_in for c in per_channel), sum(c.messages_out for c in per_channel),
            sum(c.active_conversations for c in per_channel), sum(c.handoffs for c in per_channel),
            _weighted_average(all_out), sum(c.conversions for c in per_channel),
            sum((c.revenue for c in per_channel), Decimal("0.00")))
        return Stats(label, totals, per_channel)

    async def intents(self, user_id: str, period: str, channel: str) -> tuple[str, list[tuple[str, int, float]], int]:
        label, since = period_start(period)
        counts = await self._repository.intent_counts(user_id, since, channel)
        total = sum(counts.values())
        ordered = sorted(((i.value, counts.get(i.value, 0)) for i in Intent), key=lambda x: -x[1])
        return label, [(i, n, round(n / total, 4) if total else 0.0) for i, n in ordered], total

    async def funnel(self, user_id: str, period: str, channel: str, variant: str) -> FunnelView:
        label, since = period_start(period)
        rows = await self._repository.funnel_rows(user_id, since, channel, variant)
        overall = [0] * len(STAGES)
        by_channel: dict[str, list[int]] = defaultdict(lambda: [0] * len(STAGES))
        by_variant: dict[str, list[int]] = defaultdict(lambda: [0] * len(STAGES))
        for row_channel, row_variant, stage, converted, count in rows:
            reached = len(STAGES) - 1 if converted else RANK.get(Stage(stage), 0)
            for rank in range(reached + 1):  # a conversation counts in every stage it went through
                overall[rank] += count
                by_channel[row_channel][rank] += count
                by_variant[row_variant][rank] += count
        return FunnelView(label, _stages(overall), {k: _stages(v) for k, v in sorted(by_channel.items())},
                          {k: _stages(v) for k, v in sorted(by_variant.items())})


def _stages(counts: list[int]) -> list[tuple[str, int, float]]:
    return [(stage.value, n, rate) for stage, n, rate in zip(STAGES, counts, conversion_rates(counts), strict=True)]


def _weighted_average(pairs: Sequence[tuple[int, float | None]]) -> float:
    weighted = [(n, a) for n, a in pairs if a is not None and n]
    total = sum(n for n, _ in weighted)
    return round(sum(n * a for n, a in weighted) / total, 3) if total else 0.0
