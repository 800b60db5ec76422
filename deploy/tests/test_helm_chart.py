"""helm/seller-bot rendered offline with helm-python-sdk (Helm's Go engine, no cluster) and asserted
manifest by manifest: kinds and names, probes, configuration and secrets per process, create flags."""

from __future__ import annotations

import copy
from typing import Any

import helm_python
import kubernetes_validate
import pytest
import yaml
from sellerbot_deploy_checks.processes import BRIEF_CONFIG_NAMES, GATEWAY, PROCESSES, REPO_ROOT, SERVICES, Process

CHART_DIR = REPO_ROOT / "helm" / "seller-bot"
RELEASE, NAMESPACE = "shop", "sellers"
PREFIX = f"{RELEASE}-seller-bot"
REQUIRED_SECRETS = {
    "DATABASE_URL": "postgresql://sellerbot:pw@postgres:5432/sellerbot",
    "REDIS_URL": "redis://:pw@redis:6379/0",
    "NATS_URL": "nats://nats:4222",
    "JWT_SECRET": "j" * 48,
    "ADMIN_PASSWORD": "a-real-admin-password",
    "SECRETS_KEY": "k" * 44,
}
CHANNEL_SECRETS = {"CHATWOOT_API_TOKEN", "CHATWOOT_WEBHOOK_SECRET", "EVOLUTION_API_KEY", "EVOLUTION_WEBHOOK_SECRET",
                   "INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_APP_SECRET", "INSTAGRAM_VERIFY_TOKEN", "TELEGRAM_BOT_TOKEN",
                   "TELEGRAM_SECRET_TOKEN"}

Manifests = dict[tuple[str, str], dict[str, Any]]


@pytest.fixture(scope="module")
def chart() -> helm_python.Chart:
    return helm_python.Chart.load(CHART_DIR)


def base_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"secrets": {"values": {**REQUIRED_SECRETS, "OPENAI_API_KEY": "sk-test"}}}
    for key, value in overrides.items():
        values[key] = value
    return copy.deepcopy(values)


def render(chart: helm_python.Chart, values: dict[str, Any]) -> Manifests:
    manifests: Manifests = {}
    for path, text in chart.render(values, name=RELEASE, namespace=NAMESPACE).items():
        if not path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                manifests[(doc["kind"], doc["metadata"]["name"])] = doc
    return manifests


@pytest.fixture(scope="module")
def default(chart: helm_python.Chart) -> Manifests:
    return render(chart, base_values())


def container(manifests: Manifests, process: Process) -> dict[str, Any]:
    deployment = manifests[("Deployment", f"{PREFIX}-{process.name}")]
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only  # type: ignore[no-any-return]


def env_of(manifests: Manifests, process: Process) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(manifests, process)["env"]}


def test_chart_lints_clean(chart: helm_python.Chart) -> None:
    report = helm_python.lint(CHART_DIR, base_values(), strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("kube_version", ["1.27.0", kubernetes_validate.latest_version()])
def test_every_manifest_matches_the_kubernetes_api_schema(chart: helm_python.Chart, kube_version: str) -> None:
    everything_on = base_values(
        serviceMonitor={"enabled": True},
        gateway={"ingress": {"enabled": True, "tlsSecretName": "tls"}, "autoscaling": {"enabled": True}},
        chatbot={"autoscaling": {"enabled": True}},
        notification={"autoscaling": {"enabled": True}},
        images={"pullSecrets": [{"name": "regcred"}]},
        networkPolicy={"enabled": True, "prometheus": {"namespaceLabels": {}, "podLabels": {"app": "prometheus"}}},
    )
    checked = set()
    for (kind, _), manifest in render(chart, everything_on).items():
        if kind == "ServiceMonitor":
            continue  # a Prometheus Operator CRD: no built-in schema
        kubernetes_validate.validate(manifest, kube_version, strict=True)  # unknown fields fail too
        checked.add(kind)
    assert {"Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler", "Ingress",
            "PodDisruptionBudget", "NetworkPolicy"} <= checked


def test_every_process_gets_a_deployment_and_a_service(default: Manifests) -> None:
    for process in PROCESSES:
        assert ("Deployment", f"{PREFIX}-{process.name}") in default
        assert ("Service", f"{PREFIX}-{process.name}") in default
    assert {kind for kind, _ in default} == {"Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount",
                                             "PersistentVolumeClaim", "PodDisruptionBudget"}
    budgets = {name: doc["spec"] for (kind, name), doc in default.items() if kind == "PodDisruptionBudget"}
    assert set(budgets) == {f"{PREFIX}-{name}" for name in ("gateway", "chatbot", "channel-adapter", "notification")}
    assert budgets[f"{PREFIX}-gateway"] == {
        "maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "gateway",
                                                          "app.kubernetes.io/instance": RELEASE}}}


