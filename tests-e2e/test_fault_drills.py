"""Fault drills on real processes: `kill -9` of the chatbot, of the channel-adapter and of NATS in the middle
of a stream of Evolution webhooks from many contacts, the killed process started again; then two chatbot
replicas, one killed. Every time, every contact is answered, each of its messages by exactly one reply, in
the order it sent them, and the Evolution API receives each reply once, with one exception that no code can
remove: a reply the channel-adapter was sending at the instant it was killed (Evolution accepted it, the
adapter had not yet recorded it) is sent again when it is redelivered, because Evolution's sendText has no
idempotency key. Those are at most the replies delivered to the adapter and not acked when it died (the
consumer's ack-pending count right after the kill); every other reply reaches Evolution exactly once, and none
is lost.

The stack is the `make run` path for WhatsApp, each piece its own process: a private nats-server with its file
store (so NATS itself can be killed and restarted), the Evolution API fake, the gateway, the channel-adapter
and the chatbot on SQLite under a temporary DATA_DIR, no OpenAI key (the offline responder). Like Evolution,
the load generator sends a webhook again until it is answered 200, and each contact sends its next message
only once the previous one was accepted."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats
import pytest
from google.protobuf import struct_pb2
from nats.js.api import DeliverPolicy
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import chatbot_pb2_grpc
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_devstack.servers import OwnServer, free_port, start_nats, wait_for_port
from sellerbot_grpc import open_channel, user_metadata

ROOT = Path(__file__).resolve().parents[1]
SECRET = "drill-webhook-secret-0123456789"
ADMIN_EMAIL = "drill-admin@sellerbot.test"
SELLER = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sellerbot:user:{ADMIN_EMAIL}"))
INSTANCE = "drill"
# Different questions, different answers: the same reply a third time would hand the contact to a human.
QUESTIONS = ["oi, boa tarde", "aceita pix?", "qual o prazo de entrega?", "obrigado!"]
LEASE_SECONDS = "2"  # a killed replica's partitions wait this long before another takes them


@dataclass
class DrillStack:
    work: Path
    env: dict[str, str]
    nats_port: int
    gateway_port: int
    fake_port: int
    nats: OwnServer | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None, port: int = 0,
              wait: bool = True) -> None:
        self.commands[name] = (args, env or {})
        if port:
            self.ports[name] = port
        self.restart(name, wait)

    def restart(self, name: str, wait: bool = True) -> None:
        args, env = self.commands[name]
        log = (self.work / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_for(name)

    def wait_for(self, name: str) -> None:
        if name in self.ports:
            wait_for_port("127.0.0.1", self.ports[name], 120, self.processes[name])

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    def start_nats(self) -> None:
        self.nats = start_nats(self.work / "nats", port=self.nats_port)

    def kill_nats(self) -> None:
        assert self.nats is not None and self.nats.process is not None
        os.kill(self.nats.process.pid, signal.SIGKILL)
        self.nats.process.wait(10)

    def add_chatbot(self, name: str, wait: bool = True) -> None:
        port, metrics_port = free_port(), free_port()
        self.ports[f"{name}-metrics"] = metrics_port
        self.start(name, ["-m", "chatbot"], {"CHATBOT_GRPC_ADDR": f"127.0.0.1:{port}",
                                             "CHATBOT_METRICS_PORT": str(metrics_port)}, port=port, wait=wait)

    def partitions_owned(self, name: str) -> int:
        """The replica's `chatbot_inbound_partitions_owned` gauge (0 while it does not answer)."""
        try:
            text = httpx.get(f"http://127.0.0.1:{self.ports[name + '-metrics']}/metrics", timeout=5).text
        except httpx.HTTPError:
            return 0
        for line in text.splitlines():
            if line.startswith("chatbot_inbound_partitions_owned "):
                return int(float(line.split()[1]))
        return 0

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.nats is not None:
            self.nats.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.work.glob("*.log"))


