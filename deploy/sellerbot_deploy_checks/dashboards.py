"""Grafana dashboards of Seller Bot, one per process, written as JSON under deploy/grafana/dashboards/.

The panels are declared here once and rendered to the JSON Grafana provisions; a test fails when the
committed JSON drifts from this file. Regenerate with:
    .venv/bin/python -m sellerbot_deploy_checks.dashboards
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DASHBOARD_DIR = Path(__file__).resolve().parents[1] / "grafana" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
SERVICE_JOBS = "gateway|automation|chatbot|channel-adapter|notification"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    stat: bool = False  # a single number on the top row instead of a time series
    description: str = ""
    mappings: tuple[tuple[str, str], ...] = ()  # value -> text, e.g. worker status 0/1


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    panels: tuple[Panel, ...]
    tags: tuple[str, ...] = field(default=("seller-bot",))


def p95(bucket: str, by: str = "", selector: str = "") -> str:
    labels = f"le, {by}" if by else "le"
    return f"histogram_quantile(0.95, sum by ({labels}) (rate({bucket}_bucket{selector}[5m])))"


def events_panels(job: str) -> tuple[Panel, ...]:
    """The event-bus panels every NATS publisher/consumer shares (metrics of sellerbot_messaging)."""
    sel = f'{{job="{job}"}}'
    return (
        Panel("Events published", (Query(f"sum by (subject, outcome) (rate(sellerbot_events_published_total{sel}[5m]))",
                                         "{{subject}} {{outcome}}"),), "ops"),
        Panel("Events consumed", (Query(f"sum by (consumer, outcome) (rate(sellerbot_events_consumed_total{sel}[5m]))",
                                        "{{consumer}} {{outcome}}"),), "ops"),
        Panel("Event handling p95", (Query(p95("sellerbot_event_handle_seconds", "consumer", sel), "{{consumer}}"),),
              "s"),
    )


GATEWAY = Dashboard(
    uid="sellerbot-gateway",
    title="Seller Bot / Gateway & platform",
    description="Public API traffic, rate limits, and the health of every Seller Bot process.",
    panels=(
        Panel("Processes up", (Query(f'sum(up{{job=~"{SERVICE_JOBS}"}})'),), stat=True,
              description="Out of 5: gateway, automation, chatbot, channel-adapter, notification"),
        Panel("Requests refused (429, 5m)", (Query("sum(increase(gateway_rate_limited_total[5m]))"),), stat=True),
        Panel("Up by process", (Query(f'up{{job=~"{SERVICE_JOBS}"}}', "{{job}}"),),
              mappings=(("0", "down"), ("1", "up"))),
        Panel("HTTP requests by status", (Query(
            'sum by (status) (rate(http_requests_total{job="gateway"}[5m]))', "{{status}}"),), "reqps"),
        Panel("HTTP latency p95 by route", (Query(
            p95("http_request_duration_seconds", "handler", '{job="gateway"}'), "{{handler}}"),), "s"),
        Panel("Requests refused with 429 by limit", (Query(
            "sum by (scope) (rate(gateway_rate_limited_total[5m]))", "{{scope}}"),), "reqps",
            description="webhooks 100/min per IP, api 30/min per IP, bot_control 5/min per user"),
        Panel("Webhooks per HandleWebhooks call (mean)", (Query(
            "sum(rate(gateway_webhook_batch_size_sum[5m])) / sum(rate(gateway_webhook_batch_size_count[5m]))",
            "webhooks per call"),),
            description="Webhooks that arrive while both call slots to channel-adapter are busy leave together"),
        Panel("Rate-limit checks served from memory (Redis down)", (Query(
            "sum(increase(gateway_rate_limit_backend_fallback_total[5m]))", "fallbacks"),)),
        Panel("WebSocket connections (/ws/notifications)", (Query("sum(gateway_ws_connections)", "open"),)),
        Panel("WebSocket frames sent by type", (Query(
            "sum by (type) (rate(gateway_ws_messages_sent_total[5m]))", "{{type}}"),), "ops"),
        Panel("Service metrics the gateway could not read", (Query(
            "sum by (target) (increase(gateway_metrics_scrape_failed_total[5m]))", "{{target}}"),)),
        Panel("Events published (all processes)", (Query(
            "sum by (job, subject) (rate(sellerbot_events_published_total[5m]))", "{{job}} {{subject}}"),), "ops"),
        Panel("Event handler failures (all processes)", (Query(
            'sum by (job, consumer) (rate(sellerbot_events_consumed_total{outcome!="ok"}[5m]))',
            "{{job}} {{consumer}}"),), "ops"),
    ),
)

AUTOMATION = Dashboard(
    uid="sellerbot-automation",
    title="Seller Bot / Automation",
    description="TikTok Seller Center worker: tasks, profiles and the worker (the seed's bot_* metrics).",
    panels=(
        Panel("Worker", (Query("max(bot_worker_status)"),), stat=True,
              mappings=(("0", "stopped"), ("1", "running"))),
        Panel("Active tasks", (Query("sum(bot_active_tasks)"),), stat=True),
        Panel("Active profiles", (Query("sum(bot_active_profiles)"),), stat=True),
        Panel("Task success rate", (Query(
            "sum(rate(bot_task_completed_total[5m])) / sum(rate(bot_task_created_total[5m])) * 100"),),
            "percent", stat=True),
        Panel("Tasks created, completed and failed", (
            Query("sum by (task_type) (rate(bot_task_created_total[5m]))", "created {{task_type}}"),
            Query("sum by (task_type) (rate(bot_task_completed_total[5m]))", "completed {{task_type}}"),
            Query("sum by (task_type) (rate(bot_task_failed_total[5m]))", "failed {{task_type}}"),
        ), "ops"),
        Panel("Failures by error", (Query(
            "sum by (task_type, error) (increase(bot_task_failed_total[1h]))", "{{task_type}}: {{error}}"),)),
        Panel("Task duration p95", (Query(p95("bot_task_duration_seconds"), "p95"),), "s",
              description="The seed's query: histogram_quantile(0.95, rate(bot_task_duration_seconds_bucket[5m]))"),
        Panel("Active tasks and profiles", (
            Query("sum(bot_active_tasks)", "tasks"), Query("sum(bot_active_profiles)", "profiles")),),
        Panel("Worker starts and stops", (
            Query("sum(increase(bot_started_total[1h]))", "started"),
            Query("sum(increase(bot_stopped_total[1h]))", "stopped"),
            Query("max(bot_worker_status)", "running"),
        )),
        Panel("Profiles created and verified", (
            Query("sum(increase(bot_profile_created_total[1h]))", "created"),
            Query("sum by (status) (increase(bot_profile_verified_total[1h]))", "verified {{status}}"),
        )),
        *events_panels("automation"),
    ),
)

CHATBOT = Dashboard(
    uid="sellerbot-chatbot",
    title="Seller Bot / Chatbot",
    description="The AI seller: messages, replies, intents, LLM calls, FAQ cache and handoffs per channel.",
    panels=(
        Panel("Messages processed (1h)", (Query("sum(increase(chatbot_messages_processed_total[1h]))"),), stat=True),
        Panel("Handoffs (1h)", (Query("sum(increase(chatbot_handoffs_total[1h]))"),), stat=True),
        Panel("LLM errors (1h)", (Query("sum(increase(chatbot_llm_errors_total[1h]))"),), stat=True),
        Panel("Context store on memory fallback", (Query("max(chatbot_context_store_degraded)"),), stat=True,
              mappings=(("0", "Redis"), ("1", "memory (Redis down)"))),
        Panel("Messages processed by channel", (Query(
            "sum by (channel, outcome) (rate(chatbot_messages_processed_total[5m]))", "{{channel}} {{outcome}}"),),
            "ops"),
        Panel("Reply latency p95 by channel", (Query(
            p95("chatbot_reply_latency_seconds", "channel"), "{{channel}}"),), "s"),
        Panel("Intents", (Query("sum by (intent) (increase(chatbot_intent_total[1h]))", "{{intent}}"),)),
        Panel("LLM calls and errors", (
            Query("sum by (outcome) (rate(chatbot_llm_calls_total[5m]))", "calls {{outcome}}"),
            Query("sum by (kind) (rate(chatbot_llm_errors_total[5m]))", "errors {{kind}}"),
        ), "ops"),
        Panel("LLM latency p95", (Query(p95("chatbot_llm_latency_seconds", "channel"), "{{channel}}"),), "s"),
        Panel("LLM tokens", (Query("sum by (kind) (rate(chatbot_llm_tokens_total[5m]))", "{{kind}}"),)),
        Panel("Offline fallbacks and FAQ cache", (
            Query("sum by (reason) (rate(chatbot_fallback_total[5m]))", "fallback {{reason}}"),
            Query("sum by (result) (rate(chatbot_faq_cache_total[5m]))", "FAQ cache {{result}}"),
        ), "ops"),
        Panel("Handoffs by channel", (Query(
            "sum by (channel, origin) (increase(chatbot_handoffs_total[1h]))", "{{channel}} {{origin}}"),)),
        Panel("Replies dropped and duplicates", (
            Query("sum by (reason) (increase(chatbot_replies_dropped_total[1h]))", "dropped {{reason}}"),
            Query("sum(increase(chatbot_inbound_duplicates_total[1h]))", "duplicate inbound"),
        )),
        *events_panels("chatbot"),
    ),
)

CHANNEL_ADAPTER = Dashboard(
    uid="sellerbot-channel-adapter",
    title="Seller Bot / Channel adapter",
    description="Chatwoot, WhatsApp (Evolution), Instagram and Telegram: webhooks in, replies out, dead letters.",
    panels=(
        Panel("Webhooks received (1h)", (Query("sum(increase(channel_adapter_webhooks_received_total[1h]))"),),
              stat=True),
        Panel("Webhooks rejected (1h)", (Query("sum(increase(channel_adapter_webhooks_rejected_total[1h]))"),),
              stat=True),
        Panel("Replies sent (1h)", (Query("sum(increase(channel_adapter_replies_sent_total[1h]))"),), stat=True),
        Panel("Dead letters (1h)", (Query("sum(increase(channel_adapter_dead_letters_total[1h]))"),), stat=True),
        Panel("Webhooks received by channel", (Query(
            "sum by (channel) (rate(channel_adapter_webhooks_received_total[5m]))", "{{channel}}"),), "reqps"),
        Panel("Webhooks rejected and items ignored", (
            Query("sum by (channel, reason) (rate(channel_adapter_webhooks_rejected_total[5m]))",
                  "rejected {{channel}} {{reason}}"),
            Query("sum by (channel, reason) (rate(channel_adapter_messages_ignored_total[5m]))",
                  "ignored {{channel}} {{reason}}"),
        ), "reqps", description="Rejected: failed signature/token, malformed body. Ignored: echoes, groups, statuses."),
        Panel("Webhook handling p95 (until the JetStream ack)", (Query(
            p95("channel_adapter_webhook_seconds", "channel"), "{{channel}}"),), "s"),
        Panel("Webhooks refused by the gateway (429)", (Query(
            'sum(rate(gateway_rate_limited_total{scope="webhooks"}[5m]))', "429"),), "reqps"),
        Panel("Inbound messages published", (Query(
            "sum by (channel, outcome) (rate(channel_adapter_messages_published_total[5m]))",
            "{{channel}} {{outcome}}"),), "ops"),
        Panel("Human agents taking over", (Query(
            "sum by (channel) (increase(channel_adapter_human_takeovers_total[1h]))", "{{channel}}"),)),
        Panel("Replies sent, failed and retried", (
            Query("sum by (channel) (rate(channel_adapter_replies_sent_total[5m]))", "sent {{channel}}"),
            Query("sum by (channel, reason) (rate(channel_adapter_replies_failed_total[5m]))",
                  "failed {{channel}} {{reason}}"),
            Query("sum by (channel) (rate(channel_adapter_send_retries_total[5m]))", "retried {{channel}}"),
        ), "ops"),
        Panel("Send latency p95", (Query(p95("channel_adapter_send_seconds", "channel"), "{{channel}}"),), "s"),
        Panel("Circuit breakers", (Query(
            "max by (channel, account) (channel_adapter_circuit_state)", "{{channel}} {{account}}"),),
            mappings=(("0", "closed"), ("1", "half-open"), ("2", "open"))),
        Panel("Dead letters by channel", (
            Query("sum by (channel) (increase(channel_adapter_dead_letters_total[1h]))", "{{channel}}"),
            Query('sum by (subject) (increase(sellerbot_events_published_total{subject=~"deadletters\\\\..+"}[1h]))',
                  "stream {{subject}}"),
        )),
        *events_panels("channel-adapter"),
    ),
)

NOTIFICATION = Dashboard(
    uid="sellerbot-notification",
    title="Seller Bot / Notifications",
    description="Real-time notifications per user: subscribers, deliveries, slow clients, latency.",
    panels=(
        Panel("Connected clients", (Query("sum(notification_connected_clients)"),), stat=True),
        Panel("Connected users", (Query("sum(notification_connected_users)"),), stat=True),
        Panel("Delivered (1h)", (Query("sum(increase(notification_messages_delivered_total[1h]))"),), stat=True),
        Panel("Slow-client disconnects (1h)", (Query(
            "sum(increase(notification_slow_client_disconnects_total[1h]))"),), stat=True),
        Panel("Clients and users", (
            Query("sum(notification_connected_clients)", "clients"),
            Query("sum(notification_connected_users)", "users"),
            Query("sum(gateway_ws_connections)", "gateway websockets"),
        )),
        Panel("Notifications delivered by type", (Query(
            "sum by (type) (rate(notification_messages_delivered_total[5m]))", "{{type}}"),), "ops"),
        Panel("Delivery latency p95 (event to subscriber)", (
            Query(p95("notification_delivery_latency_seconds"), "notification service"),
            Query(p95("gateway_ws_delivery_latency_seconds"), "end to end (websocket)"),
        ), "s"),
        Panel("Dropped and disconnected", (
            Query("sum by (reason) (increase(notification_messages_dropped_total[1h]))", "dropped {{reason}}"),
            Query("sum(increase(notification_slow_client_disconnects_total[1h]))", "slow-client disconnects"),
            Query("sum by (reason) (increase(gateway_ws_closed_total[1h]))", "websocket closed {{reason}}"),
        )),
        Panel("Events translated and skipped", (
            Query("sum by (type) (rate(notification_events_translated_total[5m]))", "{{type}}"),
            Query("sum by (reason) (rate(notification_events_skipped_total[5m]))", "skipped {{reason}}"),
        ), "ops"),
        Panel("Resumed subscriptions (last_event_id)", (Query(
            "sum by (outcome) (increase(notification_resumes_total[1h]))", "{{outcome}}"),)),
        *events_panels("notification"),
    ),
)

DASHBOARDS = {"gateway": GATEWAY, "automation": AUTOMATION, "chatbot": CHATBOT,
              "channel-adapter": CHANNEL_ADAPTER, "notification": NOTIFICATION}


def _panel_json(panel: Panel, panel_id: int, grid: dict[str, int]) -> dict[str, Any]:
    mappings = [{"type": "value", "options": {value: {"text": text} for value, text in panel.mappings}}] \
        if panel.mappings else []
    return {
        "id": panel_id,
        "type": "stat" if panel.stat else "timeseries",
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": grid,
        "fieldConfig": {"defaults": {"unit": panel.unit, "mappings": mappings}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}} if panel.stat
        else {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": q.expr, "legendFormat": q.legend}
            for i, q in enumerate(panel.queries)
        ],
    }


def render(dashboard: Dashboard) -> dict[str, Any]:
    """Grafana dashboard JSON: stats in a row of quarter-width tiles, then time series two per row."""
    panels: list[dict[str, Any]] = []
    stats = [p for p in dashboard.panels if p.stat]
    for i, panel in enumerate(stats):
        panels.append(_panel_json(panel, len(panels) + 1, {"x": 6 * (i % 4), "y": 4 * (i // 4), "w": 6, "h": 4}))
    y = 4 * ((len(stats) + 3) // 4)
    for i, panel in enumerate(p for p in dashboard.panels if not p.stat):
        panels.append(_panel_json(panel, len(panels) + 1, {"x": 12 * (i % 2), "y": y + 8 * (i // 2), "w": 12, "h": 8}))
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": list(dashboard.tags),
        "editable": False,
        "schemaVersion": 39,
        "version": 1,
        "timezone": "browser",
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


def rendered_files() -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(render(d), indent=2, ensure_ascii=False) + "\n" for name, d in DASHBOARDS.items()
    }


def main() -> None:
    DASHBOARD_DIR.mkdir(parents=True, exist_ok=True)
    for filename, text in rendered_files().items():
        (DASHBOARD_DIR / filename).write_text(text)
        print(f"wrote {DASHBOARD_DIR / filename}")


if __name__ == "__main__":
    main()
