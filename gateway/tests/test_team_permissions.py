"""The permission matrix through HTTP: every role of a shop against every route, and the README's table against
the code's. Services are not running, so an allowed call ends in 404/409/422/503; what matters is 403 or not."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_gateway.api.main import api_router
from api_gateway.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from api_gateway.auth.tokens import TokenIssuer, TokenKind
from api_gateway.users.repository import admin_user_id
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute

from .conftest import ADMIN_EMAIL, JWT_SECRET

README = Path(__file__).resolve().parents[2] / "README.md"
DUMMY_ID = "00000000-0000-4000-8000-000000000000"
PASSWORD = "senha-da-equipe-1"
TOKENS = TokenIssuer(JWT_SECRET, access_ttl=timedelta(minutes=15), refresh_ttl=timedelta(days=1))
# Routes anyone may call; any other route must declare a permission (or be /auth/me or /auth/users).
PUBLIC = {("POST", "/auth/login"), ("POST", "/auth/refresh"), ("POST", "/team/invitations/accept"),
          ("GET", "/seller-bot/health"), ("GET", "/metrics"), ("GET", "/livez"), ("GET", "/readyz")}


def _calls(dependant: Dependant) -> list[Any]:
    """Every dependency a route resolves, nested ones included."""
    calls = []
    for dependency in dependant.dependencies:
        calls += [dependency.call, *_calls(dependency)]
    return calls


def _requirement(dependant: Dependant) -> str | None:
    """The permission a route declares through `require(...)`, `platform_admin`, `member` (any member: the
    route only needs a login), or None (public)."""
    calls = _calls(dependant)
    names = {getattr(call, "__name__", "") for call in calls}
    declared = [str(call.permission) for call in calls if hasattr(call, "permission")]
    assert len(set(declared)) <= 1, f"several permissions: {declared}"
    if declared:
        return declared[0]
    if "platform_admin" in names:
        return "platform_admin"
    return "member" if "current_user" in names else None


def _leaf_routes(router: Any) -> list[Any]:
    """FastAPI keeps an included router as one entry (`original_router`) and builds its routes lazily."""
    leaves = []
    for route in router.routes:
        leaves += _leaf_routes(route.original_router) if hasattr(route, "original_router") else [route]
    return leaves


def routes() -> list[tuple[str, str, str | None]]:
    found = []
    for route in _leaf_routes(api_router):
        if isinstance(route, APIRoute):
            found += [(method, route.path, _requirement(route.dependant)) for method in sorted(route.methods)]
        elif isinstance(route, APIWebSocketRoute):
            found.append(("WS", route.path, Permission.WATCH_LIVE_EVENTS.value))
    return found


def readme_matrix() -> dict[str, tuple[set[Role], set[str]]]:
    """`| \\`permission\\` | owner | admin | agent | viewer | routes |` rows of the README's permission table."""
    text = README.read_text()
    section = text[text.index("### Teams and roles"):]
    rows: dict[str, tuple[set[Role], set[str]]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not re.fullmatch(r"`[a-z_]+`", cells[0]):
            continue
        roles = {role for role, cell in zip(Role, cells[1:5], strict=True) if cell == "✓"}
        paths = set(re.findall(r"`((?:GET|POST|PATCH|PUT|DELETE|WS) [^`]+)`", cells[5]))
        rows[cells[0].strip("`")] = (roles, paths)
    return rows


def test_readme_matrix_is_the_code_table() -> None:
    documented = readme_matrix()
    assert set(documented) == {p.value for p in Permission}
    for permission in Permission:
        roles = {role for role in Role if permission in ROLE_PERMISSIONS[role]}
        assert documented[permission.value][0] == roles, permission


def test_readme_names_the_permission_of_every_route() -> None:
    documented = {route: permission for permission, (_, paths) in readme_matrix().items() for route in paths}
    declared = {f"{method} {path}": needed for method, path, needed in routes()
                if needed in {p.value for p in Permission}}
    assert documented == declared


def test_every_route_declares_a_permission_or_is_public() -> None:
    unchecked = {(method, path) for method, path, needed in routes() if needed is None}
    assert unchecked <= PUBLIC, f"routes without a permission: {unchecked - PUBLIC}"
    login_only = {(method, path) for method, path, needed in routes() if needed == "member"}
    assert login_only == {("GET", "/auth/me")}, f"routes needing a login but no permission: {login_only}"


@dataclass
class Shop:
    tokens: dict[Role, str]
    ids: dict[Role, str]
    owner_email: str

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def token_for(user_id: str) -> str:
    """An access token as /auth/login issues it, without paying for an Argon2 check per member (login has its own
    tests in test_auth.py)."""
    return TOKENS.issue(user_id, TokenKind.ACCESS)


async def make_shop(gateway: httpx.AsyncClient) -> Shop:
    """A seller created by the platform admin, who invites one member of each other role."""
    admin = {"Authorization": f"Bearer {token_for(admin_user_id(ADMIN_EMAIL))}"}
    owner_email = f"dona-{uuid.uuid4().hex[:8]}@loja.test"
    created = await gateway.post("/auth/users", json={"email": owner_email, "password": PASSWORD}, headers=admin)
    assert created.status_code == 201, created.text
    tokens = {Role.OWNER: token_for(created.json()["id"])}
    ids = {Role.OWNER: created.json()["id"]}
    for role in (Role.ADMIN, Role.AGENT, Role.VIEWER):
        email = f"{role}-{uuid.uuid4().hex[:8]}@loja.test"
        invited = await gateway.post("/team/invitations", json={"email": email, "role": role},
                                     headers={"Authorization": f"Bearer {tokens[Role.OWNER]}"})
        assert invited.status_code == 201, invited.text
        accepted = await gateway.post("/team/invitations/accept",
                                      json={"token": invited.json()["token"], "password": PASSWORD})
        assert accepted.status_code == 201, accepted.text
        ids[role] = accepted.json()["user_id"]
        tokens[role] = token_for(ids[role])
    return Shop(tokens, ids, owner_email)


@pytest.fixture
async def shop_gateway(gateway_factory: Callable[..., Any]) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_api="100000/minute",
                                                      rate_limit_bot_control="100000/minute")
    return client


