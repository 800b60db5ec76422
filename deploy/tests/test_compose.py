"""docker-compose.yml checked as compose reads it (anchors, then ${VAR} interpolation from
deploy/compose.env.example): the stack, its health ordering, and an environment every process accepts."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from sellerbot_deploy_checks.compose import (
    COMPOSE_FILE,
    MissingVariable,
    interpolate,
    load,
    read_env_file,
    required_variables,
)
from sellerbot_deploy_checks.processes import BRIEF_CONFIG_NAMES, GATEWAY, PROCESSES, REPO_ROOT, SERVICES, Process

INFRASTRUCTURE = {"postgres", "redis", "nats"}
MONITORING = {"prometheus", "grafana"}
TRACING = {"otel-collector", "jaeger"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(read_env_file())


def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]  # type: ignore[no-any-return]


def test_the_stack_runs_the_infrastructure_every_process_and_monitoring(compose: dict[str, Any]) -> None:
    assert set(services(compose)) == INFRASTRUCTURE | MONITORING | TRACING | {p.name for p in PROCESSES}
    assert "-js" in services(compose)["nats"]["command"]


def test_every_container_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        if name in TRACING:
            continue  # images without a shell or an HTTP client; nothing waits on them (see the compose comment)
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_processes_start_once_their_dependencies_are_healthy(compose: dict[str, Any], process: Process) -> None:
    depends_on = services(compose)[process.name]["depends_on"]
    expected = INFRASTRUCTURE | ({s.name for s in SERVICES} if process is GATEWAY else set())
    assert set(depends_on) == expected
    assert {d["condition"] for d in depends_on.values()} == {"service_healthy"}


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_each_process_builds_from_its_dockerfile_and_probes_its_own_port(
    compose: dict[str, Any], process: Process,
) -> None:
    service = services(compose)[process.name]
    assert service["build"]["context"] == "."
    assert service["build"]["dockerfile"] == f"deploy/docker/Dockerfile.{process.name}"
    assert (REPO_ROOT / service["build"]["dockerfile"]).is_file()
    probe = service["healthcheck"]["test"]
    target = f"127.0.0.1:{process.port}" if process.is_grpc else f"http://127.0.0.1:{process.port}/readyz"
    assert probe[:3] == ["CMD", "python", "/usr/local/bin/sellerbot-healthcheck"] and probe[-1] == target


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_processes_listen_on_all_interfaces_and_dial_each_other_by_service_name(
    compose: dict[str, Any], process: Process,
) -> None:
    env = services(compose)[process.name]["environment"]
    for service in SERVICES:
        expected = f"0.0.0.0:{service.port}" if service is process else f"{service.name}:{service.port}"
        assert env[f"{service.env_prefix}_GRPC_ADDR"] == expected
    assert re.fullmatch(r"postgresql://sellerbot:[^@]+@postgres:5432/sellerbot", env["DATABASE_URL"])
    assert (env["REDIS_URL"], env["NATS_URL"]) == ("redis://redis:6379/0", "nats://nats:4222")
    assert env["ENVIRONMENT"] == "production"
    assert (env["OTEL_TRACES_EXPORTER"], env["OTEL_EXPORTER_OTLP_ENDPOINT"]) == ("otlp", "http://otel-collector:4317")
    if process.is_grpc:
        assert env[f"{process.env_prefix}_METRICS_PORT"] == str(process.metrics_port)
        assert env["METRICS_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_variable_given_to_a_process_is_a_name_it_reads(compose: dict[str, Any], process: Process) -> None:
    given = set(services(compose)[process.name]["environment"])
    unknown = given - process.settings_env_names() - BRIEF_CONFIG_NAMES
    assert not unknown, f"{process.name} does not read {sorted(unknown)}"


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_process_accepts_its_compose_environment_in_production_mode(
    compose: dict[str, Any], process: Process, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in services(compose)[process.name]["environment"].items():
        monkeypatch.setenv(key, str(value))
    settings = process.settings_class()(_env_file=None)  # type: ignore[call-arg]
    if process.is_grpc:
        assert getattr(settings, f"{process.env_prefix.lower()}_grpc_addr") == f"0.0.0.0:{process.port}"
    else:
        assert settings.environment.value == "production"  # type: ignore[attr-defined]
        assert settings.metrics_targets == {  # type: ignore[attr-defined]
            s.name: f"http://{s.name}:{s.metrics_port}/metrics" for s in SERVICES
        }


def test_secrets_have_no_defaults_and_are_listed_in_the_env_example() -> None:
    text = COMPOSE_FILE.read_text()
    required = required_variables(text)
    assert {"POSTGRES_PASSWORD", "JWT_SECRET", "ADMIN_PASSWORD", "SECRETS_KEY", "GRAFANA_ADMIN_PASSWORD"} <= required
    assert required <= set(read_env_file())
    with pytest.raises(MissingVariable, match="JWT_SECRET"):
        interpolate("${JWT_SECRET:?set JWT_SECRET}", {})


def test_monitoring_mounts_the_repository_configuration(compose: dict[str, Any]) -> None:
    prometheus, grafana = services(compose)["prometheus"], services(compose)["grafana"]
    volumes = prometheus["volumes"] + grafana["volumes"]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in volumes if v.startswith("./")}
    for source in mounts:
        assert (REPO_ROOT / source).exists(), source
    config_dir = mounts["./deploy/prometheus/prometheus.yml"].rsplit("/", 1)[0]
    assert mounts["./deploy/prometheus/alerts.yml"] == f"{config_dir}/alerts.yml"  # rule_files: [alerts.yml]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    dashboards_target = mounts["./deploy/grafana/dashboards"]
    assert home.startswith(dashboards_target + "/")
    assert (REPO_ROOT / "deploy/grafana/dashboards" / home.rsplit("/", 1)[1]).is_file()


def test_only_the_gateway_is_public_and_the_uis_without_auth_stay_on_the_host_loopback(
    compose: dict[str, Any],
) -> None:
    published = {name: service["ports"] for name, service in services(compose).items() if service.get("ports")}
    assert set(published) == {"gateway", "prometheus", "grafana", "jaeger"}
    for name in ("prometheus", "grafana", "jaeger"):
        assert all(port.startswith("127.0.0.1:") for port in published[name]), name
    assert "--web.enable-lifecycle" not in services(compose)["prometheus"]["command"]


def test_grafana_has_no_default_admin_password() -> None:
    raw = load()["services"]["grafana"]["environment"]
    assert raw["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")
    assert raw["GF_AUTH_ANONYMOUS_ENABLED"] == "false"


def test_prometheus_scrapes_the_gateway_on_its_internal_metrics_port(compose: dict[str, Any]) -> None:
    gateway = services(compose)["gateway"]
    assert gateway["environment"]["GATEWAY_METRICS_PORT"] == str(GATEWAY.metrics_port)
    assert not any(str(GATEWAY.metrics_port) in port for port in gateway["ports"])  # never published


def test_the_collector_forwards_the_services_spans_to_jaeger(compose: dict[str, Any]) -> None:
    collector = services(compose)["otel-collector"]
    mount = next(v for v in collector["volumes"] if v.startswith("./deploy/otel-collector/"))
    source, target = mount.split(":")[:2]
    assert collector["command"] == [f"--config={target}"]
    config = yaml.safe_load((REPO_ROOT / source).read_text())
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert config["exporters"]["otlp"]["endpoint"] == "jaeger:4317"
    assert config["service"]["pipelines"]["traces"] == {
        "receivers": ["otlp"], "processors": ["batch"], "exporters": ["otlp"]}
    assert services(compose)["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
