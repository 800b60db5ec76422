"""Unauthenticated operational routes: /seller-bot/health and the aggregated /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from api_gateway.api.deps import State
from api_gateway.dependency_health import DependencyHealth, check_all
from api_gateway.metrics_aggregation import aggregated_metrics

router = APIRouter(tags=["system"])


class HealthReport(BaseModel):
    status: str  # ok | degraded
    dependencies: list[DependencyHealth]


@router.get("/seller-bot/health", response_model=HealthReport, summary="Status and latency of every dependency")
async def health(state: State) -> HealthReport:
    dependencies = await check_all(state)
    overall = "ok" if all(d.status == "ok" for d in dependencies) else "degraded"
    return HealthReport(status=overall, dependencies=dependencies)


@router.get("/metrics", summary="Prometheus metrics of the gateway and every service", include_in_schema=True)
async def metrics(state: State) -> Response:
    body = await aggregated_metrics(state.settings.metrics_targets)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
