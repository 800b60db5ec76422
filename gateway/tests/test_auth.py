"""Authentication: login, refresh, users, and every way a token can be wrong."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from .conftest import ADMIN_EMAIL, login


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_login_returns_access_and_refresh_tokens_for_the_admin(gateway: httpx.AsyncClient) -> None:
    token = await login(gateway)
    me = await gateway.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == ADMIN_EMAIL
    assert me.json()["is_admin"] is True


async def test_wrong_password_is_401_json(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/auth/login", json={"email": ADMIN_EMAIL, "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


async def _seller(gateway: httpx.AsyncClient, password: str) -> str:
    email = f"vendedora-{uuid.uuid4().hex[:8]}@loja.test"
    created = await gateway.post("/auth/users", json={"email": email, "password": password},
                                 headers={"Authorization": f"Bearer {await login(gateway)}"})
    assert created.status_code == 201, created.text
    return email


async def test_failed_logins_lock_that_e_mail_from_every_client_until_the_window_has_room(
    gateway_factory: Callable[..., Any],
) -> None:
    first: httpx.AsyncClient = await gateway_factory(login_failure_limit="3/minute")
    other_client: httpx.AsyncClient = await gateway_factory(login_failure_limit="3/minute")
    email = await _seller(first, "senha-certa-123")
    for _ in range(3):
        wrong = await first.post("/auth/login", json={"email": email.upper(), "password": "chute"})
        assert wrong.status_code == 401, wrong.text
    for client in (first, other_client):  # per account: a fresh address does not buy new guesses
        locked = await client.post("/auth/login", json={"email": email, "password": "senha-certa-123"})
        assert locked.status_code == 429, locked.text
        assert 1 <= int(locked.headers["Retry-After"]) <= 60
        assert locked.json()["error"] == "rate_limited" and locked.json()["scope"] == "login_failures"
    # Another account from the same client is not locked.
    another = await _seller(first, "outra-senha-123")
    assert (await first.post("/auth/login", json={"email": another, "password": "outra-senha-123"})).status_code == 200


async def test_a_successful_login_clears_the_failures_before_it(gateway_factory: Callable[..., Any]) -> None:
    gateway: httpx.AsyncClient = await gateway_factory(login_failure_limit="3/minute")
    email = await _seller(gateway, "senha-certa-123")
    statuses = []
    for password in ("chute", "chute", "senha-certa-123", "chute", "chute", "senha-certa-123"):
        statuses.append((await gateway.post("/auth/login", json={"email": email, "password": password})).status_code)
    assert statuses == [401, 401, 200, 401, 401, 200]


async def test_protected_route_without_token_is_401(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/bot/tasks")
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "detail": "missing bearer token"}


async def test_token_signed_with_another_secret_is_rejected(gateway: httpx.AsyncClient) -> None:
    me = (await gateway.get("/auth/me", headers={"Authorization": f"Bearer {await login(gateway)}"})).json()
    forged = jwt.encode({"sub": me["id"], "type": "access", "iat": int(time.time()),
                         "exp": int(time.time()) + 600}, "another-secret-" + "y" * 32, algorithm="HS256")
    response = await gateway.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "signature" in response.json()["detail"].lower()


async def test_expired_token_is_rejected(gateway: httpx.AsyncClient) -> None:
    me = (await gateway.get("/auth/me", headers={"Authorization": f"Bearer {await login(gateway)}"})).json()
    expired = jwt.encode({"sub": me["id"], "type": "access", "iat": int(time.time()) - 1000,
                          "exp": int(time.time()) - 10}, "test-secret-" + "x" * 32, algorithm="HS256")
    response = await gateway.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "token expired"


async def test_alg_none_token_is_rejected(gateway: httpx.AsyncClient) -> None:
    me = (await gateway.get("/auth/me", headers={"Authorization": f"Bearer {await login(gateway)}"})).json()
    unsigned = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(
        {"sub": me["id"], "type": "access", "iat": int(time.time()), "exp": int(time.time()) + 600}) + "."
    response = await gateway.get("/auth/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


async def test_refresh_token_is_not_accepted_as_access_token(gateway: httpx.AsyncClient) -> None:
    pair = (await gateway.post("/auth/login", json={"email": ADMIN_EMAIL, "password": "admin-password-123"})).json()
    response = await gateway.get("/auth/me", headers={"Authorization": f"Bearer {pair['refresh_token']}"})
    assert response.status_code == 401
    refreshed = await gateway.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200
    assert (await gateway.get("/auth/me", headers={
        "Authorization": f"Bearer {refreshed.json()['access_token']}"})).status_code == 200


async def test_admin_creates_a_seller_who_can_log_in_but_not_create_users(gateway: httpx.AsyncClient) -> None:
    admin = {"Authorization": f"Bearer {await login(gateway)}"}
    email = f"seller-{uuid.uuid4().hex[:8]}@shop.com.br"
    created = await gateway.post("/auth/users", json={"email": email, "password": "loja-segura-1"}, headers=admin)
    assert created.status_code == 201
    assert created.json()["email"] == email
    again = await gateway.post("/auth/users", json={"email": email, "password": "loja-segura-1"}, headers=admin)
    assert again.status_code == 409
    seller = {"Authorization": f"Bearer {await login(gateway, email, 'loja-segura-1')}"}
    forbidden = await gateway.post("/auth/users", json={"email": "x" + email, "password": "12345678"}, headers=seller)
    assert forbidden.status_code == 403


async def test_the_first_admin_id_is_derived_from_admin_email(gateway: httpx.AsyncClient) -> None:
    from api_gateway.users.repository import admin_user_id

    me = (await gateway.get("/auth/me", headers={"Authorization": f"Bearer {await login(gateway)}"})).json()
    assert me["id"] == admin_user_id(ADMIN_EMAIL)
