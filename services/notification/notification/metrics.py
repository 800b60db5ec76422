"""Prometheus metrics of the notification service (scraped on NOTIFICATION_METRICS_PORT, merged by the gateway)."""

from prometheus_client import Counter, Gauge, Histogram

CONNECTED_CLIENTS = Gauge("notification_connected_clients", "Live subscriptions (WebSocket connections)")
CONNECTED_USERS = Gauge("notification_connected_users", "Users with at least one live subscription")
DELIVERED = Counter("notification_messages_delivered_total", "Notifications sent to a subscriber", ["type"])
SLOW_CLIENT_DISCONNECTS = Counter(
    "notification_slow_client_disconnects_total", "Subscriptions ended because their queue overflowed"
)
DROPPED = Counter(
    "notification_messages_dropped_total", "Queued notifications discarded when a subscription ended", ["reason"]
)
DELIVERY_LATENCY = Histogram(
    "notification_delivery_latency_seconds", "Event timestamp to hand-off to the subscriber's stream",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TRANSLATED = Counter("notification_events_translated_total", "Source events stored as notifications", ["type"])
SKIPPED = Counter("notification_events_skipped_total", "Source events that are not notifications", ["reason"])
RESUMES = Counter("notification_resumes_total", "Subscriptions that asked for last_event_id", ["outcome"])
