"""/metrics merges the gateway's own metrics with every service's, labelled by service."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.parser import text_string_to_metric_families

from .conftest import METRICS_AUTH


@pytest.fixture
def fake_service_metrics() -> Iterator[str]:
    registry = CollectorRegistry()
    counter = Counter("bot_task_created_total", "Tasks created", ["task_type"], registry=registry)
    counter.labels("reply_comments").inc(3)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield f"http://127.0.0.1:{port}/metrics"
    server.shutdown()
    thread.join()


async def test_gateway_metrics_include_the_services_metrics(
    gateway_factory: Callable[..., Any], fake_service_metrics: str
) -> None:
    client: httpx.AsyncClient = await gateway_factory(
        service_metrics_urls=f"automation={fake_service_metrics},chatbot=http://127.0.0.1:9/metrics")
    await client.get("/bot/tasks")
    response = await client.get("/metrics", headers=METRICS_AUTH)
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    created = families["bot_task_created"].samples
    assert any(s.labels == {"task_type": "reply_comments", "service": "automation"} and s.value == 3
               for s in created)
    scrape_failures = families["gateway_metrics_scrape_failed"].samples
    assert any(s.labels.get("target") == "chatbot" for s in scrape_failures)


async def test_gateway_counts_http_requests_by_route_template_and_status(gateway: httpx.AsyncClient) -> None:
    await gateway.get("/bot/tasks/abc")
    exposition = (await gateway.get("/metrics", headers=METRICS_AUTH)).text
    families = {f.name: f for f in text_string_to_metric_families(exposition)}
    requests = families["http_requests"].samples
    assert any(s.labels.get("handler") == "/bot/tasks/{task_id}" and s.labels.get("status") == "4xx"
               and s.labels.get("service") == "gateway" for s in requests)
    assert "http_request_duration_seconds" in families


async def test_gateway_metrics_keep_each_replica_of_a_service_apart(
    gateway_factory: Callable[..., Any], fake_service_metrics: str
) -> None:
    client: httpx.AsyncClient = await gateway_factory(
        service_metrics_urls=f"automation/1={fake_service_metrics},automation/2={fake_service_metrics}")
    exposition = (await client.get("/metrics", headers=METRICS_AUTH)).text
    families = {f.name: f for f in text_string_to_metric_families(exposition)}
    created = families["bot_task_created"].samples
    replicas = {s.labels.get("replica") for s in created if s.labels.get("service") == "automation"}
    assert replicas == {"1", "2"}
