"""`make run`'s process supervisor: a process that dies is restarted after an exponential, capped backoff.

A process that crashes `crash_limit` times within `crash_window_seconds` is in a crash loop: the supervisor
prints a banner saying so, stops restarting that one process (its log says why) and keeps the rest of the stack
running, so the gateway's health report shows what is down instead of the whole stack vanishing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

COLORS = ["36", "35", "33", "32", "34", "31"]


@dataclass(frozen=True)
class RestartPolicy:
    """Backoff `first * 2**(n-1)` seconds after the n-th crash in the window, never more than `cap`."""

    first_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 15.0
    crash_limit: int = 5
    crash_window_seconds: float = 60.0

    def backoff(self, crashes_in_window: int) -> float:
        return min(self.first_backoff_seconds * 2 ** max(0, crashes_in_window - 1), self.max_backoff_seconds)


class ProcessState(StrEnum):
    RUNNING = "running"
    WAITING_TO_RESTART = "waiting to restart"
    GAVE_UP = "gave up (crash loop)"
    STOPPED = "stopped"


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"code {returncode}"


def _pipe_output(name: str, color: str, stream: object, log_file: Path) -> None:
    with log_file.open("ab") as log:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            log.write(raw)
            log.flush()
            sys.stdout.write(f"\033[{color}m{name:>18}\033[0m | {raw.decode(errors='replace')}")
            sys.stdout.flush()


@dataclass
class SupervisedProcess:
    """One child process: its command, its environment, and what the supervisor knows of its crashes."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    log_file: Path
    color: str = COLORS[0]
    popen: subprocess.Popen[bytes] | None = None
    state: ProcessState = ProcessState.STOPPED
    restart_at: float = 0.0
    restarts: int = 0

    def __post_init__(self) -> None:
        self.crashes: deque[float] = deque()

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None


class Supervisor:
    """Starts processes, restarts those that die (`tick`), and stops them all (`stop`)."""

    def __init__(self, cwd: Path, policy: RestartPolicy | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        self.cwd = cwd
        self.policy = policy or RestartPolicy()
        self.processes: list[SupervisedProcess] = []
        self._say = say or (lambda line: print(line, flush=True))
        self._stopping = False

    def add(self, name: str, argv: Sequence[str], env: dict[str, str], log_file: Path) -> SupervisedProcess:
        process = SupervisedProcess(name, tuple(argv), env, log_file, COLORS[len(self.processes) % len(COLORS)])
        self.processes.append(process)
        self._start(process)
        return process

    def _start(self, process: SupervisedProcess) -> None:
        process.log_file.parent.mkdir(parents=True, exist_ok=True)
        process.popen = subprocess.Popen(
            list(process.argv), env=process.env, cwd=self.cwd,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        process.state = ProcessState.RUNNING
        threading.Thread(target=_pipe_output, args=(process.name, process.color, process.popen.stdout,
                                                    process.log_file), daemon=True).start()

    def _report(self, process: SupervisedProcess, line: str) -> None:
        """A supervisor line on the console and in the process's own log, where its traceback is."""
        self._say(f"supervisor: {line}")
        with process.log_file.open("ab") as log:
            log.write(f"--- supervisor: {line}\n".encode())

    def tick(self, now: float | None = None) -> None:
        """Notice processes that died, and restart those whose backoff is over. Call it about every 0.2 s."""
        if self._stopping:
            return
        now = time.monotonic() if now is None else now
        for process in self.processes:
            if process.state is ProcessState.RUNNING and process.popen is not None \
                    and process.popen.poll() is not None:
                self._on_exit(process, process.popen.returncode, now)
            elif process.state is ProcessState.WAITING_TO_RESTART and now >= process.restart_at:
                process.restarts += 1
                self._start(process)
                self._report(process, f"{process.name} restarted (pid {process.pid}, restart #{process.restarts})")

    def _on_exit(self, process: SupervisedProcess, returncode: int, now: float) -> None:
        policy = self.policy
        process.crashes.append(now)
        while process.crashes and now - process.crashes[0] > policy.crash_window_seconds:
            process.crashes.popleft()
        crashes = len(process.crashes)
        reason = _exit_reason(returncode)
        if crashes >= policy.crash_limit:
            process.state = ProcessState.GAVE_UP
            self._report(process, f"{process.name} exited with {reason}")
            banner = "!" * 72
            self._say(
                f"\n{banner}\nCRASH LOOP: {process.name} exited {crashes} times in "
                f"{policy.crash_window_seconds:.0f}s; it is NOT restarted any more.\n"
                f"The rest of the stack keeps running. Read {process.log_file}, fix it, and restart `make run`.\n"
                f"{banner}\n")
            return
        delay = policy.backoff(crashes)
        process.state = ProcessState.WAITING_TO_RESTART
        process.restart_at = now + delay
        window = f"{policy.crash_window_seconds:.0f}s"
        self._report(process, f"{process.name} exited with {reason}; restarting in {delay:.1f}s "
                              f"(crash {crashes} of {policy.crash_limit} allowed in {window})")

    def given_up(self) -> list[SupervisedProcess]:
        return [p for p in self.processes if p.state is ProcessState.GAVE_UP]

    def stop(self, grace_seconds: float = 15) -> None:
        """SIGTERM every process group (last started first), SIGKILL those still alive after the grace period."""
        self._stopping = True
        running = [p for p in reversed(self.processes) if p.popen is not None and p.popen.poll() is None]
        for process in running:
            assert process.popen is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for process in running:
            assert process.popen is not None
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(f"{process.name} did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
            process.state = ProcessState.STOPPED
