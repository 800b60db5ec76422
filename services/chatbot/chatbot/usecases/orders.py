"""The order lookup port: what the bot may say about an existing order. Today nothing syncs the seller's
orders into the chatbot, so `NoOrderSource` answers "unknown" and the bot offers a person; an order source
(the synced shop orders) plugs in here without touching the planner or the wording."""

from __future__ import annotations

from typing import Protocol

from chatbot.domain.orders import OrderInfo


class OrderLookup(Protocol):
    async def find(self, user_id: str, order_number: str) -> OrderInfo:
        """What the seller's orders say about this number (`known=False` when they cannot tell)."""
        ...


class NoOrderSource:
    async def find(self, user_id: str, order_number: str) -> OrderInfo:
        return OrderInfo(number=order_number, known=False)
