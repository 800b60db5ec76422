"""CPU cost of one turn and of one listing, measured with `time.process_time()` (not wall clock), so the
numbers mean something on a shared, loaded machine.

The service runs in this process (its own PostgreSQL database, Redis, NATS namespace); the OpenAI-compatible
fake runs in another process (its CPU is not counted, nor is PostgreSQL's, Redis's or NATS's).

- turn: `InboundPipeline.handle` for one inbound event (inbox write, debounce 0) until the reply is published
  and the turn recorded, for a NEW contact (its first message opens its conversation) and for a RETURNING
  one (its conversation and context exist), on SQLite (`make run`'s default, a file under a temp DATA_DIR)
  and on PostgreSQL; with `--llm fake` half the turns take the LLM path (OpenAI SDK to the 0 ms fake), with
  `--llm offline` (`make run` without a key) every turn is answered by the offline responder;
- listing: `ListConversations` over N live contexts (SCAN + pipelined MGET, the newest 200 returned), called
  on the servicer in-process (no gRPC transport).

    .venv/bin/python services/chatbot/benchmarks/cpu.py [--turns 300] [--contexts 10000] [--llm offline|fake]
        [--databases sqlite,postgresql] [--profile new|returning|listing] [--profile-database sqlite]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
import uvloop

sys.path.insert(0, os.path.dirname(__file__))
import nats
import redis.asyncio as aioredis
from chatbot.adapters.context_store import CONTEXT_PREFIX
from chatbot.main import start
from chatbot.settings import ServiceSettings
from google.protobuf.timestamp_pb2 import Timestamp
from run import _context, _drop, _fresh_database
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_devstack.servers import find_or_start, free_port, wait_for_port
from sellerbot_grpc import freeze_startup_heap
from sellerbot_messaging import EventMeta

QUESTIONS = ["Qual o preço do produto X?", "tem o produto X no estoque?", "aceita pix?", "oi, tudo bem?",
             "qto custa o produto x", "vcs entregam em bh?"]


class _Context:
    """The bits of a grpc.aio context the servicer reads."""

    def __init__(self, user_id: str) -> None:
        self._metadata = (("x-user-id", user_id),)

    def invocation_metadata(self) -> Any:
        return self._metadata


async def measure(args: argparse.Namespace) -> dict[str, float]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    servers = find_or_start()
    fake_port = free_port()
    fake = subprocess.Popen(  # noqa: ASYNC220, S603 - our own interpreter and module
        [sys.executable, "-m", "sellerbot_fakes.openai_fake", "--port", str(fake_port)])
    wait_for_port("127.0.0.1", fake_port, 30)
    results: dict[str, float] = {}
    try:
        for database in args.databases.split(","):
            results.update(await _measure_on(database, servers, fake_port, args))
    finally:
        fake.terminate()
        fake.wait(15)
        servers.stop()
    return results


async def _measure_on(database: str, servers: Any, fake_port: int, args: argparse.Namespace) -> dict[str, float]:
    data_dir = tempfile.mkdtemp(prefix="chatbot-cpu-")
    database_url = (await _fresh_database(servers.postgres_url) if database == "postgresql"
                    else f"sqlite:///{data_dir}/chatbot.db")
    namespace = f"cpu{uuid.uuid4().hex[:8]}"
    llm: dict[str, Any] = ({"openai_base_url": f"http://127.0.0.1:{fake_port}/v1", "openai_api_key": "cpu-key",
                            "openai_model": "fake-0ms"} if args.llm == "fake" else {"openai_api_key": ""})
    settings = ServiceSettings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, redis_url=servers.redis_url, nats_url=servers.nats_url,
        nats_namespace=namespace, chatbot_grpc_addr="127.0.0.1:0", chatbot_idle_sweep_seconds=3600, **llm,
    )
    results: dict[str, float] = {}
    try:
        service = await start(settings)
        freeze_startup_heap()  # as `chatbot.main.serve` does
        try:
            results.update(await _turns(service, database, args))
            if database == "postgresql" and args.contexts:
                results.update(await _listing(service, servers.redis_url, args))
        finally:
            await service.stop()
    finally:
        if database == "postgresql":
            await _drop(servers.postgres_url, database_url, servers.nats_url, namespace)
        else:
            await _drop_streams(servers.nats_url, namespace)
            shutil.rmtree(data_dir, ignore_errors=True)
    return results


async def _drop_streams(nats_url: str, namespace: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for stream in ("CONVERSATIONS", "BOT", "DEAD_LETTERS", "SHOP", f"KV_{namespace}_chatbot_partitions"):
        with contextlib.suppress(Exception):
            await js.delete_stream(stream if stream.startswith("KV_") else f"{namespace}_{stream}")
    await nc.close()


async def _turns(service: Any, database: str, args: argparse.Namespace) -> dict[str, float]:
    from chatbot.grpc_api.servicer import ChatbotServicer  # noqa: F401 - warm imports

    bot, pipeline = service.bot, service.pipeline
    user_id = f"cpu-{uuid.uuid4().hex[:6]}"
    profiles = bot.profiles
    await profiles.update_config(user_id, {"debounce": {"window_seconds": 0, "max_wait_seconds": 0},
                                           "faq_cache": {"learn": False}})
    from decimal import Decimal

    from chatbot.domain.catalog import Product
    await bot.repository.upsert_product(user_id, Product(id="", sku="X", name="Produto X", price=Decimal("49.90"),
                                                         stock=100))
    await profiles.invalidate(user_id, forget_learned=False)

    async def one(i: int, contact: int) -> None:
        ts = Timestamp()
        ts.FromDatetime(datetime.now(UTC))
        event_id = f"whatsapp:cpu:{uuid.uuid4().hex}"
        event = ev.InboundMessage(event_id=event_id, user_id=user_id, channel=ev.CHANNEL_WHATSAPP,
                                  contact_id=f"whatsapp:5511{contact:09d}", text=QUESTIONS[i % len(QUESTIONS)],
                                  platform_timestamp=ts)
        await pipeline.handle(event, EventMeta("conversations.inbound.whatsapp", event_id, 1, i, {}))
        await pipeline.idle()

    for i in range(20):  # warm up: connections, caches, code paths
        await one(i, 900_000_000 + i)
    turns = args.turns
    results: dict[str, float] = {}
    # NEW: every turn a contact never seen; RETURNING: the same contacts again (conversation and context exist).
    for kind, offset in (("new", 0), ("returning", 0)):
        profiler = (cProfile.Profile(time.process_time)
                    if args.profile == kind and args.profile_database == database else None)
        started = time.process_time()
        if profiler:
            profiler.enable()
        for i in range(turns):
            await one(i, offset + i)
        if profiler:
            profiler.disable()
        results[f"{database}_{kind}_contact_turn_cpu_ms"] = (time.process_time() - started) / turns * 1000
        if profiler:
            path = os.path.join(tempfile.gettempdir(), f"chatbot-turn-{database}-{kind}.prof")
            profiler.dump_stats(path)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    results["turns"] = turns
    return results


async def _listing(service: Any, redis_url: str, args: argparse.Namespace) -> dict[str, float]:
    from chatbot.grpc_api.servicer import ChatbotServicer
    from chatbot.reports import Reports

    user_id = f"lister-{uuid.uuid4().hex[:6]}"
    raw = aioredis.Redis.from_url(redis_url)
    async with raw.pipeline(transaction=False) as pipe:
        for i in range(args.contexts):
            pipe.set(f"{CONTEXT_PREFIX}{user_id}:whatsapp:55119{i:08d}", json.dumps(_context(i)), ex=300)
        await pipe.execute()
    servicer = ChatbotServicer(service.bot, Reports(service.bot.repository))
    request = pb.ListConversationsRequest(limit=200)
    context = _Context(user_id)
    for _ in range(2):
        response = await servicer.ListConversations(request, context)
        assert len(response.conversations) == 200
    runs = 10
    profiler = cProfile.Profile(time.process_time) if args.profile == "listing" else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(runs):
        await servicer.ListConversations(request, context)
    if profiler:
        profiler.disable()
    cpu = time.process_time() - started
    if profiler:
        profiler.dump_stats(os.path.join(tempfile.gettempdir(), "chatbot-listing.prof"))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    keys = [k async for k in raw.scan_iter(match=f"{CONTEXT_PREFIX}{user_id}:*", count=10_000)]
    for start_at in range(0, len(keys), 5000):
        await raw.delete(*keys[start_at:start_at + 5000])
    await raw.aclose()
    return {"listing_cpu_ms": cpu / runs * 1000, "contexts": args.contexts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--contexts", type=int, default=10_000)
    parser.add_argument("--profile", choices=["new", "returning", "listing", ""], default="")
    parser.add_argument("--profile-database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--llm", choices=["offline", "fake"], default="offline",
                        help="offline: make run without a key; fake: the OpenAI SDK to the 0 ms fake")
    args = parser.parse_args()
    results = uvloop.run(measure(args))  # the service's event loop (`chatbot.main.run`)
    print(json.dumps(results, indent=1), flush=True)


if __name__ == "__main__":
    main()
