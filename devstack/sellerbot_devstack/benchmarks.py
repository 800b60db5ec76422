"""`make bench`: run every benchmark script and assemble docs/benchmarks.md with the machine and commands."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def _machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 1024**2:.0f} GiB RAM"
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def run_all(root: Path) -> int:
    paths = sorted(root.glob("services/*/benchmarks/run.py")) + sorted(root.glob("gateway/benchmarks/run.py"))
    scripts: list[tuple[Path, list[str]]] = [(path, []) for path in paths]
    # The whole `make run` stack end to end (webhook in, reply out), after the per-service benchmarks: as plain
    # `make run` gives it (SQLite), then with every service on PostgreSQL (DATABASE_URL set).
    for stack in sorted(root.glob("services/chatbot/benchmarks/stack.py")):
        scripts += [(stack, []), (stack, ["--database", "postgresql"])]
    # The CRM on PostgreSQL: contact search over 100,000 contacts, the CSV export's memory.
    scripts += [(path, []) for path in sorted(root.glob("services/chatbot/benchmarks/crm.py"))]
    # The dashboard's inbox: live latency of a buyer message, JS heap with 10,000 conversations (Chromium).
    scripts += [(path, []) for path in sorted(root.glob("frontend/benchmarks/inbox.py"))]
    sections_dir = root / "docs" / "benchmarks"
    sections_dir.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for script, arguments in scripts:
        name = script.parent.parent.name if script.stem == "run" else f"{script.parent.parent.name} {script.stem}"
        name = " ".join([name, *arguments])
        print(f"== benchmark: {name} ({script.relative_to(root)})", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script), *arguments], cwd=root, check=False)
        print(f"== {name}: exit {result.returncode} in {time.monotonic() - started:.0f}s", flush=True)
        if result.returncode != 0:
            failures.append(name)
    assemble(root)
    print(f"wrote docs/benchmarks.md ({len(scripts)} scripts, failed: {failures or 'none'})")
    return 1 if failures else 0


def assemble(root: Path, ran_every_script: bool = True) -> None:
    """docs/benchmarks.md = the machine, the command, and every section the scripts wrote."""
    sections_dir = root / "docs" / "benchmarks"
    how = ("by `make bench`, which runs every benchmark script and collects the sections below" if ran_every_script
           else "by `python -m sellerbot_devstack assemble-benchmarks` from the sections the scripts last wrote "
                "(each run by hand at its own time)")
    parts = [
        "# Benchmarks\n",
        f"Machine: {_machine()}.  ",
        f"Assembled {datetime.now(UTC):%Y-%m-%d %H:%M} UTC {how}; each section names its own script "
        "and the machine load during its run (the machine is shared: compare loads before comparing runs).\n",
        "Goals come from the issues; every number below was measured by the script named in its section.\n",
    ]
    for section in sorted(sections_dir.glob("*.md")):
        parts.append(section.read_text().strip() + "\n")
    (root / "docs" / "benchmarks.md").write_text("\n".join(parts))
