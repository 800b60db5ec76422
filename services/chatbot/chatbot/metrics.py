"""Prometheus metrics of the chatbot service (port CHATBOT_METRICS_PORT), labelled by channel."""

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_PROCESSED = Counter(
    "chatbot_messages_processed_total", "Customer messages handled", ["channel", "outcome"]
)
REPLY_LATENCY = Histogram(
    "chatbot_reply_latency_seconds", "From the last inbound message of a turn to its reply being produced",
    ["channel"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20),
)
INTENTS = Counter("chatbot_intent_total", "Detected intents", ["channel", "intent"])
LLM_CALLS = Counter("chatbot_llm_calls_total", "LLM completions", ["channel", "outcome"])
LLM_ERRORS = Counter("chatbot_llm_errors_total", "LLM failures by kind", ["channel", "kind"])
LLM_LATENCY = Histogram(
    "chatbot_llm_latency_seconds", "LLM completion latency", ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30),
)
LLM_TOKENS = Counter("chatbot_llm_tokens_total", "LLM tokens", ["channel", "kind"])
FALLBACKS = Counter(
    "chatbot_fallback_total", "Replies that fell back to the offline responder", ["channel", "reason"]
)
FAQ_CACHE = Counter("chatbot_faq_cache_total", "FAQ cache lookups", ["channel", "result"])
HANDOFFS = Counter("chatbot_handoffs_total", "Conversations handed to a human", ["channel", "origin"])
AGENT_REPLIES = Counter("chatbot_agent_replies_total", "Replies members wrote in the inbox", ["channel"])
REPLIES_DROPPED = Counter(
    "chatbot_replies_dropped_total", "Replies not sent (newer message, human took over)", ["channel", "reason"]
)
REPLIES_HELD = Gauge(
    "chatbot_replies_held", "Replies recorded with their turn and waiting for NATS to take them (in turn order)"
)
DUPLICATE_INBOUND = Counter(
    "chatbot_inbound_duplicates_total", "Inbound events seen again (redelivery)", ["channel"]
)
CONTEXT_STORE_DEGRADED = Gauge(
    "chatbot_context_store_degraded", "1 while Redis is unreachable and contexts live in process memory"
)
CONTEXT_STORE_FALLBACKS = Counter(
    "chatbot_context_store_fallback_total", "Context operations served from memory because Redis failed",
    ["operation"],
)
CONTEXT_SYNCED_BACK = Counter(
    "chatbot_context_synced_back_total", "Contexts written back to Redis after an outage"
)
PARTITIONS_OWNED = Gauge(
    "chatbot_inbound_partitions_owned", "Inbound partitions this replica holds the lease of (and consumes)"
)
INBOUND_SWEPT = Counter(
    "chatbot_inbound_swept_total",
    "Contacts whose messages waited unanswered past the sweep's age (a stalled previous owner stored them late)",
)
PARTITION_HANDOVERS = Counter(
    "chatbot_inbound_partition_handovers_total", "Inbound partitions taken or given up by this replica",
    ["direction"],
)
LLM_REPLIES_REJECTED = Counter(
    "chatbot_llm_replies_rejected_total",
    "LLM replies replaced by the offline wording because they stated a fact not in the planned facts",
    ["channel", "claim"],
)
SHOP_EVENTS_APPLIED = Counter(
    "chatbot_shop_events_total", "SHOP events applied to the read models (or stale: a later read was applied)",
    ["kind", "outcome"],
)
CONVERSIONS_ATTRIBUTED = Counter(
    "chatbot_conversions_attributed_total", "Orders looked at for a conversion", ["origin", "outcome"],
)
