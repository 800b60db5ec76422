"""docker-compose.yml read the way `docker compose config` reads it: YAML anchors/merge keys, then
`${VAR}`, `${VAR:-default}` and `${VAR:?error}` interpolated from an env file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sellerbot_deploy_checks.processes import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / "deploy" / "compose.env.example"
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}")


class MissingVariable(LookupError):
    pass


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def required_variables(text: str) -> set[str]:
    return {m.group(1) for m in _VARIABLE.finditer(text) if m.group(2) == ":?"}


def interpolate(text: str, env: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        value = env.get(name, "")
        if value:
            return value
        if operator == ":?":
            raise MissingVariable(f"{name}: {argument}")
        return argument if operator == ":-" else ""

    return _VARIABLE.sub(replace, text)


def _interpolate_values(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {key: _interpolate_values(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate_values(item, env) for item in node]
    return node


def load(env: dict[str, str] | None = None, path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The compose model; with `env`, string values are interpolated (compose does it after parsing)."""
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return _interpolate_values(data, env) if env is not None else data  # type: ignore[no-any-return]
