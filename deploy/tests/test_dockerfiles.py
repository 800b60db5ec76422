"""The per-process Dockerfiles, checked by reading them (no Docker daemon here): every path they copy exists,
they install exactly their member from the lockfile, generate the protos, run as non-root with a health probe,
and listen where the compose file and the Helm chart expect."""

from __future__ import annotations

import fnmatch
import glob
import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from sellerbot_deploy_checks.dockerfiles import DOCKER_DIR, ParsedDockerfile, exec_form, flag, parse
from sellerbot_deploy_checks.processes import PROCESSES, REPO_ROOT, Process
from sellerbot_deploy_checks.workspace import closure, members, pinned_dev_tool, uv_binary

BY_NAME = {p.name: p for p in PROCESSES}
DEV_ONLY = {"pytest", "ruff", "mypy", "grpcio-tools", "mypy-protobuf", "helm-python-sdk", "sellerbot-devstack"}


@pytest.fixture(scope="module", params=[p.name for p in PROCESSES])
def image(request: pytest.FixtureRequest) -> tuple[Process, ParsedDockerfile]:
    process = BY_NAME[request.param]
    return process, parse(DOCKER_DIR / f"Dockerfile.{process.name}")


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, p + "/*") for p in patterns)


def _dockerignore(process: Process) -> list[str]:
    text = (DOCKER_DIR / f"Dockerfile.{process.name}.dockerignore").read_text()
    patterns = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    # "**/x" also matches "x" at the top of the context
    return patterns + [p.removeprefix("**/") for p in patterns if p.startswith("**/")]


def test_a_dockerfile_exists_for_every_process_and_nothing_else() -> None:
    names = {p.name.removeprefix("Dockerfile.") for p in DOCKER_DIR.glob("Dockerfile.*") if p.suffix != ".dockerignore"}
    assert names == set(BY_NAME)


def test_images_build_on_python_311_slim_with_the_repository_uv(image: tuple[Process, ParsedDockerfile]) -> None:
    _, parsed = image
    makefile_uv = re.search(r"^UV_VERSION := (\S+)", (REPO_ROOT / "Makefile").read_text(), re.M)
    assert makefile_uv
    assert parsed.global_args["PYTHON_IMAGE"].startswith("python:3.11-slim")
    assert parsed.global_args["UV_IMAGE"] == f"ghcr.io/astral-sh/uv:{makefile_uv.group(1)}"
    python_stages = [s for s in parsed.stages if s.name in {"protos", "build", "runtime"}]
    assert [s.base for s in python_stages] == ["${PYTHON_IMAGE}"] * 3  # the venv's python must exist at run time


def test_protos_are_generated_with_the_pinned_grpcio_tools(image: tuple[Process, ParsedDockerfile]) -> None:
    _, parsed = image
    protos = parsed.stage("protos")
    assert parsed.global_args["GRPCIO_TOOLS_VERSION"] == pinned_dev_tool("grpcio-tools")
    assert any("libs/protos/build_protos.py" in line for line in protos.run_lines())
    copied = [c.value for c in parsed.stage("build").all("COPY") if flag(c, "from") == "protos"]
    assert copied == [("/app/libs/protos/sellerbot", "./libs/protos/sellerbot")]


def test_only_the_process_member_is_installed_from_the_frozen_lockfile(
    image: tuple[Process, ParsedDockerfile],
) -> None:
    process, parsed = image
    syncs = [line for line in parsed.stage("build").run_lines() if "uv sync" in line]
    assert len(syncs) == 2, syncs  # third-party layer, then the workspace members
    for line in syncs:
        args = line.split()
        assert {"--frozen", "--no-dev"} <= set(args)
        assert args[args.index("--package") + 1] == process.package
    assert process.package in members()