@pytest.fixture(scope="module")
def drill_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DrillStack]:
    work = tmp_path_factory.mktemp("drills")
    nats_port, gateway_port, fake_port, adapter_port = free_port(), free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "OTEL_"))}
    env.update({
        "ENVIRONMENT": "development", "DATA_DIR": str(work), "DATABASE_URL": "", "REDIS_URL": redis_url,
        "NATS_URL": f"nats://127.0.0.1:{nats_port}", "NATS_NAMESPACE": "", "OPENAI_API_KEY": "",
        "LOG_LEVEL": "INFO", "GATEWAY_PORT": str(gateway_port), "SERVICE_METRICS_URLS": "",
        "RATE_LIMIT_WEBHOOKS": "100000/minute", "CHANNEL_ADAPTER_GRPC_ADDR": f"127.0.0.1:{adapter_port}",
        "CHANNEL_ADAPTER_METRICS_PORT": str(free_port()), "GATEWAY_METRICS_PORT": str(free_port()),
        "EVOLUTION_API_URL": f"http://127.0.0.1:{fake_port}", "EVOLUTION_API_KEY": "drill-key",
        "EVOLUTION_WEBHOOK_SECRET": SECRET, "EVOLUTION_INSTANCE": INSTANCE, "DEFAULT_SELLER_USER_ID": SELLER,
        "ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": "drill-admin-password",
        "JWT_SECRET": "drill-jwt-secret-" + "z" * 32, "SECRETS_KEY": "drill-secrets-key-" + "q" * 32,
        "CHATBOT_PARTITION_LEASE_SECONDS": LEASE_SECONDS, "PYTHONUNBUFFERED": "1",
    })
    stack = DrillStack(work, env, nats_port, gateway_port, fake_port)
    try:
        stack.start_nats()
        stack.start("evolution-fake", ["-m", "sellerbot_fakes.evolution_fake", "--port", str(fake_port)],
                    port=fake_port, wait=False)
        stack.start("channel-adapter", ["-m", "channel_adapter"], port=adapter_port, wait=False)
        stack.start("gateway", ["-m", "api_gateway"], port=gateway_port, wait=False)
        stack.add_chatbot("chatbot-1", wait=False)
        for name in ("evolution-fake", "channel-adapter", "gateway", "chatbot-1"):  # started together
            stack.wait_for(name)
        asyncio.run(_zero_debounce(stack.ports["chatbot-1"]))
        yield stack
    finally:
        stack.stop()


async def _zero_debounce(port: int) -> None:
    """Each message answered as it comes (a burst would merge them: the drills count every message)."""
    channel = open_channel(f"127.0.0.1:{port}")
    patch = struct_pb2.Struct()
    patch.update({"debounce": {"window_seconds": 0, "max_wait_seconds": 0}})
    await chatbot_pb2_grpc.ChatbotServiceStub(channel).UpdateConfig(
        pb.UpdateConfigRequest(patch=patch), metadata=user_metadata(SELLER), timeout=30)
    await channel.close()


