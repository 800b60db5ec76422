"""Two automation replicas on one database and NATS, as `make run --replicas automation=2` runs them: the
gateway's calls land on either, and a worker started on one is stopped through the other."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from automation.main import AutomationApp
from sellerbot.automation.v1 import automation_pb2 as pb
from sellerbot.automation.v1 import automation_pb2_grpc
from sellerbot_grpc import open_channel, user_metadata


@pytest.fixture
async def second_replica(automation: AutomationApp) -> AsyncIterator[AutomationApp]:
    """Another process of the same service: same database, Redis, NATS namespace and data directory."""
    settings = automation.components.settings.model_copy(update={"automation_grpc_addr": "127.0.0.1:0"})
    replica = await AutomationApp.start(settings)
    yield replica
    await replica.stop()


@pytest.fixture
async def channels() -> AsyncIterator[list[grpc.aio.Channel]]:
    opened: list[grpc.aio.Channel] = []
    yield opened
    for channel in opened:
        await channel.close()


async def test_a_worker_started_on_one_replica_stops_when_the_stop_reaches_the_other(
    automation: AutomationApp, second_replica: AutomationApp, channels: list[grpc.aio.Channel],
) -> None:
    def stub(app: AutomationApp) -> automation_pb2_grpc.AutomationServiceStub:
        channels.append(open_channel(f"127.0.0.1:{app.port}"))
        return automation_pb2_grpc.AutomationServiceStub(channels[-1])

    seller = str(uuid.uuid4())
    metadata = user_metadata(seller)
    started = await stub(automation).StartWorker(pb.StartWorkerRequest(), metadata=metadata, timeout=20)
    assert started.running and seller in automation.supervisor.workers

    # The other replica sees it running (heartbeat in the database) and refuses a second one.
    seen = await stub(second_replica).GetWorkerStatus(pb.GetWorkerStatusRequest(), metadata=metadata, timeout=20)
    assert seen.running and seen.worker_id == started.worker_id
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub(second_replica).StartWorker(pb.StartWorkerRequest(), metadata=metadata, timeout=20)
    assert refused.value.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ALREADY_EXISTS)

    await stub(second_replica).StopWorker(pb.StopWorkerRequest(reason="stop from replica two"), metadata=metadata,
                                          timeout=20)
    poll_seconds = automation.components.settings.worker_poll_seconds
    deadline = time.monotonic() + 3 * poll_seconds + 5
    while seller in automation.supervisor.workers:
        assert time.monotonic() < deadline, "the worker kept running on the first replica"
        await asyncio.sleep(0.05)
    row = await automation.components.workers.get(seller)
    assert row is not None and row.state == "stopped" and row.stopped_reason == "stop from replica two"
    status = await stub(second_replica).GetWorkerStatus(pb.GetWorkerStatusRequest(), metadata=metadata, timeout=20)
    assert not status.running