def test_the_locked_requirements_of_the_image_hold_no_dev_tools(image: tuple[Process, ParsedDockerfile]) -> None:
    process, _ = image
    exported = subprocess.run(
        [uv_binary(), "export", "--frozen", "--no-dev", "--no-hashes", "--package", process.package],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "UV_OFFLINE": "1"},
    ).stdout
    requirements = {re.split(r"[=\s;@]", line.strip(), maxsplit=1)[0].lower()
                    for line in exported.splitlines() if line.strip() and not line.startswith(("#", " "))}
    assert "grpcio" in requirements
    assert not (DEV_ONLY & requirements), f"{process.name} image would ship {DEV_ONLY & requirements}"


def test_every_workspace_member_pyproject_reaches_the_dependency_layer(image: tuple[Process, ParsedDockerfile]) -> None:
    _, parsed = image
    parents = next(c for c in parsed.stage("build").all("COPY") if "--parents" in c.flags)
    patterns = parents.value[:-1]
    for member in members().values():
        pyproject = f"{member.folder}/pyproject.toml"
        assert any(fnmatch.fnmatch(pyproject, p) for p in patterns), f"{pyproject} missing from COPY --parents"


def test_every_copied_path_exists_and_is_not_ignored(image: tuple[Process, ParsedDockerfile]) -> None:
    process, parsed = image
    ignored = _dockerignore(process)
    for stage in parsed.stages:
        for command in stage.all("COPY") + stage.all("ADD"):
            if flag(command, "from"):
                continue
            for source in command.value[:-1]:
                matches = glob.glob(source, root_dir=REPO_ROOT)
                assert matches, f"{process.name}: COPY source {source} does not exist"
                assert not all(_ignored(m, ignored) for m in matches), f"{source} is excluded by .dockerignore"


def test_the_runtime_image_ships_the_sources_of_every_member_it_imports(
    image: tuple[Process, ParsedDockerfile],
) -> None:
    process, parsed = image
    build_copies = [
        c.value[0] for c in parsed.stage("build").all("COPY") if not flag(c, "from") and "--parents" not in c.flags
    ]
    runtime_copies = [c.value[0].removeprefix("/app/") for c in parsed.final.all("COPY") if flag(c, "from") == "build"]
    assert ".venv" in runtime_copies
    all_members = members()
    for name in closure(process.package):
        folder = all_members[name].folder
        assert any(folder == s or folder.startswith(s + "/") for s in build_copies), f"{folder} not copied to build"
        assert any(folder == s or folder.startswith(s + "/") for s in runtime_copies), f"{folder} not in runtime"


def test_the_image_runs_the_process_module_as_a_non_root_user(image: tuple[Process, ParsedDockerfile]) -> None:
    process, parsed = image
    (cmd,) = parsed.final.all("CMD")
    assert exec_form(cmd) == ["python", "-m", process.module]
    assert importlib.util.find_spec(f"{process.module}.__main__") is not None
    (user,) = parsed.final.all("USER")
    uid = user.value[0].split(":")[0]
    assert uid.isdigit() and int(uid) != 0  # numeric, so Kubernetes runAsNonRoot can verify it
    assert any(f"--uid {uid}" in line for line in parsed.final.run_lines())


def test_the_health_probe_checks_the_process_port(image: tuple[Process, ParsedDockerfile]) -> None:
    process, parsed = image
    (healthcheck,) = parsed.final.all("HEALTHCHECK")
    probe = exec_form(healthcheck)
    copies = {c.value[-1]: c.value[0] for c in parsed.final.all("COPY")}
    assert copies[probe[1]] == "deploy/docker/healthcheck.py"
    if process.is_grpc:
        assert probe[2:] == ["grpc", f"127.0.0.1:{process.port}"]
    else:
        assert probe[2:] == ["http", f"http://127.0.0.1:{process.port}/livez"]


