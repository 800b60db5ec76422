"""The gateway's /metrics: its own registry merged with every service's, each sample labelled `service`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpx
from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

SCRAPE_FAILED = Counter("gateway_metrics_scrape_failed_total", "Service metrics scrapes that failed", ["target"])


class _Families:
    """A collector that yields already-built metric families."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def _target_labels(target: str) -> dict[str, str]:
    """`chatbot` -> service=chatbot; `chatbot/2` (replica 2, as `make run --replicas` names it) adds replica=2."""
    service, _, replica = target.partition("/")
    return {"service": service, "replica": replica} if replica else {"service": service}


def _merge(sources: dict[str, str], own: str) -> list[Metric]:
    merged: dict[str, Metric] = {}
    for source, exposition in {"gateway": own, **sources}.items():
        target_labels = _target_labels(source)
        for family in text_string_to_metric_families(exposition):
            target = merged.get(family.name)
            if target is None:
                target = Metric(family.name, family.documentation, family.type, family.unit)
                merged[family.name] = target
            for sample in family.samples:
                labels = {**target_labels, **sample.labels}
                target.add_sample(sample.name, labels, sample.value, sample.timestamp, sample.exemplar)
    return list(merged.values())


async def _scrape(client: httpx.AsyncClient, service: str, url: str) -> tuple[str, str | None]:
    try:
        response = await client.get(url)
        response.raise_for_status()
        return service, response.text
    except httpx.HTTPError:
        SCRAPE_FAILED.labels(service).inc()
        return service, None


async def aggregated_metrics(targets: dict[str, str]) -> bytes:
    async with httpx.AsyncClient(timeout=1.5) as client:
        results = await asyncio.gather(*(_scrape(client, name, url) for name, url in targets.items()))
    own = generate_latest(REGISTRY).decode()
    sources = {name: text for name, text in results if text is not None}
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(_merge(sources, own)))  # type: ignore[arg-type]
    return generate_latest(registry)
