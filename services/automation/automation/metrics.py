"""The seed's Prometheus metrics, with its exact names and labels."""

from prometheus_client import Counter, Gauge, Histogram

from automation.domain.model import TaskType

TASK_CREATED = Counter("bot_task_created_total", "Automation tasks created", ["task_type"])
TASK_COMPLETED = Counter("bot_task_completed_total", "Automation tasks completed", ["task_type"])
TASK_FAILED = Counter("bot_task_failed_total", "Automation tasks that failed or need attention",
                      ["task_type", "error"])
PROFILE_CREATED = Counter("bot_profile_created_total", "Seller Center profiles created")
PROFILE_VERIFIED = Counter("bot_profile_verified_total", "Profile login verifications", ["status"])
WORKER_STARTED = Counter("bot_started_total", "Worker starts")
WORKER_STOPPED = Counter("bot_stopped_total", "Worker stops")
TASK_DURATION = Histogram("bot_task_duration_seconds", "Duration of finished automation tasks",
                          buckets=(1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0))
ACTIVE_TASKS = Gauge("bot_active_tasks", "Tasks running in this worker process")
ACTIVE_PROFILES = Gauge("bot_active_profiles", "Verified (usable) Seller Center profiles")
WORKER_STATUS = Gauge("bot_worker_status", "1 when at least one worker runs in this process, else 0")
SHOP_API_REQUESTS = Counter("bot_shop_api_requests_total", "TikTok Shop Open API calls by outcome",
                            ["endpoint", "outcome"])  # ok | rate_limited | server_error | token_refreshed | error
SHOP_ITEMS_SYNCED = Counter("bot_shop_items_synced_total", "Products and orders published by the shop sync",
                            ["kind", "change"])  # kind: product | order; change: upserted | deactivated | unchanged
SCHEDULE_RUNS = Counter("bot_schedule_runs_total", "Recurring schedules that came due", ["task_type", "outcome"])


def expose_known_series() -> None:
    """Show every task type at 0 from the start, so dashboards and `grep bot_` see the series before use."""
    for task_type in TaskType:
        TASK_CREATED.labels(task_type.value)
        TASK_COMPLETED.labels(task_type.value)
    for status in ("success", "failed"):
        PROFILE_VERIFIED.labels(status)


expose_known_series()
