"""Prometheus configuration and alert rules, checked and unit-tested with promtool (Debian's 2.42)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from sellerbot_deploy_checks.metric_catalog import PLATFORM_METRICS, SEED_BOT_METRICS, report_pending, unknown_labels
from sellerbot_deploy_checks.processes import PROCESSES, REPO_ROOT
from sellerbot_deploy_checks.promql import base_name, metric_names

PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"
RULES = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
CONFIG = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
ALERTS = {rule["alert"]: rule for group in RULES["groups"] for rule in group["rules"]}


def test_config_is_valid_and_loads_the_alert_rules(run_promtool: Callable[..., Any]) -> None:
    result = run_promtool("check", "config", str(PROMETHEUS_DIR / "prometheus.yml"))
    assert "1 rule files found" in result.stdout


def test_alert_rules_are_valid(run_promtool: Callable[..., Any]) -> None:
    result = run_promtool("check", "rules", str(PROMETHEUS_DIR / "alerts.yml"))
    assert f"{len(ALERTS)} rules found" in result.stdout


def test_alert_unit_tests_pass(run_promtool: Callable[..., Any]) -> None:
    # worker crash vs. requested stop, task failure ratio with a volume floor, dead letters, service down
    run_promtool("test", "rules", str(REPO_ROOT / "deploy" / "tests" / "alerts_test.yml"))


def test_every_process_metrics_port_is_scraped_once_and_every_replica_of_a_service() -> None:
    jobs = {job["job_name"]: job for job in CONFIG["scrape_configs"]}
    for process in PROCESSES:
        if process.is_grpc:  # every container of the service (`docker compose up --scale`): one A record each
            assert jobs[process.name]["dns_sd_configs"] == [
                {"names": [process.name], "type": "A", "port": process.metrics_port}]
            continue
        targets = [t for config in jobs[process.name]["static_configs"] for t in config["targets"]]
        assert targets == [f"{process.name}:{process.metrics_port}"]
    # the gateway re-exposes every service's samples: only its own are kept, or bot_* would count twice
    keep = jobs["gateway"]["metric_relabel_configs"][0]
    assert (keep["source_labels"], keep["regex"], keep["action"]) == (["service"], "gateway", "keep")


def test_the_operational_alerts_exist_with_severity_and_summary() -> None:
    assert {"SellerBotServiceDown", "BotWorkerDown", "BotTaskFailureRateHigh", "WebhookRejectionsHigh",
            "DeadLettersPublished", "ChatbotLLMErrors", "EventHandlersFailing"} <= set(ALERTS)
    for name, rule in ALERTS.items():
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert rule["annotations"]["summary"], name


def test_alerts_group_by_labels_their_metrics_have() -> None:
    wrong = {name: sorted(unknown_labels(r["expr"])) for name, r in ALERTS.items() if unknown_labels(r["expr"])}
    assert not wrong, f"labels the metrics do not carry: {wrong}"


def test_alerts_read_metrics_that_exist(known_metrics: set[str]) -> None:
    used = {base_name(n, known_metrics) for rule in ALERTS.values() for n in metric_names(rule["expr"])}
    assert not used - known_metrics, f"alerts read unknown metrics {sorted(used - known_metrics)}"
    assert {"bot_worker_status", "bot_task_failed_total", "bot_task_created_total"} <= used & SEED_BOT_METRICS
    assert {"sellerbot_events_published_total", "gateway_rate_limited_total"} <= used & PLATFORM_METRICS
    report_pending(used, "alerts.yml")
