"""AutomationService over gRPC: every call is scoped to the caller's user id; domain errors map here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp
from sellerbot.automation.v1 import automation_pb2 as pb
from sellerbot.automation.v1 import automation_pb2_grpc
from sellerbot_grpc import FieldViolation, abort_invalid_argument, caller_user_id

from automation.adapters.schedule_store import Schedule
from automation.adapters.shop_store import ShopConnection
from automation.domain.errors import Conflict, InvalidInput, NotFound, RunError
from automation.domain.model import Profile, Task, TaskStatus, TaskType
from automation.usecases.profiles import ProfileService
from automation.usecases.schedules import ScheduleService
from automation.usecases.shop_connections import ShopConnectionService
from automation.usecases.tasks import TaskService
from automation.worker.supervisor import WorkerSupervisor, WorkerView

R = TypeVar("R")


def _ts(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _struct(data: dict[str, Any]) -> Struct:
    struct = Struct()
    struct.update(data)
    return struct


def task_message(task: Task) -> pb.Task:
    return pb.Task(
        id=task.id, task_type=pb.TaskType.Value(f"TASK_TYPE_{task.task_type.value.upper()}"),  # type: ignore[arg-type]
        profile_id=task.profile_id, config=_struct(task.config),
        status=pb.TaskStatus.Value(f"TASK_STATUS_{task.status.value.upper()}"),  # type: ignore[arg-type]
        progress_done=task.progress_done,
        progress_total=task.progress_total, result=_struct(task.result), error=task.error,
        retry_count=task.retry_count, created_at=_ts(task.created_at), started_at=_ts(task.started_at),
        finished_at=_ts(task.finished_at), duration_seconds=task.duration_seconds, artifacts=task.artifacts,
    )


def profile_message(p: Profile) -> pb.Profile:
    return pb.Profile(
        id=p.id, name=p.name, region=p.region, seller_center_url=p.seller_center_url, login=p.login_masked,
        has_proxy=p.has_proxy,
        status=pb.ProfileStatus.Value(f"PROFILE_STATUS_{p.status.value.upper()}"),  # type: ignore[arg-type]
        status_reason=p.status_reason, last_verified_at=_ts(p.last_verified_at), created_at=_ts(p.created_at),
        daily_caps=_struct(dict(p.daily_caps)), active_hours=p.active_hours, locale=p.fingerprint.locale,
        timezone=p.fingerprint.timezone,
    )


def worker_message(v: WorkerView) -> pb.WorkerStatus:
    return pb.WorkerStatus(
        worker_id=v.worker_id, running=v.running, started_at=_ts(v.started_at),
        last_heartbeat_at=_ts(v.last_heartbeat_at), active_tasks=v.active_tasks, queued_tasks=v.queued_tasks,
        profiles=v.profiles, max_parallel_profiles=v.max_parallel_profiles, state=v.state, process_id=v.process_id,
    )


def _task_type(value: int) -> str:
    return "" if value == pb.TASK_TYPE_UNSPECIFIED else pb.TaskType.Name(value).removeprefix("TASK_TYPE_").lower()


def schedule_message(s: Schedule) -> pb.Schedule:
    return pb.Schedule(
        id=s.id, task_type=pb.TaskType.Value(f"TASK_TYPE_{s.task_type.value.upper()}"),  # type: ignore[arg-type]
        profile_id=s.profile_id, config=_struct(s.config), every_minutes=s.every_minutes, paused=s.paused,
        next_run_at=_ts(s.next_run_at), last_run_at=_ts(s.last_run_at), last_task_id=s.last_task_id,
        last_outcome=s.last_outcome, created_at=_ts(s.created_at),
    )


def shop_connection_message(profile_id: str, c: ShopConnection | None) -> pb.ShopConnection:
    if c is None:
        return pb.ShopConnection(profile_id=profile_id, connected=False)
    return pb.ShopConnection(profile_id=profile_id, connected=True, shop_id=c.shop_id, shop_name=c.shop_name,
                             region=c.region, connected_at=_ts(c.connected_at),
                             access_expires_at=_ts(c.access_expires_at))


def _rpc(method: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """Resolve the caller and map domain errors to status codes, in this one place."""

    @wraps(method)
    async def handler(self: AutomationServicer, request: Any, context: grpc.aio.ServicerContext) -> R:
        user_id = await caller_user_id(context)
        try:
            return await method(self, request, user_id)
        except InvalidInput as exc:
            await abort_invalid_argument(context, str(exc), [FieldViolation(f.field, f.description)
                                                             for f in exc.fields])
        except NotFound as exc:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
        except Conflict as exc:
            await context.abort(grpc.StatusCode.ALREADY_EXISTS, str(exc))
        except RunError as exc:  # a platform the call needed (TikTok Shop's API) failed after its retries
            await context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
        raise AssertionError("unreachable")  # context.abort raises

    return handler


class AutomationServicer(automation_pb2_grpc.AutomationServiceServicer):
    def __init__(self, profiles: ProfileService, tasks: TaskService, supervisor: WorkerSupervisor,
                 schedules: ScheduleService, shops: ShopConnectionService) -> None:
        self.profiles = profiles
        self.tasks = tasks
        self.supervisor = supervisor
        self.schedules = schedules
        self.shops = shops

    @_rpc
    async def CreateTask(self, request: pb.CreateTaskRequest, user_id: str) -> pb.Task:
        task_type = "" if request.task_type == pb.TASK_TYPE_UNSPECIFIED else (
            pb.TaskType.Name(request.task_type).removeprefix("TASK_TYPE_").lower())
        config = MessageToDict(request.config) if request.HasField("config") else {}
        return task_message(await self.tasks.create(user_id, task_type, request.profile_id, config))

    @_rpc
    async def ListTasks(self, request: pb.ListTasksRequest, user_id: str) -> pb.ListTasksResponse:
        status = "" if request.status == pb.TASK_STATUS_UNSPECIFIED else (
            pb.TaskStatus.Name(request.status).removeprefix("TASK_STATUS_").lower())
        tasks = await self.tasks.list_for(user_id, status, request.profile_id, request.limit or 200)
        return pb.ListTasksResponse(tasks=[task_message(t) for t in tasks])

    @_rpc
    async def GetTask(self, request: pb.GetTaskRequest, user_id: str) -> pb.Task:
        return task_message(await self.tasks.get(user_id, request.id))

    @_rpc
    async def DeleteTask(self, request: pb.DeleteTaskRequest, user_id: str) -> pb.DeleteTaskResponse:
        result = await self.tasks.delete(user_id, request.id)
        return pb.DeleteTaskResponse(id=result.id, cancelled=result.cancelled, deleted=result.deleted)

    @_rpc
    async def GetTaskArtifact(self, request: pb.GetTaskArtifactRequest, user_id: str) -> pb.TaskArtifact:
        content, content_type = await self.tasks.artifact(user_id, request.task_id, request.name)
        return pb.TaskArtifact(name=request.name, content_type=content_type, content=content)

    @_rpc
    async def GetStats(self, request: pb.GetStatsRequest, user_id: str) -> pb.BotStats:
        s = await self.tasks.stats(user_id)
        return pb.BotStats(
            total_tasks=s.total_tasks, by_status=[pb.CountByKey(key=k, count=v) for k, v in s.by_status.items()],
            by_type=[pb.CountByKey(key=k, count=v) for k, v in s.by_type.items()], success_rate=s.success_rate,
            average_duration_seconds=s.average_duration_seconds, active_profiles=s.active_profiles,
            total_profiles=s.total_profiles, worker_running=s.worker_running,
        )

    @_rpc
    async def CreateProfile(self, request: pb.CreateProfileRequest, user_id: str) -> pb.Profile:
        raw: dict[str, object] = {
            "name": request.name, "login": request.login, "password": request.password,
            "region": request.region or "BR", "seller_center_url": request.seller_center_url, "proxy": request.proxy,
            "timezone": request.timezone, "locale": request.locale, "active_hours": request.active_hours,
            "daily_caps": MessageToDict(request.daily_caps) if request.HasField("daily_caps") else {},
        }
        return profile_message(await self.profiles.create(user_id, raw))

    @_rpc
    async def ListProfiles(self, request: pb.ListProfilesRequest, user_id: str) -> pb.ListProfilesResponse:
        return pb.ListProfilesResponse(profiles=[profile_message(p) for p in await self.profiles.list_for(user_id)])

    @_rpc
    async def DeleteProfile(self, request: pb.DeleteProfileRequest, user_id: str) -> pb.DeleteProfileResponse:
        await self.profiles.delete(user_id, request.id)
        return pb.DeleteProfileResponse(id=request.id)

    @_rpc
    async def VerifyProfile(self, request: pb.VerifyProfileRequest, user_id: str) -> pb.Profile:
        return profile_message(await self.profiles.verify(user_id, request.id, request.code.strip()))

    @_rpc
    async def StartWorker(self, request: pb.StartWorkerRequest, user_id: str) -> pb.WorkerStatus:
        return worker_message(await self.supervisor.start_worker(user_id, request.max_parallel_profiles))

    @_rpc
    async def StopWorker(self, request: pb.StopWorkerRequest, user_id: str) -> pb.WorkerStatus:
        return worker_message(await self.supervisor.stop_worker(user_id, request.reason or "stopped by user"))

    @_rpc
    async def GetWorkerStatus(self, request: pb.GetWorkerStatusRequest, user_id: str) -> pb.WorkerStatus:
        return worker_message(await self.supervisor.view(user_id))

    @_rpc
    async def CreateSchedule(self, request: pb.CreateScheduleRequest, user_id: str) -> pb.Schedule:
        config = MessageToDict(request.config) if request.HasField("config") else {}
        return schedule_message(await self.schedules.create(
            user_id, _task_type(request.task_type), request.profile_id, request.every_minutes, config,
            request.paused))

    @_rpc
    async def ListSchedules(self, request: pb.ListSchedulesRequest, user_id: str) -> pb.ListSchedulesResponse:
        found = await self.schedules.list_for(user_id, request.profile_id)
        return pb.ListSchedulesResponse(schedules=[schedule_message(s) for s in found])

    @_rpc
    async def PauseSchedule(self, request: pb.ScheduleRequest, user_id: str) -> pb.Schedule:
        return schedule_message(await self.schedules.pause(user_id, request.id))

    @_rpc
    async def ResumeSchedule(self, request: pb.ScheduleRequest, user_id: str) -> pb.Schedule:
        return schedule_message(await self.schedules.resume(user_id, request.id))

    @_rpc
    async def DeleteSchedule(self, request: pb.ScheduleRequest, user_id: str) -> pb.DeleteScheduleResponse:
        await self.schedules.delete(user_id, request.id)
        return pb.DeleteScheduleResponse(id=request.id)

    @_rpc
    async def ConnectShop(self, request: pb.ConnectShopRequest, user_id: str) -> pb.ShopConnection:
        connection = await self.shops.connect(user_id, request.profile_id, request.auth_code, request.shop_id)
        return shop_connection_message(request.profile_id, connection)

    @_rpc
    async def GetShopConnection(self, request: pb.ShopConnectionRequest, user_id: str) -> pb.ShopConnection:
        return shop_connection_message(request.profile_id, await self.shops.get(user_id, request.profile_id))

    @_rpc
    async def DisconnectShop(self, request: pb.ShopConnectionRequest, user_id: str) -> pb.ShopConnection:
        await self.shops.disconnect(user_id, request.profile_id)
        return shop_connection_message(request.profile_id, None)


__all__ = ["AutomationServicer", "TaskStatus", "TaskType"]
