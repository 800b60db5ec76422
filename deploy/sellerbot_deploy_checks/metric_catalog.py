"""Metric names the dashboards and alert rules rely on, and the ones still awaited from their owners."""

from __future__ import annotations

from sellerbot_deploy_checks.promql import base_name, defined_metrics, grouping_labels, metric_definitions, metric_names

# The seed's metric contract (seller-bot-architecture.md, "Métricas Prometheus"), owned by automation.
SEED_BOT_METRICS = frozenset({
    "bot_task_created_total", "bot_task_completed_total", "bot_task_failed_total", "bot_task_duration_seconds",
    "bot_active_tasks", "bot_active_profiles", "bot_worker_status", "bot_started_total", "bot_stopped_total",
    "bot_profile_created_total", "bot_profile_verified_total",
})

# Metrics the platform code (gateway, libs) already defines; dashboards and alerts must use them.
PLATFORM_METRICS = frozenset({
    "sellerbot_events_published_total", "sellerbot_events_consumed_total", "sellerbot_event_handle_seconds",
    "gateway_rate_limited_total", "gateway_rate_limit_backend_fallback_total", "gateway_metrics_scrape_failed_total",
})

# Names the dashboards/alerts read before their owner has created them (services are written at the same
# time). A name here that is still not defined is reported, not failed; move it out once it exists.
PENDING_METRICS = {
    "http_requests_total": "gateway (HTTP request metrics)",
    "http_request_duration_seconds": "gateway (HTTP request metrics)",
}


def report_pending(used: set[str], where: str) -> list[str]:
    """Names `used` that only the pending list vouches for, printed for the report (pytest -rA shows them)."""
    defined = set(defined_metrics())
    pending = sorted(n for n in used if n in PENDING_METRICS and n not in defined)
    if pending:
        print(f"{where}: not defined yet: " + ", ".join(f"{n} ({PENDING_METRICS[n]})" for n in pending))
    return pending


def unknown_labels(expr: str) -> set[str]:
    """Labels `expr` groups by or matches on that none of its metrics has (empty when a metric is pending)."""
    definitions = metric_definitions()
    names = {base_name(n, set(definitions)) for n in metric_names(expr)}
    if not names or not names <= set(definitions):
        return set()
    available = set().union(*(definitions[n].labels for n in names))
    return grouping_labels(expr) - available