@pytest.mark.parametrize("process", SERVICES, ids=lambda p: p.name)
def test_services_use_grpc_health_probes_on_their_grpc_port(default: Manifests, process: Process) -> None:
    spec = container(default, process)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert spec[probe]["grpc"] == {"port": process.port}, probe
    ports = {p["name"]: p["containerPort"] for p in spec["ports"]}
    assert ports == {"grpc": process.port, "metrics": process.metrics_port}
    service_ports = {p["name"]: p["port"] for p in default[("Service", f"{PREFIX}-{process.name}")]["spec"]["ports"]}
    assert service_ports == ports


def test_the_gateway_probes_livez_and_readyz_and_exposes_its_internal_metrics_port(default: Manifests) -> None:
    spec = container(default, GATEWAY)
    assert spec["startupProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert spec["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert env_of(default, GATEWAY)["GATEWAY_METRICS_PORT"] == "9100"
    service = default[("Service", f"{PREFIX}-gateway")]["spec"]
    assert "clusterIP" not in service  # the public API keeps its virtual IP
    assert service["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                                {"name": "metrics", "port": 9100, "targetPort": "metrics", "protocol": "TCP"}]


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_processes_listen_on_all_interfaces_and_dial_services_by_their_kubernetes_names(
    default: Manifests, process: Process,
) -> None:
    env = env_of(default, process)
    if process.is_grpc:
        assert env[f"{process.env_prefix}_GRPC_ADDR"] == f"0.0.0.0:{process.port}"
        assert env[f"{process.env_prefix}_METRICS_PORT"] == str(process.metrics_port)
    else:
        assert (env["GATEWAY_HOST"], env["GATEWAY_PORT"]) == ("0.0.0.0", str(process.port))
    config = default[("ConfigMap", f"{PREFIX}-config")]["data"]
    assert container(default, process)["envFrom"] == [{"configMapRef": {"name": f"{PREFIX}-config"}}]
    for service in SERVICES:
        assert config[f"{service.env_prefix}_GRPC_ADDR"] == f"dns:///{PREFIX}-{service.name}:{service.port}"
        assert ("Service", f"{PREFIX}-{service.name}") in default
    assert config["METRICS_HOST"] == "0.0.0.0"
    assert config["ENVIRONMENT"] == "production"


def test_secrets_reach_only_the_processes_that_need_them(default: Manifests) -> None:
    def secret_keys(process: Process) -> set[str]:
        return {name for name, ref in env_of(default, process).items()
                if isinstance(ref, dict) and "secretKeyRef" in ref}

    for process in PROCESSES:
        for name in secret_keys(process):
            ref = env_of(default, process)[name]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == (PREFIX, name)
    by_name = {p.name: secret_keys(p) for p in PROCESSES}
    assert {"JWT_SECRET", "ADMIN_PASSWORD", "DATABASE_URL"} <= by_name["gateway"]
    assert [n for n, keys in by_name.items() if "JWT_SECRET" in keys] == ["gateway"]
    assert [n for n, keys in by_name.items() if "OPENAI_API_KEY" in keys] == ["chatbot"]
    assert [n for n, keys in by_name.items() if CHANNEL_SECRETS & keys] == ["channel-adapter"]
    assert by_name["channel-adapter"] >= CHANNEL_SECRETS
    assert "SECRETS_KEY" in by_name["automation"]
    config = default[("ConfigMap", f"{PREFIX}-config")]["data"]
    assert not set(config) & (set(REQUIRED_SECRETS) | CHANNEL_SECRETS | {"OPENAI_API_KEY"})
    secret = default[("Secret", PREFIX)]["stringData"]
    assert secret == {**REQUIRED_SECRETS, "OPENAI_API_KEY": "sk-test"}  # empty optional keys are left out


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_variable_set_for_a_process_is_a_name_it_reads(default: Manifests, process: Process) -> None:
    unknown = set(env_of(default, process)) - process.settings_env_names() - BRIEF_CONFIG_NAMES
    assert not unknown, f"{process.name} does not read {sorted(unknown)}"


def test_every_shared_config_key_is_read_by_some_process(default: Manifests) -> None:
    config = set(default[("ConfigMap", f"{PREFIX}-config")]["data"])
    read = set().union(*(p.settings_env_names() for p in PROCESSES)) | BRIEF_CONFIG_NAMES
    assert not config - read, f"nobody reads {sorted(config - read)}"


def test_a_missing_required_secret_stops_the_install_with_its_name(chart: helm_python.Chart) -> None:
    values = base_values()
    del values["secrets"]["values"]["JWT_SECRET"]
    with pytest.raises(helm_python.HelmError, match="JWT_SECRET"):
        render(chart, values)


def test_an_existing_secret_replaces_the_rendered_one(chart: helm_python.Chart) -> None:
    manifests = render(chart, {"secrets": {"create": False, "existingSecret": "sellerbot-prod"}})
    assert not [k for k in manifests if k[0] == "Secret"]
    ref = env_of(manifests, GATEWAY)["JWT_SECRET"]["secretKeyRef"]
    assert ref == {"name": "sellerbot-prod", "key": "JWT_SECRET", "optional": False}
    assert env_of(manifests, SERVICES[1])["OPENAI_API_KEY"]["secretKeyRef"]["optional"] is True


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_create_false_removes_only_that_process(chart: helm_python.Chart, process: Process) -> None:
    manifests = render(chart, base_values(**{process.helm_key: {"create": False}}))
    names = {name for _, name in manifests}
    assert f"{PREFIX}-{process.name}" not in names
    for other in PROCESSES:
        if other is not process:
            assert ("Deployment", f"{PREFIX}-{other.name}") in manifests
    if process.name == "automation":
        assert f"{PREFIX}-automation-data" not in names


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_pods_run_non_root_read_only_with_requests_and_limits(default: Manifests, process: Process) -> None:
    pod = default[("Deployment", f"{PREFIX}-{process.name}")]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    spec = container(default, process)
    assert spec["securityContext"]["readOnlyRootFilesystem"] is True
    assert spec["securityContext"]["allowPrivilegeEscalation"] is False
    assert set(spec["resources"]) == {"requests", "limits"}
    assert {m["mountPath"] for m in spec["volumeMounts"]} >= {"/tmp", "/data"}
    assert spec["image"] == f"ghcr.io/seller-bot/{process.name}:0.1.0"


def test_the_automation_worker_is_a_single_recreated_pod_with_shm_and_a_volume(default: Manifests) -> None:
    deployment = default[("Deployment", f"{PREFIX}-automation")]["spec"]
    assert deployment["replicas"] == 1 and deployment["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in deployment["template"]["spec"]["volumes"]}
    assert volumes["dshm"]["emptyDir"]["medium"] == "Memory"
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == f"{PREFIX}-automation-data"
    assert ("PersistentVolumeClaim", f"{PREFIX}-automation-data") in default


def test_autoscaling_adds_an_hpa_and_leaves_replicas_to_it(chart: helm_python.Chart) -> None:
    manifests = render(chart, base_values(chatbot={"autoscaling": {"enabled": True, "maxReplicas": 5}}))
    hpa = manifests[("HorizontalPodAutoscaler", f"{PREFIX}-chatbot")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{PREFIX}-chatbot"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 5)
    assert "replicas" not in manifests[("Deployment", f"{PREFIX}-chatbot")]["spec"]
    assert [name for kind, name in manifests if kind == "HorizontalPodAutoscaler"] == [f"{PREFIX}-chatbot"]


def test_service_monitors_scrape_every_process_under_its_compose_job_name(chart: helm_python.Chart) -> None:
    manifests = render(chart, base_values(serviceMonitor={"enabled": True}))
    monitors = {name: doc["spec"] for (kind, name), doc in manifests.items() if kind == "ServiceMonitor"}
    assert set(monitors) == {f"{PREFIX}-{p.name}" for p in PROCESSES}
    for process in PROCESSES:
        monitor = monitors[f"{PREFIX}-{process.name}"]
        assert monitor["jobLabel"] == "sellerbot.io/job"
        service = manifests[("Service", f"{PREFIX}-{process.name}")]
        assert service["metadata"]["labels"]["sellerbot.io/job"] == process.name
        (endpoint,) = monitor["endpoints"]
        assert endpoint["port"] == "metrics"  # the gateway's internal port: /metrics there needs no token
    (keep, _) = monitors[f"{PREFIX}-gateway"]["endpoints"][0]["metricRelabelings"]
    assert keep == {"sourceLabels": ["service"], "regex": "gateway", "action": "keep"}


def test_the_gateway_ingress_is_optional(chart: helm_python.Chart, default: Manifests) -> None:
    assert not [k for k in default if k[0] == "Ingress"]
    manifests = render(chart, base_values(gateway={"ingress": {"enabled": True, "host": "api.loja.com.br",
                                                               "tlsSecretName": "loja-tls"}}))
    ingress = manifests[("Ingress", f"{PREFIX}-gateway")]["spec"]
    assert ingress["rules"][0]["host"] == "api.loja.com.br"
    assert ingress["tls"] == [{"hosts": ["api.loja.com.br"], "secretName": "loja-tls"}]
    backend = ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": f"{PREFIX}-gateway", "port": {"name": "http"}}


@pytest.mark.parametrize(("override", "message"), [
    ({"chatbot": {"secretEnv": ["OPENAI_KEY"]}}, "/chatbot/secretEnv/0"),
    ({"gateway": {"create": "yes"}}, "/gateway/create"),
    ({"automation": {"replicas": 2}}, "/automation/replicas"),
    ({"notification": {"grpcPort": 70000}}, "/notification/grpcPort"),
    ({"gateway": {"bogus": 1}}, "bogus"),
    ({"chatbot": {"autoscaling": {"enabeld": True}}}, "enabeld"),
    ({"tracing": {"enabled": True, "jaegr": {}}}, "jaegr"),
    ({"images": {"repository": "r", "digests": {"chatbot": "sha256:abc"}}}, "/images/digests/chatbot"),
    ({"networkPolicy": {"enabled": True, "prometheus": {"podLabels": {"a": "b"}}, "egress": {}}}, "egress"),
], ids=["secret-key-typo", "create-not-boolean", "two-automation-workers", "port-out-of-range", "unknown-key",
        "unknown-nested-key", "unknown-tracing-key", "short-digest", "unknown-network-policy-key"])
def test_the_values_schema_refuses_mistakes_before_anything_renders(
    chart: helm_python.Chart, override: dict[str, Any], message: str,
) -> None:
    with pytest.raises(helm_python.HelmValuesError, match=message):
        render(chart, base_values(**override))


def test_the_values_schema_knows_exactly_the_secret_keys_of_values_yaml(chart: helm_python.Chart) -> None:
    schema = chart.schema
    assert schema is not None
    assert set(schema["definitions"]["secretKey"]["enum"]) == set(chart.values["secrets"]["values"])
    assert set(REQUIRED_SECRETS) | CHANNEL_SECRETS | {"OPENAI_API_KEY"} == set(chart.values["secrets"]["values"])


@pytest.mark.parametrize("process", SERVICES, ids=lambda p: p.name)
def test_grpc_services_are_headless_so_round_robin_clients_reach_every_pod(
    default: Manifests, process: Process,
) -> None:
    service = default[("Service", f"{PREFIX}-{process.name}")]["spec"]
    assert service["clusterIP"] == "None"
    assert service["selector"] == {"app.kubernetes.io/name": process.name, "app.kubernetes.io/instance": RELEASE}


def test_every_scalable_process_may_autoscale_and_the_automation_worker_may_not(chart: helm_python.Chart) -> None:
    scalable = ("gateway", "chatbot", "channelAdapter", "notification")
    manifests = render(chart, base_values(**{key: {"autoscaling": {"enabled": True}} for key in scalable}))
    hpas = {name for kind, name in manifests if kind == "HorizontalPodAutoscaler"}
    assert hpas == {f"{PREFIX}-{name}" for name in ("gateway", "chatbot", "channel-adapter", "notification")}
    with pytest.raises(helm_python.HelmValuesError, match="/automation"):
        render(chart, base_values(automation={"autoscaling": {"enabled": True}}))


def test_pod_annotations_stay_strings(chart: helm_python.Chart) -> None:
    manifests = render(chart, base_values(podAnnotations={"x": "y", "sidecar.istio.io/inject": "false"}))
    for process in PROCESSES:
        annotations = manifests[("Deployment", f"{PREFIX}-{process.name}")]["spec"]["template"]["metadata"][
            "annotations"]
        assert annotations["x"] == "y" and annotations["sidecar.istio.io/inject"] == "false"


def test_images_pinned_by_digest_win_over_the_tag(chart: helm_python.Chart) -> None:
    digest = "sha256:" + "ab" * 32
    manifests = render(chart, base_values(images={"repository": "registry.example/sb", "digests": {"chatbot": digest}}))
    assert container(manifests, SERVICES[1])["image"] == f"registry.example/sb/chatbot@{digest}"
    assert container(manifests, GATEWAY)["image"] == "registry.example/sb/gateway:0.1.0"


ZERO_DIGEST = "sha256:" + "0" * 64
RELEASED_DIGEST = "sha256:" + "ab" * 32


def production_values(text: str | None = None) -> dict[str, Any]:
    production = yaml.safe_load(text or (CHART_DIR / "values-production.yaml").read_text())
    return {**production, "secrets": {"values": REQUIRED_SECRETS}}


def test_the_production_values_example_refuses_to_render_until_its_placeholder_digests_are_replaced(
    chart: helm_python.Chart,
) -> None:
    text = (CHART_DIR / "values-production.yaml").read_text()
    production = production_values(text)
    assert set(production["images"]["digests"]) == {p.name for p in PROCESSES}
    assert set(production["images"]["digests"].values()) == {ZERO_DIGEST}
    with pytest.raises(helm_python.HelmRenderError,
                       match=r"images\.digests\.automation is the all-zero placeholder of values-production\.yaml"):
        render(chart, production)
    # The tracing images are pinned too, and their placeholders refused as well.
    for key, image in (("collectorImage", production["tracing"]["collectorImage"]),
                       ("jaeger.image", production["tracing"]["jaeger"]["image"])):
        assert image.endswith("@" + ZERO_DIGEST), key
    services_released = production_values(text)
    services_released["images"]["digests"] = dict.fromkeys(production["images"]["digests"], RELEASED_DIGEST)
    with pytest.raises(helm_python.HelmRenderError, match=r"tracing\.collectorImage .*all-zero placeholder"):
        render(chart, services_released)

    released = production_values(text.replace("0" * 64, "ab" * 32))
    manifests = render(chart, released)
    for process in PROCESSES:
        assert container(manifests, process)["image"].endswith(f"/{process.name}@{RELEASED_DIGEST}")
    assert {name for kind, name in manifests if kind == "NetworkPolicy"} == {f"{PREFIX}-{p.name}" for p in PROCESSES}
    released["tracing"]["enabled"] = True
    (collector,) = render(chart, released)[("Deployment", f"{PREFIX}-otel-collector")]["spec"]["template"][
        "spec"]["containers"]
    assert collector["image"] == f"otel/opentelemetry-collector:0.114.0@{RELEASED_DIGEST}"


def callers_of(service: Process) -> set[str]:
    """The processes that dial `service` (their settings read its <NAME>_GRPC_ADDR)."""
    return {p.name for p in PROCESSES if p != service and f"{service.env_prefix}_GRPC_ADDR" in p.settings_env_names()}


def admitted(policy: dict[str, Any], port: str, pod: dict[str, str], namespace: dict[str, str]) -> bool:
    """NetworkPolicy semantics for one ingress connection to a pod the policy selects."""
    def matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
        return selector is not None and selector.get("matchLabels", {}).items() <= labels.items()

    for rule in policy["spec"]["ingress"]:
        if port not in {p["port"] for p in rule.get("ports", [])}:
            continue
        if "from" not in rule:
            return True
        for peer in rule["from"]:
            own_namespace = namespace.get("kubernetes.io/metadata.name") == NAMESPACE
            namespace_ok = matches(peer["namespaceSelector"], namespace) if "namespaceSelector" in peer \
                else own_namespace
            if namespace_ok and matches(peer.get("podSelector", {}), pod):
                return True
    return False


def test_network_policies_admit_only_each_services_callers_and_prometheus(chart: helm_python.Chart) -> None:
    assert not [kind for kind, _ in render(chart, base_values()) if kind == "NetworkPolicy"]  # off by default
    manifests = render(chart, base_values(networkPolicy={"enabled": True, "prometheus": {
        "namespaceLabels": {"kubernetes.io/metadata.name": "monitoring"},
        "podLabels": {"app.kubernetes.io/name": "prometheus"}}}))
    ours = {"kubernetes.io/metadata.name": NAMESPACE}
    monitoring = {"kubernetes.io/metadata.name": "monitoring"}
    prometheus = {"app.kubernetes.io/name": "prometheus"}
    intruder = {"app.kubernetes.io/name": "debug-shell"}
    assert callers_of(SERVICES[1]) == {"gateway", "automation"}  # automation asks the chatbot
    for target in PROCESSES:
        policy = manifests[("NetworkPolicy", f"{PREFIX}-{target.name}")]
        kubernetes_validate.validate(policy, kubernetes_validate.latest_version(), strict=True)
        assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": target.name,
                                                                "app.kubernetes.io/instance": RELEASE}
        assert policy["spec"]["policyTypes"] == ["Ingress"]
        for source in PROCESSES:
            pod = {"app.kubernetes.io/name": source.name, "app.kubernetes.io/instance": RELEASE}
            if target.is_grpc:
                assert admitted(policy, "grpc", pod, ours) == (source.name in callers_of(target)), (source, target)
            assert admitted(policy, "metrics", pod, ours) == (source == GATEWAY and target != GATEWAY), (source, target)
        assert admitted(policy, "metrics", prometheus, monitoring), target
        assert not admitted(policy, "metrics", prometheus, {"kubernetes.io/metadata.name": "tenant-apps"}), target
        assert not admitted(policy, "metrics", intruder, ours) and not admitted(policy, "grpc", intruder, ours)
    gateway = manifests[("NetworkPolicy", f"{PREFIX}-gateway")]
    assert admitted(gateway, "http", intruder, {"kubernetes.io/metadata.name": "ingress-nginx"})  # the public API


def test_tracing_adds_a_collector_and_jaeger_and_points_every_process_at_the_collector(
    chart: helm_python.Chart,
) -> None:
    manifests = render(chart, base_values(tracing={"enabled": True}))
    config = manifests[("ConfigMap", f"{PREFIX}-config")]["data"]
    assert config["OTEL_TRACES_EXPORTER"] == "otlp"
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://{PREFIX}-otel-collector:4317"
    for name in ("otel-collector", "jaeger"):
        assert ("Deployment", f"{PREFIX}-{name}") in manifests and ("Service", f"{PREFIX}-{name}") in manifests
    collector = yaml.safe_load(manifests[("ConfigMap", f"{PREFIX}-otel-collector")]["data"]["config.yaml"])
    assert collector["exporters"]["otlp"]["endpoint"] == f"{PREFIX}-jaeger:4317"
    for manifest in manifests.values():
        if manifest["kind"] in ("Deployment", "Service", "ConfigMap"):
            kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    default = render(chart, base_values())
    assert not [name for _, name in default if "otel" in name or "jaeger" in name]
