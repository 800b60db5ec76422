"""The Python part of the gateway image built for real from its Dockerfile's own COPY and RUN lines (no
Docker daemon here; see sellerbot_deploy_checks.simulated_build): the venv uv makes from the frozen lockfile
runs the process, with the generated protos and without dev tools. One image only, to keep the suite fast
(uv builds six editable members, ~10 s); the service images share its build stages line for line, which
test_dockerfiles.py checks statically for all five."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sellerbot_deploy_checks.dockerfiles import DOCKER_DIR, parse
from sellerbot_deploy_checks.processes import GATEWAY
from sellerbot_deploy_checks.simulated_build import build_python_stages, is_ignored


def test_the_built_venv_imports_the_process_and_holds_no_dev_tools(tmp_path: Path) -> None:
    process = GATEWAY
    app = tmp_path / "app"
    venv = build_python_stages(parse(DOCKER_DIR / f"Dockerfile.{process.name}"), app)
    probe = (
        "import importlib, importlib.metadata as m, sys\n"
        f"importlib.import_module('{process.module}.main')\n"
        f"importlib.import_module('{process.module}.settings')\n"
        "import sellerbot.automation.v1.automation_pb2_grpc, grpc_health.v1.health_pb2\n"
        "names = {d.metadata['Name'].lower() for d in m.distributions()}\n"
        "print(' '.join(sorted(names & {'pytest', 'ruff', 'mypy', 'grpcio-tools', 'helm-python-sdk'})))\n"
    )
    result = subprocess.run([str(venv / "bin" / "python"), "-c", probe], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"dev tools in the {process.name} image: {result.stdout}"
    assert not (app / "services" / "chatbot" / "chatbot").exists()  # other services' code stays out
    assert not [p for p in app.rglob("tests") if ".venv" not in p.parts]  # .dockerignore keeps tests out


def test_dockerignore_patterns_match_nested_paths() -> None:
    patterns = ["**/tests", "libs/protos/sellerbot", ".venv"]
    assert is_ignored("services/chatbot/tests/unit/test_x.py", patterns)
    assert is_ignored("libs/protos/sellerbot/chatbot/v1/chatbot_pb2.py", patterns)
    assert not is_ignored("libs/protos/build_protos.py", patterns)
