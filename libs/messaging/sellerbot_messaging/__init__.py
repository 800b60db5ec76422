"""NATS JetStream messaging for Seller Bot: streams, subjects and protobuf events with trace headers."""

from sellerbot_messaging.bus import EventBus, EventMeta
from sellerbot_messaging.settings import MessagingSettings
from sellerbot_messaging.streams import ALL_STREAMS, INBOUND_PARTITIONS, StreamSpec, Subjects, inbound_partition

__all__ = [
    "ALL_STREAMS", "INBOUND_PARTITIONS", "EventBus", "EventMeta", "MessagingSettings", "StreamSpec", "Subjects",
    "inbound_partition",
]
