"""`make run` keeps its processes alive: a killed process comes back, a crash loop is reported, replicas get
their own ports and every process dials all of a service's replicas."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sellerbot_devstack.stack import dial_env, plan_replicas, replica_counts, services_from_env
from sellerbot_devstack.supervisor import ProcessState, RestartPolicy, Supervisor

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(600)"]
CRASHER = [sys.executable, "-c", "import sys; print('boom', flush=True); sys.exit(3)"]
FAST = RestartPolicy(first_backoff_seconds=0.05, max_backoff_seconds=0.2, crash_limit=3, crash_window_seconds=30)


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[tuple[Supervisor, list[str]]]:
    said: list[str] = []
    supervisor = Supervisor(tmp_path, FAST, say=said.append)
    yield supervisor, said
    supervisor.stop(grace_seconds=5)


def tick_until(supervisor: Supervisor, condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        supervisor.tick()
        time.sleep(0.02)


def test_a_process_killed_with_sigkill_is_restarted_and_the_restart_is_logged(
    supervisor: tuple[Supervisor, list[str]], tmp_path: Path
) -> None:
    sup, said = supervisor
    process = sup.add("sleeper", SLEEPER, dict(os.environ), tmp_path / "logs" / "sleeper.log")
    first_pid = process.pid
    assert first_pid is not None
    os.kill(first_pid, signal.SIGKILL)

    tick_until(sup, lambda: process.pid != first_pid and process.state is ProcessState.RUNNING)

    assert process.popen is not None and process.popen.poll() is None
    assert any("sleeper exited with signal SIGKILL; restarting in" in line for line in said)
    assert any("sleeper restarted" in line for line in said)
    log = (tmp_path / "logs" / "sleeper.log").read_text()
    assert "exited with signal SIGKILL" in log


def test_a_crash_loop_is_reported_loudly_and_stops_the_restarts_of_that_process_only(
    supervisor: tuple[Supervisor, list[str]], tmp_path: Path
) -> None:
    sup, said = supervisor
    crasher = sup.add("crasher", CRASHER, dict(os.environ), tmp_path / "crasher.log")
    sleeper = sup.add("sleeper", SLEEPER, dict(os.environ), tmp_path / "sleeper.log")

    tick_until(sup, lambda: crasher.state is ProcessState.GAVE_UP)

    assert crasher.restarts == FAST.crash_limit - 1
    assert any("CRASH LOOP: crasher exited 3 times" in line for line in said)
    assert any("exited with code 3" in line for line in said)
    assert sleeper.state is ProcessState.RUNNING and sleeper.popen is not None and sleeper.popen.poll() is None


def test_backoff_doubles_per_crash_in_the_window_up_to_the_cap() -> None:
    policy = RestartPolicy(first_backoff_seconds=0.5, max_backoff_seconds=4)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]


def test_stop_ends_every_process_and_no_restart_follows(
    supervisor: tuple[Supervisor, list[str]], tmp_path: Path
) -> None:
    sup, _ = supervisor
    processes = [sup.add(f"sleeper-{n}", SLEEPER, dict(os.environ), tmp_path / f"{n}.log") for n in range(2)]
    sup.stop(grace_seconds=5)
    sup.tick()
    assert all(p.popen is not None and p.popen.poll() is not None for p in processes)
    assert all(p.state is ProcessState.STOPPED and p.restarts == 0 for p in processes)


def test_replicas_get_distinct_ports_and_every_process_dials_all_of_them() -> None:
    replicas = plan_replicas(replica_counts({"CHATBOT_REPLICAS": "3"}, ["channel-adapter=2"]))
    chatbots = [r for r in replicas if r.service.name == "chatbot"]
    assert [r.name for r in chatbots] == ["chatbot-1", "chatbot-2", "chatbot-3"]
    ports = [r.grpc_port for r in replicas] + [r.metrics_port for r in replicas]
    assert len(ports) == len(set(ports))

    dial = dial_env(replicas)
    assert dial["CHATBOT_GRPC_ADDR"] == "ipv4:127.0.0.1:50052,127.0.0.1:50062,127.0.0.1:50072"
    assert dial["CHANNEL_ADAPTER_GRPC_ADDR"] == "ipv4:127.0.0.1:50053,127.0.0.1:50063"
    assert dial["AUTOMATION_GRPC_ADDR"] == "127.0.0.1:50051"
    scraped = dial["SERVICE_METRICS_URLS"].split(",")
    assert "chatbot/2=http://127.0.0.1:9112/metrics" in scraped
    assert "automation=http://127.0.0.1:9101/metrics" in scraped
    assert chatbots[1].own_env()["CHATBOT_GRPC_ADDR"] == "127.0.0.1:50062"
    assert chatbots[1].own_env()["CHATBOT_METRICS_PORT"] == "9112"


@pytest.mark.parametrize("bad", ["chatbot", "gateway=2", "chatbot=0", "chatbot=x", "chatbot=99"])
def test_replica_requests_that_make_no_sense_are_refused_with_the_reason(bad: str) -> None:
    with pytest.raises(ValueError, match="replicas"):
        replica_counts({}, [bad])


def test_base_ports_follow_the_services_own_settings_so_two_stacks_can_run_side_by_side() -> None:
    services = services_from_env({"CHATBOT_GRPC_ADDR": "127.0.0.1:51052", "CHATBOT_METRICS_PORT": "9202"})
    replicas = plan_replicas({"automation": 1, "chatbot": 2, "channel-adapter": 1, "notification": 1}, services)
    assert [(r.grpc_port, r.metrics_port) for r in replicas if r.service.name == "chatbot"] == [
        (51052, 9202), (51062, 9212)]
    assert dial_env(replicas)["CHATBOT_GRPC_ADDR"] == "ipv4:127.0.0.1:51052,127.0.0.1:51062"


def test_a_replica_count_from_the_environment_that_is_not_a_number_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="CHANNEL_ADAPTER_REPLICAS"):
        replica_counts({"CHANNEL_ADAPTER_REPLICAS": "two"}, [])
