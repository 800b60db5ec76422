"""Grafana provisioning and dashboards: JSON that parses, matches its definition, valid PromQL, and metric
names that the code defines (or that are awaited from their owner, reported by name)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sellerbot_deploy_checks.compose import load
from sellerbot_deploy_checks.dashboards import DASHBOARD_DIR, rendered_files
from sellerbot_deploy_checks.metric_catalog import PLATFORM_METRICS, SEED_BOT_METRICS, report_pending, unknown_labels
from sellerbot_deploy_checks.processes import PROCESSES, REPO_ROOT
from sellerbot_deploy_checks.promql import base_name, metric_names

GRAFANA_DIR = REPO_ROOT / "deploy" / "grafana"
DASHBOARDS = {path.stem: json.loads(path.read_text()) for path in sorted(DASHBOARD_DIR.glob("*.json"))}


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_one_dashboard_per_process() -> None:
    assert set(DASHBOARDS) == {p.name for p in PROCESSES}
    assert len({d["uid"] for d in DASHBOARDS.values()}) == len(DASHBOARDS)


def test_committed_dashboards_match_their_definition() -> None:
    on_disk = {path.name: path.read_text() for path in DASHBOARD_DIR.glob("*.json")}
    assert on_disk == rendered_files(), "run: .venv/bin/python -m sellerbot_deploy_checks.dashboards"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_panel_queries_the_provisioned_datasource(name: str) -> None:
    datasource = yaml.safe_load((GRAFANA_DIR / "provisioning/datasources/prometheus.yml").read_text())["datasources"][0]
    panels = DASHBOARDS[name]["panels"]
    assert len(panels) >= 6
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in [panel, *panel["targets"]]:
            assert target["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}


def test_dashboards_use_the_seed_and_platform_metrics(known_metrics: set[str]) -> None:
    used = {base_name(n, known_metrics) for d in DASHBOARDS.values() for e in expressions(d) for n in metric_names(e)}
    assert used >= SEED_BOT_METRICS, f"missing seed metrics {sorted(SEED_BOT_METRICS - used)}"
    assert used >= PLATFORM_METRICS, f"missing platform metrics {sorted(PLATFORM_METRICS - used)}"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_panel_reads_metrics_that_exist(name: str, known_metrics: set[str]) -> None:
    used = {base_name(n, known_metrics) for e in expressions(DASHBOARDS[name]) for n in metric_names(e)}
    assert not used - known_metrics, f"{name} reads metrics nobody defines: {sorted(used - known_metrics)}"
    report_pending(used, f"dashboard {name}")


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_panel_groups_by_labels_its_metrics_have(name: str) -> None:
    wrong = {e: sorted(unknown_labels(e)) for e in expressions(DASHBOARDS[name]) if unknown_labels(e)}
    assert not wrong, f"{name}: labels the metrics do not carry: {wrong}"


def test_every_panel_query_is_valid_promql(tmp_path: Path, run_promtool: Callable[..., Any]) -> None:
    exprs = sorted({e for d in DASHBOARDS.values() for e in expressions(d)})
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(exprs)]}]}
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump(rules))
    result = run_promtool("check", "rules", str(path))
    assert f"{len(exprs)} rules found" in result.stdout


def test_provisioning_loads_the_folder_compose_mounts() -> None:
    provider = yaml.safe_load((GRAFANA_DIR / "provisioning/dashboards/seller-bot.yml").read_text())["providers"][0]
    grafana = load()["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"] if v.startswith("./"))
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    datasource = yaml.safe_load((GRAFANA_DIR / "provisioning/datasources/prometheus.yml").read_text())["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