def test_the_image_listens_on_all_interfaces_with_names_its_settings_read(
    image: tuple[Process, ParsedDockerfile], monkeypatch: pytest.MonkeyPatch,
) -> None:
    process, parsed = image
    env = parsed.final.env()
    exposed = {int(port) for c in parsed.final.all("EXPOSE") for port in c.value}
    if process.is_grpc:
        assert env[f"{process.env_prefix}_GRPC_ADDR"] == f"0.0.0.0:{process.port}"
        assert env[f"{process.env_prefix}_METRICS_PORT"] == str(process.metrics_port)
        assert env["METRICS_HOST"] == "0.0.0.0"
        assert exposed == {process.port, process.metrics_port}
    else:
        assert (env["GATEWAY_HOST"], env["GATEWAY_PORT"]) == ("0.0.0.0", str(process.port))
        assert (env["METRICS_HOST"], env["GATEWAY_METRICS_PORT"]) == ("0.0.0.0", str(process.metrics_port))
        assert exposed == {process.port, process.metrics_port}
    for key, value in env.items():
        if key not in {"PATH", "HOME", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}:
            monkeypatch.setenv(key, value)
    settings = process.settings_class()(_env_file=None)  # type: ignore[call-arg]
    if "data_dir" in type(settings).model_fields:
        assert str(settings.data_dir) == "/data"  # type: ignore[attr-defined]
    if process.is_grpc:
        prefix = process.env_prefix.lower()
        assert getattr(settings, f"{prefix}_grpc_addr") == f"0.0.0.0:{process.port}"
        assert getattr(settings, f"{prefix}_metrics_port") == process.metrics_port
        assert settings.metrics_host == "0.0.0.0"  # type: ignore[attr-defined]
    else:
        assert (settings.gateway_host, settings.gateway_port) == ("0.0.0.0", process.port)  # type: ignore[attr-defined]
        assert settings.gateway_metrics_port == process.metrics_port  # type: ignore[attr-defined]


def test_the_automation_image_carries_debian_chromium() -> None:
    runtime = parse(DOCKER_DIR / "Dockerfile.automation").final
    assert any("apt-get install" in line and re.search(r"\bchromium\b", line) for line in runtime.run_lines())
    for other in ("gateway", "chatbot", "channel-adapter", "notification"):
        assert not any("chromium" in line for line in parse(DOCKER_DIR / f"Dockerfile.{other}").final.run_lines())


def test_the_gateway_image_serves_the_built_dashboard() -> None:
    parsed = parse(DOCKER_DIR / "Dockerfile.gateway")
    assert any("npm run build" in line for line in parsed.stage("frontend").run_lines())
    copied = [c.value for c in parsed.final.all("COPY") if flag(c, "from") == "frontend"]
    assert copied == [("/frontend/dist", "./frontend/dist")]
    assert parsed.final.env()["FRONTEND_DIST"] == "/app/frontend/dist"


def test_build_contexts_leave_out_local_state(image: tuple[Process, ParsedDockerfile]) -> None:
    process, _ = image
    patterns = _dockerignore(process)
    for path in (".venv", "frontend/node_modules", "libs/protos/sellerbot", ".data", "gateway/tests", ".git"):
        assert _ignored(path, patterns), f"{path} would be sent to the {process.name} build"
    assert Path(DOCKER_DIR / "healthcheck.py").is_file()


def test_the_dashboard_is_built_with_node_22_lts() -> None:
    parsed = parse(DOCKER_DIR / "Dockerfile.gateway")
    assert parsed.resolve(parsed.stage("frontend").base).startswith("node:22-")


def test_outside_docker_the_dashboard_asks_for_the_same_node_22_lts() -> None:
    assert (REPO_ROOT / ".nvmrc").read_text().strip() == "22"
    package = json.loads((REPO_ROOT / "frontend" / "package.json").read_text())
    lock = json.loads((REPO_ROOT / "frontend" / "package-lock.json").read_text())
    assert package["engines"] == lock["packages"][""]["engines"] == {"node": ">=22.12.0"}
