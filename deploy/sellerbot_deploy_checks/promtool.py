"""Find promtool, or extract it once from Debian's `prometheus` package into a cache (nothing is installed).

`apt-get download` fetches the .deb into a scratch folder and `dpkg-deb -x` unpacks it: no daemon, no
system change. Set PROMTOOL to use a promtool you already have.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sellerbot-deploy" / "prometheus"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


def _download_deb(workdir: Path) -> Path:
    result = _run("apt-get", "download", "prometheus", cwd=workdir)
    if result.returncode != 0:  # an empty or stale package list: refresh it once and retry
        _run("apt-get", "update", "-qq", cwd=workdir)
        result = _run("apt-get", "download", "prometheus", cwd=workdir)
    debs = sorted(workdir.glob("prometheus_*.deb"))
    if result.returncode != 0 or not debs:
        raise RuntimeError(f"apt-get download prometheus failed: {result.stderr.strip()}")
    return debs[0]


def ensure_promtool(cache_dir: Path = CACHE_DIR) -> Path:
    """The path of a working promtool binary."""
    configured = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if configured:
        return Path(configured)
    binary = cache_dir / "usr" / "bin" / "promtool"
    if binary.is_file():
        return binary
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        deb = _download_deb(workdir)
        unpacked = workdir / "root"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True, timeout=300)  # noqa: S603, S607
        binary.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(unpacked / "usr" / "bin" / "promtool", binary)
    return binary
