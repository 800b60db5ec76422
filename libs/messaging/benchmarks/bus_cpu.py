"""CPU per event of the EventBus itself: publish, and consume with the real consumer path, on a private nats-server.

Phases (each on its own fresh namespace, handler does nothing):
  publish   N events from 16 concurrent publishers (as the services publish: each awaits its PubAck)
  backlog   the N stored events consumed by the chatbot's 16 partition consumers (batch 16, concurrency 4)
  trickle   a producer subprocess publishes at --rate events/s for --seconds into the 16 partitions while this
            process consumes them (the `make run` shape: events arrive one by one, never a backlog)
For each: this process's CPU (time.process_time), the nats-server's CPU (/proc/<pid>/stat), both per event, and
the protocol messages this client sent and received per event (nats-py's client stats). Trickle also reports
publish -> handler latency. --single-consumer adds trickle1: the same trickle taken by one durable on every
partition, to see what the 16 durables cost the server.

Usage: .venv/bin/python libs/messaging/benchmarks/bus_cpu.py [--events 4000] [--rate 150] [--seconds 10]
       [--single-consumer]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_devstack.servers import start_nats
from sellerbot_messaging import INBOUND_PARTITIONS, EventBus, EventMeta, MessagingSettings, Subjects
from sellerbot_messaging.streams import CONVERSATIONS
from sellerbot_telemetry import configure_tracing

TICKS = os.sysconf("SC_CLK_TCK")
SELLER = "bench-seller"
PUBLISHERS = 16
PARTITION_BATCH, PARTITION_CONCURRENCY = 16, 4  # the chatbot's inbound consumers


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def unsampled_trace() -> otel_context.Context:
    """The context a service publishes in: a valid trace the gateway started and did not sample."""
    span = SpanContext(random.getrandbits(128), random.getrandbits(64), is_remote=True,
                       trace_flags=TraceFlags(TraceFlags.DEFAULT))
    return trace.set_span_in_context(NonRecordingSpan(span))


def inbound(n: int) -> tuple[str, events.InboundMessage]:
    contact = f"whatsapp:55119{n:08d}"
    event = events.InboundMessage(
        event_id=f"whatsapp:bench:{n}", user_id=SELLER, channel=events.CHANNEL_WHATSAPP, account_id="bench",
        contact_id=contact, contact_name="Cliente", text=f"{time.time()!r}", platform_message_id=f"wamid.{n}")
    return Subjects.inbound("whatsapp", SELLER, contact), event


async def connect(url: str, namespace: str, name: str) -> EventBus:
    bus = await EventBus.connect(MessagingSettings(nats_url=url, nats_namespace=namespace), name)
    await bus.ensure_streams((CONVERSATIONS,))
    return bus


@dataclass
class Figures:
    phase: str
    events: int
    python_ms: float
    nats_ms: float
    out_msgs: float
    in_msgs: float
    extra: str = ""

    def line(self) -> str:
        return (f"{self.phase:8} {self.events:6d} events  python {self.python_ms:6.3f} ms/event  "
                f"nats-server {self.nats_ms:6.3f} ms/event  client msgs out {self.out_msgs:5.2f} "
                f"in {self.in_msgs:5.2f} per event  {self.extra}")


class Meter:
    """CPU of this process and of the nats-server, and this client's protocol messages, over one phase."""

    def __init__(self, bus: EventBus, nats_pid: int) -> None:
        self._bus, self._nats_pid = bus, nats_pid

    def __enter__(self) -> Meter:
        stats = self._bus._nc.stats
        self._start = (time.process_time(), cpu_seconds(self._nats_pid), stats["out_msgs"], stats["in_msgs"])
        return self

    def __exit__(self, *_: object) -> None:
        stats = self._bus._nc.stats
        self.end = (time.process_time(), cpu_seconds(self._nats_pid), stats["out_msgs"], stats["in_msgs"])

    def figures(self, phase: str, count: int, extra: str = "") -> Figures:
        d = [b - a for a, b in zip(self._start, self.end, strict=True)]
        return Figures(phase, count, d[0] * 1000 / count, d[1] * 1000 / count, d[2] / count, d[3] / count, extra)


async def publish_phase(bus: EventBus, nats_pid: int, count: int) -> Figures:
    numbers = iter(range(count))

    async def publisher() -> None:
        for n in numbers:
            subject, event = inbound(n)
            token = otel_context.attach(unsampled_trace())
            try:
                await bus.publish(subject, event, event.event_id, SELLER)
            finally:
                otel_context.detach(token)

    with Meter(bus, nats_pid) as meter:
        await asyncio.gather(*(publisher() for _ in range(PUBLISHERS)))
    return meter.figures("publish", count)


