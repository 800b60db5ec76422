"""Prometheus metrics of the event bus, shared by every process that publishes or consumes."""

from functools import cache

from prometheus_client import Counter, Histogram

EVENTS_PUBLISHED = Counter(
    "sellerbot_events_published_total",
    "Events published to JetStream (outcome: stored, duplicate, error; sent: best effort, no ack awaited)",
    ["subject", "outcome"],
)
EVENTS_CONSUMED = Counter(
    "sellerbot_events_consumed_total", "Events handled by a consumer", ["consumer", "outcome"]
)
EVENT_HANDLE_SECONDS = Histogram(
    "sellerbot_event_handle_seconds", "Time spent handling one event", ["consumer"]
)


# The labelled series, looked up once per label set: `labels()` takes a lock and builds a key on every call, and
# these are counted for every event. Subjects and consumer names are a small closed set.
@cache
def published(subject: str, outcome: str) -> Counter:
    return EVENTS_PUBLISHED.labels(subject, outcome)


@cache
def consumed(consumer: str, outcome: str) -> Counter:
    return EVENTS_CONSUMED.labels(consumer, outcome)


@cache
def handle_seconds(consumer: str) -> Histogram:
    return EVENT_HANDLE_SECONDS.labels(consumer)