@dataclass
class Sent:
    """What the load generator sent: each phone's message ids, in the order they were accepted."""

    by_phone: dict[str, list[str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.by_phone.values())


async def _stream(stack: DrillStack, tag: str, contacts: int, per_contact: int, gap: float,
                  fault_after: int, fault: Callable[[], Awaitable[None]]) -> Sent:
    """`contacts` contacts each send `per_contact` messages `gap` s apart (the next once the previous got its
    200); `fault` runs once `fault_after` webhooks were accepted."""
    sent = Sent({f"5531{tag}{c:05d}": [] for c in range(contacts)})
    accepted = 0
    faulted = asyncio.Event()
    url = f"http://127.0.0.1:{stack.gateway_port}/seller-bot/webhook/evolution"

    async with httpx.AsyncClient(timeout=10) as http:

        async def contact(phone: str) -> None:
            nonlocal accepted
            for k in range(per_contact):
                message_id = f"{tag}{phone[-5:]}{k:02d}{uuid.uuid4().hex[:8]}".upper()
                body = {"event": "messages.upsert", "instance": INSTANCE, "data": {
                    "key": {"remoteJid": f"{phone}@s.whatsapp.net", "fromMe": False, "id": message_id},
                    "pushName": "Cliente", "message": {"conversation": QUESTIONS[k % len(QUESTIONS)]},
                    "messageType": "conversation", "messageTimestamp": int(time.time())}}
                deadline = time.monotonic() + 60
                while True:  # as Evolution does: again until answered 200
                    try:
                        response = await http.post(url, json=body, headers={"X-Webhook-Secret": SECRET})
                        if response.status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    assert time.monotonic() < deadline, f"webhook never accepted:\n{stack.logs()}"
                    await asyncio.sleep(0.2)
                sent.by_phone[phone].append(message_id)
                accepted += 1
                if accepted == fault_after and not faulted.is_set():
                    faulted.set()
                await asyncio.sleep(gap)

        async def inject() -> None:
            await faulted.wait()
            await fault()

        await asyncio.gather(*(contact(phone) for phone in sent.by_phone), inject())
    return sent


async def _replies(stack: DrillStack) -> list[ev.OutboundReply]:
    """Every OutboundReply in the stream, in stream order (what the channel-adapter delivers)."""
    connection = await nats.connect(stack.env["NATS_URL"])
    try:
        js = connection.jetstream()
        info = await js.stream_info("CONVERSATIONS")
        found: list[ev.OutboundReply] = []
        subscription = await js.subscribe("conversations.outbound.>", ordered_consumer=True,
                                          deliver_policy=DeliverPolicy.ALL)
        while info.state.last_seq:
            try:
                msg = await subscription.next_msg(timeout=1)
            except TimeoutError:
                break  # no reply at all yet
            found.append(ev.OutboundReply.FromString(msg.data))
            if not msg.metadata.num_pending:
                break
        await subscription.unsubscribe()
        return found
    finally:
        await connection.close()


def _delivered(stack: DrillStack) -> dict[str, int]:
    recorded = httpx.get(f"http://127.0.0.1:{stack.fake_port}/_fake/requests", timeout=30).json()
    counts: dict[str, int] = {}
    for request in recorded:
        if "/message/sendText/" in request["path"] and 200 <= request["status"] < 300:
            number = str(request["body"].get("number", "")).split("@")[0]
            counts[number] = counts.get(number, 0) + 1
    return counts


async def _in_flight_to_the_adapter(stack: DrillStack) -> int:
    """Replies delivered to the channel-adapter and not acked: right after a kill, the ones in doubt."""
    connection = await nats.connect(stack.env["NATS_URL"])
    try:
        info = await connection.jetstream().consumer_info("CONVERSATIONS", "channel-adapter-outbound")
        return int(info.num_ack_pending or 0)
    finally:
        await connection.close()


async def _assert_each_message_answered_once_in_order(stack: DrillStack, sent: Sent, in_doubt: int = 0) -> None:
    deadline = time.monotonic() + 60
    while True:
        replies = await _replies(stack)
        answered: dict[str, list[str]] = {phone: [] for phone in sent.by_phone}
        reply_counts: dict[str, int] = {phone: 0 for phone in sent.by_phone}
        for reply in replies:
            phone = reply.contact_id.removeprefix("whatsapp:")
            if phone in answered:
                reply_counts[phone] += 1
                answered[phone] += [event_id.rsplit(":", 1)[-1] for event_id in reply.in_reply_to]
        delivered = _delivered(stack)
        done = all(len(answered[p]) >= len(ids) for p, ids in sent.by_phone.items())
        if done and all(delivered.get(p, 0) >= reply_counts[p] for p in sent.by_phone):
            break
        assert time.monotonic() < deadline, (
            f"unanswered: { {p: (ids, answered[p]) for p, ids in sent.by_phone.items() if answered[p] != ids} }"
            f"\n{stack.logs()}")
        await asyncio.sleep(0.5)
    for phone, ids in sent.by_phone.items():
        assert answered[phone] == ids, f"{phone}: sent {ids}, answered {answered[phone]}"  # once each, in order
    again = {p: delivered.get(p, 0) - reply_counts[p] for p in sent.by_phone if delivered.get(p, 0) != reply_counts[p]}
    assert sum(again.values()) <= in_doubt, (
        f"replies sent to Evolution more than once: {again}, but only {in_doubt} were in flight at the kill")


async def test_kill_9_of_the_chatbot_mid_stream_loses_nothing_and_answers_once(drill_stack: DrillStack) -> None:
    async def fault() -> None:
        drill_stack.kill("chatbot-1")
        await asyncio.to_thread(drill_stack.restart, "chatbot-1")

    sent = await _stream(drill_stack, "11", contacts=12, per_contact=4, gap=0.3, fault_after=15, fault=fault)
    await _assert_each_message_answered_once_in_order(drill_stack, sent)


async def test_kill_9_of_the_channel_adapter_mid_stream_loses_nothing_and_answers_once(
    drill_stack: DrillStack,
) -> None:
    in_doubt = 0

    async def fault() -> None:
        nonlocal in_doubt
        drill_stack.kill("channel-adapter")
        in_doubt = await _in_flight_to_the_adapter(drill_stack)
        await asyncio.to_thread(drill_stack.restart, "channel-adapter")

    sent = await _stream(drill_stack, "12", contacts=12, per_contact=4, gap=0.3, fault_after=15, fault=fault)
    await _assert_each_message_answered_once_in_order(drill_stack, sent, in_doubt)


async def test_kill_9_of_nats_mid_stream_loses_nothing_and_answers_once(drill_stack: DrillStack) -> None:
    async def fault() -> None:
        drill_stack.kill_nats()
        await asyncio.sleep(1)  # down for a moment: webhooks are refused meanwhile and sent again
        await asyncio.to_thread(drill_stack.start_nats)

    sent = await _stream(drill_stack, "13", contacts=12, per_contact=4, gap=0.3, fault_after=15, fault=fault)
    await _assert_each_message_answered_once_in_order(drill_stack, sent)


async def test_two_chatbot_replicas_one_killed_mid_stream_the_other_answers_everything_once(
    drill_stack: DrillStack,
) -> None:
    if "chatbot-2" not in drill_stack.processes:
        drill_stack.add_chatbot("chatbot-2")
    deadline = time.monotonic() + 30
    while not (drill_stack.partitions_owned("chatbot-1") and drill_stack.partitions_owned("chatbot-2")):
        assert time.monotonic() < deadline, "the second replica never took its share of the partitions"
        await asyncio.sleep(0.2)

    async def fault() -> None:
        drill_stack.kill("chatbot-1")

    sent = await _stream(drill_stack, "14", contacts=12, per_contact=4, gap=0.3, fault_after=15, fault=fault)
    await _assert_each_message_answered_once_in_order(drill_stack, sent)
    assert drill_stack.partitions_owned("chatbot-2") == 16  # the survivor holds every partition
