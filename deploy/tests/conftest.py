"""Shared fixtures of the deployment checks: promtool (extracted once from Debian's package) and the metric
names dashboards and alerts may use."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sellerbot_deploy_checks.metric_catalog import PENDING_METRICS
from sellerbot_deploy_checks.promql import PROMETHEUS_BUILTINS, defined_metrics
from sellerbot_deploy_checks.promtool import ensure_promtool


@pytest.fixture(scope="session")
def promtool() -> Path:
    return ensure_promtool()


@pytest.fixture(scope="session")
def run_promtool(promtool: Path):  # type: ignore[no-untyped-def]
    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(promtool), *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                                check=False)
        assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    return run


@pytest.fixture(scope="session")
def known_metrics() -> set[str]:
    return set(defined_metrics()) | PROMETHEUS_BUILTINS | set(PENDING_METRICS)