def partition_consumers(bus: EventBus, on_event: asyncio.Event, counter: list[int], expected: int,
                        latencies: list[float] | None = None, single: bool = False) -> None:
    async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
        counter[0] += 1
        if latencies is not None:
            latencies.append(time.time() - float(event.text))
        if counter[0] >= expected:
            on_event.set()

    if single:  # one durable on every partition: what the 16 durables cost the server beside it
        bus.consume(Subjects.INBOUND_ALL, "bench-inbound-all", events.InboundMessage, handle, stream=CONVERSATIONS,
                    batch=PARTITION_BATCH, concurrency=PARTITION_CONCURRENCY)
        return
    for partition in range(INBOUND_PARTITIONS):
        bus.consume(Subjects.inbound_partition(partition), f"bench-inbound-{partition:02d}", events.InboundMessage,
                    handle, stream=CONVERSATIONS, batch=PARTITION_BATCH, concurrency=PARTITION_CONCURRENCY)


async def backlog_phase(bus: EventBus, nats_pid: int, count: int) -> Figures:
    done, counter = asyncio.Event(), [0]
    with Meter(bus, nats_pid) as meter:
        partition_consumers(bus, done, counter, count)
        await asyncio.wait_for(done.wait(), 120)
        await asyncio.sleep(0.5)  # the last acks leave
    return meter.figures("backlog", counter[0])


async def trickle_phase(url: str, namespace: str, nats_pid: int, rate: float, seconds: float,
                        single: bool = False) -> Figures:
    bus = await connect(url, namespace, "bench-consumer")
    expected = int(rate * seconds)
    done, counter, latencies = asyncio.Event(), [0], list[float]()
    partition_consumers(bus, done, counter, expected, latencies, single)
    await asyncio.sleep(1.5)  # consumers created and pulling before the meter starts
    producer = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--produce", url, namespace, str(rate), str(seconds), stdout=subprocess.PIPE)
    with Meter(bus, nats_pid) as meter:
        await asyncio.wait_for(done.wait(), seconds + 60)
        await asyncio.sleep(0.5)
    output, _ = await asyncio.wait_for(producer.communicate(), 30)
    producer_report = json.loads(output.splitlines()[-1])
    await bus.close()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    extra = (f"latency p50 {p50:.1f} ms p99 {p99:.1f} ms; "
             f"producer python {producer_report['python_ms']:.3f} ms/event")
    return meter.figures("trickle1" if single else "trickle", counter[0], extra)


async def produce(url: str, namespace: str, rate: float, seconds: float) -> None:
    """The trickle's producer: one publish every 1/rate s (open loop), each in its own task."""
    bus = await EventBus.connect(MessagingSettings(nats_url=url, nats_namespace=namespace), "bench-producer")
    count = int(rate * seconds)
    started_cpu, started = time.process_time(), time.monotonic()
    pending: set[asyncio.Task[object]] = set()
    for n in range(count):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        subject, event = inbound(n)
        otel_context.attach(unsampled_trace())
        task = asyncio.create_task(bus.publish(subject, event, event.event_id, SELLER))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    python_ms = (time.process_time() - started_cpu) * 1000 / count
    await bus.close()
    print(json.dumps({"python_ms": python_ms}))


async def main(count: int, rate: float, seconds: float, single: bool) -> None:
    configure_tracing("bus-bench")
    nats = start_nats(Path(tempfile.mkdtemp(prefix="bus-bench-nats-")))
    try:
        assert nats.process is not None
        pid = nats.process.pid
        namespace = f"bench{uuid.uuid4().hex[:8]}"
        bus = await connect(nats.url, namespace, "bench")
        results = [await publish_phase(bus, pid, count), await backlog_phase(bus, pid, count)]
        await bus.close()
        results.append(await trickle_phase(nats.url, f"{namespace}t", pid, rate, seconds))
        if single:
            results.append(await trickle_phase(nats.url, f"{namespace}s", pid, rate, seconds, single=True))
        load = os.getloadavg()[0]
        for figures in results:
            print(figures.line())
        print(f"load average {load:.2f}")
    finally:
        nats.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--produce":
        asyncio.run(produce(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--rate", type=float, default=150)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--single-consumer", action="store_true",
                        help="also run the trickle with one durable on every partition (trickle1)")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rate, args.seconds, args.single_consumer))
