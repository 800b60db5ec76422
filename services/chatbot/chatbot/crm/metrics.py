"""Prometheus metrics of the CRM (served on the chatbot's metrics port)."""

from prometheus_client import Counter, Gauge

CRM_ERRORS = Counter("chatbot_crm_errors_total", "CRM steps that failed (the turn went on)", ["step"])
CRM_WEBHOOK_DELIVERIES = Counter(
    "chatbot_crm_webhook_deliveries_total", "Outbound CRM webhook deliveries", ["outcome"])
CRM_WEBHOOK_DEAD_LETTERS = Gauge(
    "chatbot_crm_webhook_dead_letters", "CRM webhook deliveries that gave up and wait for a retry")
CRM_CHATWOOT_SYNCS = Counter(
    "chatbot_crm_chatwoot_syncs_total", "ContactChanged events published for channel-adapter to write to Chatwoot")
CRM_MERGES_PURGED = Counter(
    "chatbot_crm_merges_purged_total", "Merge snapshots and merged contacts deleted after the undo window", ["kind"])
