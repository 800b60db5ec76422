"""Prometheus metrics of the event bus, shared by every process that publishes or consumes."""

from prometheus_client import Counter, Histogram

EVENTS_PUBLISHED = Counter(
    "sellerbot_events_published_total", "Events published to JetStream", ["subject", "outcome"]
)
EVENTS_CONSUMED = Counter(
    "sellerbot_events_consumed_total", "Events handled by a consumer", ["consumer", "outcome"]
)
EVENT_HANDLE_SECONDS = Histogram(
    "sellerbot_event_handle_seconds", "Time spent handling one event", ["consumer"]
)
