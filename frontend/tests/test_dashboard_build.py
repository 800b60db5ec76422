"""The dashboard's own test suite (Vitest) runs as part of `make test`: API client token refresh, WebSocket
reconnect/backoff, notification effects and components rendered with Testing Library."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[1]


def _npm() -> str:
    npm = shutil.which("npm")
    assert npm, "npm is required to test the dashboard (Node.js 20+)"
    return npm


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "1", "NO_COLOR": "1", "FORCE_COLOR": "0"}
    return subprocess.run(args, cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_dashboard_vitest_suite_passes() -> None:
    npm = _npm()
    if not (FRONTEND / "node_modules" / ".bin" / "vitest").exists():
        installed = _run([npm, "ci", "--no-audit", "--no-fund"], timeout=300)
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout[-4000:]}\n{installed.stderr[-4000:]}"
    result = _run([npm, "test", "--", "--reporter=dot"], timeout=480)  # about 30 s on an idle 2-core machine
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"vitest failed:\n{output[-8000:]}"
    assert " passed" in output and " failed" not in output, output[-4000:]
