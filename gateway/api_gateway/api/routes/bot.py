"""/bot/*: TikTok Seller Center automation, translated to AutomationService (gRPC)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import grpc
from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sellerbot.automation.v1 import automation_pb2 as pb

from api_gateway.api.bounds import (
    ACTIVE_HOURS_PATTERN,
    URL_PATTERN,
    CappedTaskType,
    Count,
    DailyCap,
    Flag,
    TimeZone,
)
from api_gateway.api.deps import (
    CanControlBot,
    CanEditProfiles,
    CanEditTasks,
    CanReadStats,
    CanReadTasks,
    State,
    api_rate_limit,
    bot_control_rate_limit,
    call_service,
)
from api_gateway.api.errors import ServiceCallFailed, error_body
from api_gateway.api.proto_json import dict_from, enum_label, enum_name, struct_from, time_from

router = APIRouter(prefix="/bot", tags=["bot (automation)"], dependencies=[Depends(api_rate_limit)])
SERVICE = "automation"


class TaskType(StrEnum):
    REPLY_COMMENTS = "reply_comments"
    REPLY_REVIEWS = "reply_reviews"
    REPLY_MESSAGES = "reply_messages"
    INVITE_CREATORS = "invite_creators"
    SYNC_CATALOG = "sync_catalog"
    SYNC_ORDERS = "sync_orders"


class TaskState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLED = "cancelled"


class TaskCreate(BaseModel):
    task_type: TaskType
    profile_id: str = Field(..., min_length=1, max_length=64)
    config: dict[str, Any] = Field(default_factory=dict, description="Per task type; validated by the service")


class TaskOut(BaseModel):
    id: str
    task_type: str
    profile_id: str
    config: dict[str, Any]
    status: str
    progress_done: int
    progress_total: int
    result: dict[str, Any]
    error: str
    retry_count: int
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float
    artifacts: list[str]

    @classmethod
    def of(cls, task: pb.Task) -> TaskOut:
        return cls(
            id=task.id, task_type=enum_label(pb.TaskType.Name(task.task_type), "TASK_TYPE_"),
            profile_id=task.profile_id, config=dict_from(task.config),
            status=enum_label(pb.TaskStatus.Name(task.status), "TASK_STATUS_"),
            progress_done=task.progress_done, progress_total=task.progress_total,
            result=dict_from(task.result), error=task.error, retry_count=task.retry_count,
            created_at=time_from(task.created_at), started_at=time_from(task.started_at),
            finished_at=time_from(task.finished_at), duration_seconds=task.duration_seconds,
            artifacts=list(task.artifacts),
        )


class ProfileCreate(BaseModel):
    name: str = Field(..., min_length=1, max_length=120)
    login: str = Field(..., min_length=3, max_length=320, description="Seller Center e-mail or phone")
    password: str = Field(..., min_length=1, max_length=256)
    region: str = Field(default="BR", min_length=2, max_length=8)
    seller_center_url: str = Field(default="", max_length=500, pattern=URL_PATTERN,
                                   description="Empty = SELLER_CENTER_URL")
    proxy: str = Field(default="", max_length=500, pattern=URL_PATTERN)
    timezone: TimeZone = "America/Sao_Paulo"
    locale: str = Field(default="pt-BR", pattern=r"^(pt-BR|en)$", description="Seller Center UI language")
    active_hours: str = Field(default="", pattern=ACTIVE_HOURS_PATTERN, description="HH:MM-HH:MM, local time")
    daily_caps: dict[CappedTaskType, DailyCap] = Field(default_factory=dict,
                                                      description="Most actions per day, per task type")


class ProfileOut(BaseModel):
    id: str
    name: str
    region: str
    seller_center_url: str
    login: str
    has_proxy: bool
    status: str
    status_reason: str
    last_verified_at: datetime | None
    created_at: datetime | None
    daily_caps: dict[str, Any]
    active_hours: str
    locale: str
    timezone: str

    @classmethod
    def of(cls, p: pb.Profile) -> ProfileOut:
        return cls(
            id=p.id, name=p.name, region=p.region, seller_center_url=p.seller_center_url, login=p.login,
            has_proxy=p.has_proxy, status=enum_label(pb.ProfileStatus.Name(p.status), "PROFILE_STATUS_"),
            status_reason=p.status_reason, last_verified_at=time_from(p.last_verified_at),
            created_at=time_from(p.created_at), daily_caps=dict_from(p.daily_caps), active_hours=p.active_hours,
            locale=p.locale, timezone=p.timezone,
        )


class VerifyRequest(BaseModel):
    code: str = Field(default="", pattern=r"^$|^\d{4,8}$", description="2FA code when the status is needs_2fa")


class WorkerStatusOut(BaseModel):
    worker_id: str
    running: bool
    started_at: datetime | None
    last_heartbeat_at: datetime | None
    active_tasks: int
    queued_tasks: int
    profiles: list[str]
    max_parallel_profiles: int
    state: str
    process_id: str

    @classmethod
    def of(cls, s: pb.WorkerStatus) -> WorkerStatusOut:
        return cls(
            worker_id=s.worker_id, running=s.running, started_at=time_from(s.started_at),
            last_heartbeat_at=time_from(s.last_heartbeat_at), active_tasks=s.active_tasks,
            queued_tasks=s.queued_tasks, profiles=list(s.profiles), max_parallel_profiles=s.max_parallel_profiles,
            state=s.state or ("running" if s.running else "stopped"), process_id=s.process_id,
        )


class StartRequest(BaseModel):
    max_parallel_profiles: Count = Field(default=0, ge=0, le=32, description="0 = service default")


class StopRequest(BaseModel):
    reason: str = Field(default="stopped by user", max_length=200)


class BotStatsOut(BaseModel):
    total_tasks: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    success_rate: float
    average_duration_seconds: float
    active_profiles: int
    total_profiles: int
    worker_running: bool


@router.post("/tasks", response_model=TaskOut, status_code=201, summary="Create an automation task")
async def create_task(body: TaskCreate, state: State, user: CanEditTasks) -> TaskOut:
    request = pb.CreateTaskRequest(
        task_type=enum_name(body.task_type.value, "TASK_TYPE_"),
        profile_id=body.profile_id, config=struct_from(body.config),
    )
    return TaskOut.of(await call_service(state, SERVICE, state.services.automation.CreateTask, request, user))


@router.get("/tasks", response_model=list[TaskOut], summary="List the user's tasks")
async def list_tasks(state: State, user: CanReadTasks, profile_id: str = "", limit: int = 200,
                     status: TaskState | None = None) -> list[TaskOut]:
    request = pb.ListTasksRequest(
        profile_id=profile_id, limit=max(1, min(limit, 1000)),
        status=enum_name(status.value, "TASK_STATUS_") if status else "TASK_STATUS_UNSPECIFIED",
    )
    response = await call_service(state, SERVICE, state.services.automation.ListTasks, request, user)
    return [TaskOut.of(t) for t in response.tasks]


@router.get("/tasks/{task_id}", response_model=TaskOut, summary="One task")
async def get_task(task_id: str, state: State, user: CanReadTasks) -> TaskOut:
    request = pb.GetTaskRequest(id=task_id)
    return TaskOut.of(await call_service(state, SERVICE, state.services.automation.GetTask, request, user))


@router.delete("/tasks/{task_id}", summary="Delete a task (a running task is cancelled first)")
async def delete_task(task_id: str, state: State, user: CanEditTasks) -> dict[str, Any]:
    request = pb.DeleteTaskRequest(id=task_id)
    response = await call_service(state, SERVICE, state.services.automation.DeleteTask, request, user)
    return {"id": response.id, "cancelled": response.cancelled, "deleted": response.deleted}


@router.get("/tasks/{task_id}/artifacts/{name}", summary="Download a failed task's screenshot or trace")
async def get_task_artifact(task_id: str, name: str, state: State, user: CanReadTasks) -> Response:
    request = pb.GetTaskArtifactRequest(task_id=task_id, name=name)
    artifact = await call_service(state, SERVICE, state.services.automation.GetTaskArtifact, request, user)
    return Response(
        artifact.content, media_type=artifact.content_type or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{artifact.name}"'},
    )


@router.get("/stats", response_model=BotStatsOut, summary="Task and profile statistics")
async def stats(state: State, user: CanReadStats) -> BotStatsOut:
    s = await call_service(state, SERVICE, state.services.automation.GetStats, pb.GetStatsRequest(), user)
    return BotStatsOut(
        total_tasks=s.total_tasks, by_status={c.key: c.count for c in s.by_status},
        by_type={c.key: c.count for c in s.by_type}, success_rate=s.success_rate,
        average_duration_seconds=s.average_duration_seconds, active_profiles=s.active_profiles,
        total_profiles=s.total_profiles, worker_running=s.worker_running,
    )


@router.post("/profiles", response_model=ProfileOut, status_code=201, summary="Create a Seller Center profile")
async def create_profile(body: ProfileCreate, state: State, user: CanEditProfiles) -> ProfileOut:
    request = pb.CreateProfileRequest(
        name=body.name, region=body.region, seller_center_url=body.seller_center_url, login=body.login,
        password=body.password, proxy=body.proxy, timezone=body.timezone, active_hours=body.active_hours,
        locale=body.locale,
        daily_caps=struct_from({str(task): cap for task, cap in body.daily_caps.items()}),
    )
    return ProfileOut.of(await call_service(state, SERVICE, state.services.automation.CreateProfile, request, user))


@router.get("/profiles", response_model=list[ProfileOut], summary="List the user's profiles")
async def list_profiles(state: State, user: CanReadTasks) -> list[ProfileOut]:
    response = await call_service(
        state, SERVICE, state.services.automation.ListProfiles, pb.ListProfilesRequest(), user)
    return [ProfileOut.of(p) for p in response.profiles]


@router.delete("/profiles/{profile_id}", summary="Delete a profile")
async def delete_profile(profile_id: str, state: State, user: CanEditProfiles) -> dict[str, str]:
    request = pb.DeleteProfileRequest(id=profile_id)
    response = await call_service(state, SERVICE, state.services.automation.DeleteProfile, request, user)
    return {"id": response.id}


@router.post("/profiles/{profile_id}/verify", response_model=ProfileOut, summary="Verify the login (2FA code)")
async def verify_profile(
    profile_id: str, state: State, user: CanEditProfiles, body: VerifyRequest | None = None
) -> ProfileOut:
    request = pb.VerifyProfileRequest(id=profile_id, code=body.code if body else "")
    return ProfileOut.of(await call_service(state, SERVICE, state.services.automation.VerifyProfile, request, user))


@router.post("/start", response_model=WorkerStatusOut, summary="Start the worker (409 when already running)",
             dependencies=[Depends(bot_control_rate_limit)],
             responses={409: {"description": "Already running; the body carries the current `worker` status"}})
async def start(state: State, user: CanControlBot, body: StartRequest | None = None) -> Any:
    request = pb.StartWorkerRequest(max_parallel_profiles=body.max_parallel_profiles if body else 0)
    try:
        status = await call_service(state, SERVICE, state.services.automation.StartWorker, request, user)
    except ServiceCallFailed as exc:
        if exc.error.code() is not grpc.StatusCode.ALREADY_EXISTS:
            raise
        current = await call_service(state, SERVICE, state.services.automation.GetWorkerStatus,
                                     pb.GetWorkerStatusRequest(), user)
        return JSONResponse(error_body("conflict", exc.error.details() or "worker already running",
                                       service=SERVICE, worker=WorkerStatusOut.of(current).model_dump(mode="json")),
                            status_code=409)
    return WorkerStatusOut.of(status)


@router.post("/stop", response_model=WorkerStatusOut, summary="Stop the worker",
             dependencies=[Depends(bot_control_rate_limit)])
async def stop(state: State, user: CanControlBot, body: StopRequest | None = None) -> WorkerStatusOut:
    request = pb.StopWorkerRequest(reason=body.reason if body else "stopped by user")
    status = await call_service(state, SERVICE, state.services.automation.StopWorker, request, user)
    return WorkerStatusOut.of(status)


@router.get("/worker-status", response_model=WorkerStatusOut, summary="Worker status")
async def worker_status(state: State, user: CanReadTasks) -> WorkerStatusOut:
    status = await call_service(
        state, SERVICE, state.services.automation.GetWorkerStatus, pb.GetWorkerStatusRequest(), user)
    return WorkerStatusOut.of(status)


# ----- recurring schedules and the TikTok Shop API authorisation (shop sync) ----------------------------------
class ScheduleCreate(BaseModel):
    task_type: TaskType
    profile_id: str = Field(..., min_length=1, max_length=64)
    every_minutes: Count = Field(..., ge=1, le=10080,
                                 description="Interval; runs only within the profile's active hours")
    config: dict[str, Any] = Field(default_factory=dict, description="The task's config, validated by the service")
    paused: Flag = False


class ScheduleOut(BaseModel):
    id: str
    task_type: str
    profile_id: str
    config: dict[str, Any]
    every_minutes: int
    paused: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_task_id: str
    last_outcome: str = Field(description="enqueued | outside_active_hours | previous_run_pending | refused | "
                                          "profile_missing")
    created_at: datetime | None

    @classmethod
    def of(cls, s: pb.Schedule) -> ScheduleOut:
        return cls(
            id=s.id, task_type=enum_label(pb.TaskType.Name(s.task_type), "TASK_TYPE_"), profile_id=s.profile_id,
            config=dict_from(s.config), every_minutes=s.every_minutes, paused=s.paused,
            next_run_at=time_from(s.next_run_at), last_run_at=time_from(s.last_run_at),
            last_task_id=s.last_task_id, last_outcome=s.last_outcome, created_at=time_from(s.created_at),
        )


class ShopAuthorizationIn(BaseModel):
    auth_code: str = Field(..., min_length=1, max_length=512, description="From TikTok Shop's authorisation redirect")
    shop_id: str = Field(default="", max_length=64, description="Which authorised shop (default: the first)")


class ShopAuthorizationOut(BaseModel):
    profile_id: str
    connected: bool
    shop_id: str
    shop_name: str
    region: str
    connected_at: datetime | None
    access_expires_at: datetime | None

    @classmethod
    def of(cls, c: pb.ShopConnection) -> ShopAuthorizationOut:
        return cls(profile_id=c.profile_id, connected=c.connected, shop_id=c.shop_id, shop_name=c.shop_name,
                   region=c.region, connected_at=time_from(c.connected_at),
                   access_expires_at=time_from(c.access_expires_at))


@router.post("/schedules", response_model=ScheduleOut, status_code=201, summary="Create a recurring task")
async def create_schedule(body: ScheduleCreate, state: State, user: CanEditTasks) -> ScheduleOut:
    request = pb.CreateScheduleRequest(
        task_type=enum_name(body.task_type.value, "TASK_TYPE_"), profile_id=body.profile_id,
        config=struct_from(body.config), every_minutes=body.every_minutes, paused=body.paused,
    )
    return ScheduleOut.of(await call_service(state, SERVICE, state.services.automation.CreateSchedule, request, user))


@router.get("/schedules", response_model=list[ScheduleOut], summary="List recurring tasks (last and next run)")
async def list_schedules(state: State, user: CanReadTasks, profile_id: str = "") -> list[ScheduleOut]:
    request = pb.ListSchedulesRequest(profile_id=profile_id)
    response = await call_service(state, SERVICE, state.services.automation.ListSchedules, request, user)
    return [ScheduleOut.of(s) for s in response.schedules]


@router.post("/schedules/{schedule_id}/pause", response_model=ScheduleOut, summary="Pause a recurring task")
async def pause_schedule(schedule_id: str, state: State, user: CanEditTasks) -> ScheduleOut:
    request = pb.ScheduleRequest(id=schedule_id)
    return ScheduleOut.of(await call_service(state, SERVICE, state.services.automation.PauseSchedule, request, user))


@router.post("/schedules/{schedule_id}/resume", response_model=ScheduleOut,
             summary="Resume a recurring task (next run one interval from now)")
async def resume_schedule(schedule_id: str, state: State, user: CanEditTasks) -> ScheduleOut:
    request = pb.ScheduleRequest(id=schedule_id)
    return ScheduleOut.of(await call_service(state, SERVICE, state.services.automation.ResumeSchedule, request, user))


@router.delete("/schedules/{schedule_id}", summary="Delete a recurring task")
async def delete_schedule(schedule_id: str, state: State, user: CanEditTasks) -> dict[str, str]:
    request = pb.ScheduleRequest(id=schedule_id)
    response = await call_service(state, SERVICE, state.services.automation.DeleteSchedule, request, user)
    return {"id": response.id}


@router.post("/profiles/{profile_id}/shop-authorization", response_model=ShopAuthorizationOut,
             summary="Authorise the TikTok Shop Open API for a profile (shop sync uses it instead of the browser)")
async def connect_shop(profile_id: str, body: ShopAuthorizationIn, state: State,
                       user: CanEditProfiles) -> ShopAuthorizationOut:
    request = pb.ConnectShopRequest(profile_id=profile_id, auth_code=body.auth_code, shop_id=body.shop_id)
    return ShopAuthorizationOut.of(
        await call_service(state, SERVICE, state.services.automation.ConnectShop, request, user))


@router.get("/profiles/{profile_id}/shop-authorization", response_model=ShopAuthorizationOut,
            summary="The profile's TikTok Shop Open API authorisation")
async def get_shop_authorization(profile_id: str, state: State, user: CanReadTasks) -> ShopAuthorizationOut:
    request = pb.ShopConnectionRequest(profile_id=profile_id)
    return ShopAuthorizationOut.of(
        await call_service(state, SERVICE, state.services.automation.GetShopConnection, request, user))


@router.delete("/profiles/{profile_id}/shop-authorization", response_model=ShopAuthorizationOut,
               summary="Forget the profile's TikTok Shop API tokens (the sync falls back to the browser)")
async def disconnect_shop(profile_id: str, state: State, user: CanEditProfiles) -> ShopAuthorizationOut:
    request = pb.ShopConnectionRequest(profile_id=profile_id)
    return ShopAuthorizationOut.of(
        await call_service(state, SERVICE, state.services.automation.DisconnectShop, request, user))
