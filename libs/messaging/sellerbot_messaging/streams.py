"""The JetStream streams and subjects of Seller Bot (documented in proto/EVENTS.md)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import timedelta

# Customer messages are published per partition of (seller, contact): one chatbot replica leases each
# partition, so one process sees all of a contact's messages (its debounce and order live there). Fixed
# for the life of a stream: changing it moves contacts between partitions.
INBOUND_PARTITIONS = 16


def inbound_partition(user_id: str, contact_id: str) -> int:
    """The stable partition of a seller's contact (CRC-32: the same in every process and language)."""
    return zlib.crc32(f"{user_id}\x1f{contact_id}".encode()) % INBOUND_PARTITIONS


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age: timedelta
    duplicate_window: timedelta
    max_bytes: int
    description: str


CONVERSATIONS = StreamSpec(
    name="CONVERSATIONS",
    subjects=("conversations.>",),
    max_age=timedelta(days=7),
    duplicate_window=timedelta(minutes=10),
    max_bytes=1024**3,
    description="Customer messages in, replies out, handoffs, deliveries, orders",
)
BOT = StreamSpec(
    name="BOT",
    subjects=("bot.>",),
    max_age=timedelta(days=3),
    duplicate_window=timedelta(minutes=2),
    max_bytes=512 * 1024**2,
    description="Automation task, worker and profile events",
)
DEAD_LETTERS = StreamSpec(
    name="DEAD_LETTERS",
    subjects=("deadletters.>",),
    max_age=timedelta(days=30),
    duplicate_window=timedelta(minutes=2),
    max_bytes=256 * 1024**2,
    description="Replies that could not be delivered after every retry",
)
SHOP = StreamSpec(
    name="SHOP",
    subjects=("catalog.>", "orders.>"),
    max_age=timedelta(days=30),
    duplicate_window=timedelta(minutes=10),
    max_bytes=512 * 1024**2,
    description="The shop's catalog and orders as automation syncs them (read models are built from these)",
)
ALL_STREAMS: tuple[StreamSpec, ...] = (CONVERSATIONS, BOT, DEAD_LETTERS, SHOP)


class Subjects:
    """Subject names; <channel> is the lower-case channel name (whatsapp, instagram, chatwoot, telegram, api)."""

    INBOUND_ALL = "conversations.inbound.>"
    OUTBOUND_ALL = "conversations.outbound.>"
    HANDOFF_ALL = "conversations.handoff.>"
    DELIVERY_ALL = "conversations.delivery.>"
    CONVERSATION_UPDATED = "conversations.updated"
    ORDER_PLACED = "conversations.order"
    CONVERSATION_ASSIGNED = "conversations.assigned"
    CONTACT_ALL = "conversations.contact.>"
    BOT_TASK_ALL = "bot.task.>"
    BOT_WORKER_ALL = "bot.worker.>"
    BOT_ALL = "bot.>"
    PROFILE_LOGIN_STATE = "bot.profile.login_state"
    DEAD_LETTER_ALL = "deadletters.>"
    PRODUCT_UPSERTED = "catalog.product_upserted"
    PRODUCT_DEACTIVATED = "catalog.product_deactivated"
    ORDER_UPDATED = "orders.order_updated"

    @staticmethod
    def inbound(channel: str, user_id: str = "", contact_id: str = "") -> str:
        """conversations.inbound.<channel>.<partition of the seller's contact>"""
        return f"conversations.inbound.{channel}.{inbound_partition(user_id, contact_id)}"

    @staticmethod
    def inbound_partition(partition: int) -> str:
        """Every channel's messages of one partition."""
        return f"conversations.inbound.*.{partition}"

    @staticmethod
    def outbound(channel: str) -> str:
        return f"conversations.outbound.{channel}"

    @staticmethod
    def handoff(channel: str) -> str:
        return f"conversations.handoff.{channel}"

    @staticmethod
    def delivery(channel: str) -> str:
        return f"conversations.delivery.{channel}"

    @staticmethod
    def contact(channel: str) -> str:
        """The CRM's contact fields for a platform's own contact record (ContactChanged)."""
        return f"conversations.contact.{channel}"

    @staticmethod
    def contact_dead_letter(channel: str) -> str:
        return f"deadletters.contact.{channel}"

    @staticmethod
    def bot_task(kind: str) -> str:
        """kind: started | progress | completed | failed | needs_attention"""
        return f"bot.task.{kind}"

    @staticmethod
    def bot_worker(kind: str) -> str:
        """kind: started | stopped"""
        return f"bot.worker.{kind}"

    @staticmethod
    def dead_letter(channel: str) -> str:
        return f"deadletters.outbound.{channel}"
