"""Replay a Dockerfile's Python build on this machine, without Docker: the `protos` and `build` stages' COPY
instructions (honouring the .dockerignore) into a folder standing for /app, then their RUN commands.

Only the base image differs (this machine's Python 3.11 instead of python:3.11-slim) and uv runs offline
from its cache; what is copied, the uv commands and the proto generation are the Dockerfile's own.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from sellerbot_deploy_checks.dockerfiles import DOCKER_DIR, ParsedDockerfile, Stage, flag
from sellerbot_deploy_checks.processes import REPO_ROOT
from sellerbot_deploy_checks.workspace import uv_binary


def ignore_patterns(dockerfile: Path) -> list[str]:
    text = (DOCKER_DIR / f"{dockerfile.name}.dockerignore").read_text()
    patterns = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return patterns + [p.removeprefix("**/") for p in patterns if p.startswith("**/")]


def is_ignored(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(prefix, p) for prefix in prefixes for p in patterns)


def _copy(source: str, target: Path, patterns: list[str]) -> None:
    path = REPO_ROOT / source
    if path.is_file():
        if not is_ignored(source, patterns):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        return
    for file in path.rglob("*"):
        relative = str(file.relative_to(REPO_ROOT))
        if file.is_file() and not is_ignored(relative, patterns):
            destination = target / file.relative_to(path)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)


def _apply_copy(command_values: tuple[str, ...], parents: bool, app: Path, patterns: list[str]) -> None:
    *sources, destination = command_values
    for source in sources:
        for match in sorted(glob.glob(source, root_dir=REPO_ROOT)):
            if parents:
                _copy(match, app / destination / match, patterns)
            elif len(sources) == 1 and not destination.endswith("/"):
                _copy(match, app / destination, patterns)
            else:
                _copy(match, app / destination / Path(match).name, patterns)


def _run_stage(stage: Stage, app: Path, env: dict[str, str], patterns: list[str]) -> None:
    for command in stage.commands:
        if command.cmd == "COPY" and not flag(command, "from"):
            _apply_copy(command.value, "--parents" in command.flags, app, patterns)
        elif command.cmd == "RUN":
            line = " ".join(command.value)
            if "uv venv" in line:
                continue  # the protos tool venv: this machine's dev venv already has grpcio-tools
            args = shlex.split(line.replace("/opt/protoc/bin/python", sys.executable))
            if args[0] == "uv":
                args[0] = uv_binary()
            subprocess.run(args, cwd=app, env=env, check=True, capture_output=True, timeout=300)  # noqa: S603


def build_python_stages(parsed: ParsedDockerfile, app: Path) -> Path:
    """Run the protos and build stages into `app`; returns the virtualenv the runtime image would copy."""
    patterns = ignore_patterns(parsed.path)
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(parsed.stage("build").env())
    env.update({"UV_PROJECT_ENVIRONMENT": str(app / ".venv"), "UV_OFFLINE": "1", "UV_COMPILE_BYTECODE": "0",
                "UV_PYTHON": sys.executable, "UV_LINK_MODE": "symlink"})
    _run_stage(parsed.stage("protos"), app, env, patterns)
    _run_stage(parsed.stage("build"), app, env, patterns)
    return app / ".venv"
