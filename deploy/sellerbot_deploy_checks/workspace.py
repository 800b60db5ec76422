"""The uv workspace as the Dockerfiles need it: members, their folders and workspace dependencies."""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sellerbot_deploy_checks.processes import REPO_ROOT


@dataclass(frozen=True)
class Member:
    name: str
    folder: str  # relative to the repository root
    dependencies: frozenset[str]  # distribution names, extras and versions stripped


def root_pyproject(root: Path = REPO_ROOT) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((root / "pyproject.toml").read_text())


def members(root: Path = REPO_ROOT) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for pattern in root_pyproject(root)["tool"]["uv"]["workspace"]["members"]:
        for folder in sorted(root.glob(pattern)):
            pyproject = folder / "pyproject.toml"
            if not pyproject.is_file():
                continue
            project = tomllib.loads(pyproject.read_text())["project"]
            requirements = project.get("dependencies", [])
            deps = frozenset(re.split(r"[\s\[<>=!~;]", d, maxsplit=1)[0].lower() for d in requirements)
            found[project["name"]] = Member(project["name"], str(folder.relative_to(root)), deps)
    return found


def closure(package: str, root: Path = REPO_ROOT) -> set[str]:
    """`package` and every workspace member it depends on, transitively."""
    all_members = members(root)
    todo, seen = [package], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(d for d in all_members[name].dependencies if d in all_members)
    return seen


def pinned_dev_tool(tool: str, root: Path = REPO_ROOT) -> str:
    """The `==` version of a root dev-group tool, e.g. grpcio-tools."""
    for requirement in root_pyproject(root)["dependency-groups"]["dev"]:
        name, _, version = requirement.partition("==")
        if name.strip() == tool:
            return version.strip()
    raise LookupError(f"{tool} is not pinned with == in the root dev group")


def uv_binary() -> str:
    """uv as `make` installs it: on PATH, or in ~/.local/bin."""
    found = shutil.which("uv") or shutil.which("uv", path=str(Path.home() / ".local" / "bin"))
    if found is None:
        raise FileNotFoundError("uv is not installed: run `make install`")
    return found
