"""The permission matrix through HTTP: every role of a shop against every route, and the README's table against
the code's. The services are one in-process gRPC server answering every RPC with an empty reply
(`answering_services.py`): this file proves the gateway's enforcement, so a permitted call gets the route's
documented success status and reaches the service with the shop as tenant, and a refused one is a 403 that no
service ever sees."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
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

from .answering_services import AnsweringServices
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
async def answering_services() -> AsyncIterator[AnsweringServices]:
    services = await AnsweringServices.start()
    yield services
    await services.stop()


@pytest.fixture
async def shop_gateway(gateway_factory: Callable[..., Any],
                       answering_services: AnsweringServices) -> httpx.AsyncClient:
    address = answering_services.address
    client: httpx.AsyncClient = await gateway_factory(
        rate_limit_api="100000/minute", rate_limit_bot_control="100000/minute", automation_grpc_addr=address,
        chatbot_grpc_addr=address, channel_adapter_grpc_addr=address, notification_grpc_addr=address)
    return client


def _email() -> str:
    return f"membro-{uuid.uuid4().hex[:8]}@loja.test"


# A valid minimal body per route that takes one (the walk fails on a route missing here). A callable builds a
# fresh one per call (an e-mail nobody has yet).
BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "POST /auth/users": lambda: {"json": {"email": _email(), "password": PASSWORD}},
    "PATCH /team/members/{user_id}": lambda: {"json": {"role": "viewer"}},
    "POST /team/invitations": lambda: {"json": {"email": _email(), "role": "agent"}},
    "POST /bot/tasks": lambda: {"json": {"task_type": "reply_reviews", "profile_id": "perfil-1"}},
    "POST /bot/profiles": lambda: {"json": {"name": "Loja", "login": "loja@tiktok.test", "password": "x"}},
    "POST /bot/profiles/{profile_id}/verify": lambda: {"json": {}},
    "POST /bot/start": lambda: {"json": {}},
    "POST /bot/stop": lambda: {"json": {}},
    "POST /bot/schedules": lambda: {"json": {"task_type": "reply_reviews", "profile_id": "perfil-1",
                                             "every_minutes": 60}},
    "POST /bot/profiles/{profile_id}/shop-authorization": lambda: {"json": {"auth_code": "codigo"}},
    "POST /seller-bot/message": lambda: {"json": {"contact_id": "whatsapp:5511999999999", "message": "oi"}},
    "POST /seller-bot/conversations/{conversation_id}/handoff": lambda: {"json": {}},
    "POST /seller-bot/conversations/{conversation_id}/convert": lambda: {"json": {}},
    "PATCH /seller-bot/config": lambda: {"json": {}},
    "POST /seller-bot/products": lambda: {"json": {"sku": "X-1", "name": "Produto X", "price": 49.9}},
    "POST /seller-bot/products/import": lambda: {"content": "sku,name,price\nX-1,Produto X,49.90\n",
                                                 "headers": {"Content-Type": "text/csv"}},
    "POST /seller-bot/contacts/import": lambda: {"content": "name,phone\nAna,11999990000\n",
                                                 "headers": {"Content-Type": "text/csv"}},
    "PATCH /seller-bot/contacts/{contact_id}": lambda: {"json": {}},
    "POST /seller-bot/contacts/{contact_id}/merge": lambda: {"json": {"other_id": DUMMY_ID}},
    "POST /seller-bot/orders": lambda: {"json": {"line_items": [{"sku": "X-1"}]}},
    "PATCH /seller-bot/orders/{order_id}": lambda: {"json": {}},
    "POST /seller-bot/conversations/{conversation_id}/messages": lambda: {"json": {"text": "oi"}},
    "POST /seller-bot/conversations/{conversation_id}/assign": lambda: {"json": {}},
    "POST /seller-bot/conversations/{conversation_id}/notes": lambda: {"json": {"text": "cliente vip"}},
    "POST /seller-bot/quick-replies": lambda: {"json": {"shortcut": "preco", "text": "Sai por {preco}"}},
    "PUT /seller-bot/quick-replies/{quick_reply_id}": lambda: {"json": {"shortcut": "preco", "text": "oi"}},
    "POST /seller-bot/channels": lambda: {"json": {"channel": "telegram", "account_key": "bot-1"}},
}


async def _new_member(gateway: httpx.AsyncClient, shop: Shop) -> str:
    return (await _invite(gateway, shop, accept=True))["user_id"]


async def _invite(gateway: httpx.AsyncClient, shop: Shop, accept: bool = False) -> dict[str, Any]:
    invited = await gateway.post("/team/invitations", json={"email": _email(), "role": "viewer"},
                                 headers=shop.headers(Role.OWNER))
    assert invited.status_code == 201, invited.text
    if not accept:
        return dict(invited.json())
    accepted = await gateway.post("/team/invitations/accept",
                                  json={"token": invited.json()["token"], "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text
    return dict(accepted.json())


# Routes whose target lives in the gateway's own database: a real one (fresh where the call consumes it).
TARGETS: dict[str, Callable[[httpx.AsyncClient, Shop], Awaitable[str]]] = {
    "PATCH /team/members/{user_id}": lambda gateway, shop: _viewer(shop),
    "DELETE /team/members/{user_id}": _new_member,
    "DELETE /team/invitations/{invitation_id}": lambda gateway, shop: _invitation_id(gateway, shop),
}


async def _viewer(shop: Shop) -> str:
    return shop.ids[Role.VIEWER]


async def _invitation_id(gateway: httpx.AsyncClient, shop: Shop) -> str:
    return str((await _invite(gateway, shop))["id"])


def documented_success(document: dict[str, Any], method: str, path: str) -> int:
    statuses = [int(s) for s in document["paths"][path][method.lower()]["responses"] if s.startswith("2")]
    assert len(statuses) == 1, (method, path, statuses)
    return statuses[0]


async def test_each_role_against_each_route_gets_the_documented_status(
    shop_gateway: httpx.AsyncClient, answering_services: AnsweringServices
) -> None:
    shop = await make_shop(shop_gateway)
    admin = {"Authorization": f"Bearer {token_for(admin_user_id(ADMIN_EMAIL))}"}
    document = (await shop_gateway.get("/openapi.json")).json()
    checked = 0
    for method, path, needed in routes():
        if method == "WS" or needed is None or needed == "member":
            continue
        route = f"{method} {path}"
        operation = document["paths"][path][method.lower()]
        assert "requestBody" not in operation or route in BODIES, f"no body for {route} in BODIES"
        success = documented_success(document, method, path)
        callers = [(role.value, shop.headers(role), needed != "platform_admin"
                    and Permission(needed) in ROLE_PERMISSIONS[role]) for role in Role]
        if needed == "platform_admin":
            callers.append(("platform admin", admin, True))
        for caller, headers, allowed in callers:
            target = await TARGETS[route](shop_gateway, shop) if route in TARGETS and allowed else DUMMY_ID
            body = BODIES.get(route, dict)()
            calls_before = len(answering_services.calls)
            response = await shop_gateway.request(method, re.sub(r"\{[^}]+\}", target, path),
                                                  headers=headers | body.pop("headers", {}), **body)
            reached = answering_services.calls[calls_before:]
            if allowed:
                assert response.status_code == success, (caller, route, response.text)
                expected_tenant = shop.ids[Role.OWNER] if caller != "platform admin" else ""
                assert all(call.tenant == expected_tenant for call in reached), (caller, route, reached)
                assert reached or not path.startswith(("/bot/", "/seller-bot/")), (caller, route, "no RPC")
            else:
                assert response.status_code == 403, (caller, route, response.text)
                assert response.headers["content-type"] == "application/json"
                body = response.json()
                assert body["error"] == "forbidden" and body["permission"] == needed, response.text
                assert not reached, (caller, route, "a refused call reached a service")
            checked += 1
    assert checked >= 4 * 70


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
