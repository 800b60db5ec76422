"""Dockerfiles read with BuildKit's own parser (the `dockerfile` package), split into build stages."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile

from sellerbot_deploy_checks.processes import REPO_ROOT

DOCKER_DIR = REPO_ROOT / "deploy" / "docker"


@dataclass
class Stage:
    base: str
    name: str
    commands: list[dockerfile.Command] = field(default_factory=list)

    def all(self, instruction: str) -> list[dockerfile.Command]:
        return [c for c in self.commands if c.cmd == instruction.upper()]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for command in self.all("ENV"):
            pairs = command.value
            values.update({pairs[i]: pairs[i + 1] for i in range(0, len(pairs), 2)})
        return values

    def run_lines(self) -> list[str]:
        return [" ".join(c.value) for c in self.all("RUN")]


@dataclass
class ParsedDockerfile:
    path: Path
    global_args: dict[str, str]
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    def resolve(self, text: str) -> str:
        for key, value in self.global_args.items():
            text = text.replace("${" + key + "}", value).replace("$" + key, value)
        return text


def parse(path: Path) -> ParsedDockerfile:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            base, *rest = command.value
            name = rest[1] if len(rest) >= 2 and rest[0].upper() == "AS" else str(len(stages))
            stages.append(Stage(base=base, name=name))
        elif command.cmd == "ARG" and not stages:
            key, _, default = command.value[0].partition("=")
            global_args[key] = default
        elif stages:
            stages[-1].commands.append(command)
    return ParsedDockerfile(path, global_args, stages)


def flag(command: dockerfile.Command, name: str) -> str | None:
    """Value of `--name=value` on an instruction, or None."""
    for item in command.flags:
        key, _, value = item.partition("=")
        if key == f"--{name}":
            return value
    return None


def exec_form(command: dockerfile.Command) -> list[str]:
    """CMD/HEALTHCHECK arguments as a list (exec form, or shell form split like a shell)."""
    values = list(command.value)
    if command.cmd == "HEALTHCHECK":
        values = values[1:]  # drop the leading "CMD"
    return values if command.json else shlex.split(" ".join(values))
