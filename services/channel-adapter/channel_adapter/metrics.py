"""Prometheus metrics of the channel-adapter (scraped on CHANNEL_ADAPTER_METRICS_PORT, default 9103)."""

from functools import cache

from prometheus_client import Counter, Gauge, Histogram

WEBHOOKS_RECEIVED = Counter(
    "channel_adapter_webhooks_received_total", "Webhook deliveries received", ["channel"])
WEBHOOKS_REJECTED = Counter(
    "channel_adapter_webhooks_rejected_total",
    "Webhook deliveries refused (authentication, malformed JSON, wrong content type)", ["channel", "reason"])
MESSAGES_IGNORED = Counter(
    "channel_adapter_messages_ignored_total", "Webhook items deliberately not processed", ["channel", "reason"])
MESSAGES_PUBLISHED = Counter(
    "channel_adapter_messages_published_total", "Inbound messages published to JetStream", ["channel", "outcome"])
HANDOFFS_DETECTED = Counter(
    "channel_adapter_human_takeovers_total", "Human agents answering from the platform", ["channel"])
WEBHOOK_SECONDS = Histogram(
    "channel_adapter_webhook_seconds", "Webhook handling time until the JetStream ack", ["channel"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))

REPLIES_SENT = Counter("channel_adapter_replies_sent_total", "Replies delivered", ["channel"])
REPLIES_FAILED = Counter(
    "channel_adapter_replies_failed_total", "Replies that could not be delivered", ["channel", "reason"])
SEND_RETRIES = Counter("channel_adapter_send_retries_total", "Send attempts retried", ["channel"])
SEND_SECONDS = Histogram(
    "channel_adapter_send_seconds", "Latency of one platform send call", ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
CIRCUIT_STATE = Gauge(
    "channel_adapter_circuit_state", "Circuit breaker per channel account: 0 closed, 1 half-open, 2 open",
    ["channel", "account"])
DEAD_LETTERS = Counter("channel_adapter_dead_letters_total", "Replies moved to the dead-letter stream", ["channel"])
ACCOUNTS_UNREADABLE = Counter(
    "channel_adapter_accounts_unreadable_total", "Channel accounts skipped: secrets do not decrypt", ["channel"])
RECEIPTS = Counter(
    "channel_adapter_receipts_total",
    "Delivery receipts from the channels (outcome: stored, duplicate, unknown = no reply of ours has that id)",
    ["channel", "status", "outcome"])
CONTACT_SYNCS = Counter(
    "channel_adapter_contact_syncs_total",
    "CRM contact changes written to the platform's contact (outcome: synced, not_configured, dead)",
    ["channel", "outcome"])


# The labelled series of every message, looked up once per label set: `labels()` takes a lock and builds a key
# on every call. Channels and outcomes are a small closed set.
@cache
def webhooks_received(channel: str) -> Counter:
    return WEBHOOKS_RECEIVED.labels(channel)


@cache
def webhook_seconds(channel: str) -> Histogram:
    return WEBHOOK_SECONDS.labels(channel)


@cache
def messages_published(channel: str, outcome: str) -> Counter:
    return MESSAGES_PUBLISHED.labels(channel, outcome)


@cache
def replies_sent(channel: str) -> Counter:
    return REPLIES_SENT.labels(channel)


@cache
def send_seconds(channel: str) -> Histogram:
    return SEND_SECONDS.labels(channel)