async def test_each_role_against_each_route_gets_the_documented_status(shop_gateway: httpx.AsyncClient) -> None:
    shop = await make_shop(shop_gateway)
    checked = 0
    for method, path, needed in routes():
        if method == "WS" or needed is None or needed == "member":
            continue
        url = re.sub(r"\{[^}]+\}", DUMMY_ID, path)
        for role in Role:
            response = await shop_gateway.request(method, url, headers=shop.headers(role),
                                                  json={} if method in {"POST", "PATCH", "PUT"} else None)
            allowed = needed != "platform_admin" and Permission(needed) in ROLE_PERMISSIONS[role]
            if allowed:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.text)
                assert response.json()["permission"] == needed, response.text
            checked += 1
    assert checked >= 4 * 40


async def test_me_tells_each_member_their_shop_role_and_permissions(shop_gateway: httpx.AsyncClient) -> None:
    shop = await make_shop(shop_gateway)
    for role in Role:
        me = (await shop_gateway.get("/auth/me", headers=shop.headers(role))).json()
        assert me["shop_id"] == shop.ids[Role.OWNER]
        assert me["role"] == role
        assert set(me["permissions"]) == {p.value for p in ROLE_PERMISSIONS[role]}
        assert me["is_admin"] is False


async def test_forbidden_body_names_the_missing_permission(shop_gateway: httpx.AsyncClient) -> None:
    shop = await make_shop(shop_gateway)
    response = await shop_gateway.patch("/seller-bot/config", json={}, headers=shop.headers(Role.AGENT))
    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "permission": "edit_config",
                               "detail": "the agent role does not have the edit_config permission"}
