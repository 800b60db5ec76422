"""Operational routes: liveness, readiness, dependency health, and the aggregated /metrics.

Public: `/livez`, `/readyz` and the summary of `/seller-bot/health` (up or down per kind of dependency). The
detailed health report needs a platform admin's token; `/metrics` on this port needs METRICS_TOKEN (the
internal port GATEWAY_METRICS_PORT serves it without one, see internal_metrics.py).
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from api_gateway.api.deps import State, api_rate_limit, bearer, current_user, unauthorized
from api_gateway.api.errors import error_body
from api_gateway.dependency_health import (
    DependencyHealth,
    RecentHealth,
    UpOrDown,
    check_all,
    overall_status,
    ready,
    status_by_kind,
)
from api_gateway.metrics_aggregation import aggregated_metrics

router = APIRouter(tags=["system"])
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]


class HealthReport(BaseModel):
    status: str = Field(description="ok | degraded (only Redis, which has a fallback, is down) | down")
    checks: dict[str, UpOrDown] = Field(
        description="One word per kind of dependency: database, cache, event-bus, service")
    dependencies: list[DependencyHealth] | None = Field(
        default=None, description="Latency, host and error of each dependency: only with a platform admin's token")


def recent_health(request: Request) -> RecentHealth:
    health: RecentHealth = request.app.state.recent_health
    return health


Recent = Annotated[RecentHealth, Depends(recent_health)]


@router.get("/livez", response_model=Liveness, summary="The process is alive (no dependency is checked)")
async def livez() -> Liveness:
    return Liveness()


@router.get("/readyz", response_model=Readiness, summary="Every required dependency is ready (503 until then)",
            responses={503: {"model": Readiness, "description": "a required dependency is not ready"}})
async def readyz(state: State, recent: Recent) -> JSONResponse:
    ok = ready(await recent.get(state))
    return JSONResponse({"status": "ready" if ok else "not_ready"}, status_code=200 if ok else 503)


async def _is_admin(state: State, credentials: Bearer) -> bool:
    if credentials is None:
        return False
    try:
        user = await current_user(state, credentials)
    except HTTPException:
        return False  # a public route: a bad token only means the public answer
    return user.is_admin


@router.get("/seller-bot/health", response_model=HealthReport, response_model_exclude_none=True,
            summary="Up or down per kind of dependency; latency, hosts and errors with a platform admin's token")
async def health(state: State, recent: Recent, credentials: Bearer) -> HealthReport:
    if await _is_admin(state, credentials):
        dependencies = await check_all(state)
        return HealthReport(status=overall_status(dependencies), checks=status_by_kind(dependencies),
                            dependencies=dependencies)
    dependencies = await recent.get(state)
    return HealthReport(status=overall_status(dependencies), checks=status_by_kind(dependencies))


def _require_metrics_token(state: State, credentials: Bearer) -> None:
    token = state.settings.metrics_token
    if not token:
        raise HTTPException(404, error_body(
            "not_found", "metrics are served on the internal port (GATEWAY_METRICS_PORT); set METRICS_TOKEN to "
            "serve them here"))
    if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise unauthorized("/metrics needs Authorization: Bearer <METRICS_TOKEN>")


@router.get("/metrics", summary="Prometheus metrics of the gateway and every service (Bearer METRICS_TOKEN)",
            dependencies=[Depends(api_rate_limit), Depends(_require_metrics_token)],
            response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition"}})
async def metrics(state: State) -> Response:
    body = await aggregated_metrics(state.settings.metrics_targets)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
