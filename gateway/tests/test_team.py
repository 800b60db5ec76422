"""Team management through HTTP: invitations that work once, the owner rules, removal; and the migration that
gave every existing user a shop of their own with the same id."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from api_gateway.main import MIGRATIONS
from api_gateway.users.tables import Invitation
from sellerbot_database import create_engine, session_factory
from sellerbot_database.migrations import run_migrations
from sellerbot_devstack.pytest_plugin import admin_statement

from .conftest import login
from .test_team_permissions import PASSWORD, Shop, make_shop


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def team_gateway(gateway_factory: Callable[..., Any]) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_api="100000/minute")
    return client


@pytest.fixture
async def shop(team_gateway: httpx.AsyncClient) -> Shop:
    return await make_shop(team_gateway)


async def _invite(gateway: httpx.AsyncClient, shop: Shop, role: str, by: str = "owner") -> httpx.Response:
    email = f"novo-{uuid.uuid4().hex[:8]}@loja.test"
    return await gateway.post("/team/invitations", json={"email": email, "role": role},
                              headers=shop.headers(by))


async def test_members_list_every_role_of_the_shop(team_gateway: httpx.AsyncClient, shop: Shop) -> None:
    listed = await team_gateway.get("/team/members", headers=shop.headers("viewer"))
    assert listed.status_code == 200
    assert {m["user_id"]: m["role"] for m in listed.json()} == {shop.ids[r]: r.value for r in shop.ids}


async def test_an_invitation_token_works_once(team_gateway: httpx.AsyncClient, shop: Shop) -> None:
    invited = await _invite(team_gateway, shop, "agent")
    token = invited.json()["token"]
    assert invited.json()["accept_path"].endswith(token)
    first = await team_gateway.post("/team/invitations/accept", json={"token": token, "password": PASSWORD})
    assert first.status_code == 201
    again = await team_gateway.post("/team/invitations/accept", json={"token": token, "password": PASSWORD})
    assert again.status_code == 410
    assert again.json() == {"error": "invitation_unusable", "detail": "invitation already used"}
    listed = (await team_gateway.get("/team/invitations", headers=shop.headers("owner"))).json()
    assert "token" not in listed[0] and listed[0]["status"] == "accepted"


async def test_unknown_and_expired_invitations_are_refused(
    team_gateway: httpx.AsyncClient, shop: Shop, postgres_url: str
) -> None:
    unknown = await team_gateway.post("/team/invitations/accept", json={"token": "x" * 43, "password": PASSWORD})
    assert unknown.status_code == 410 and unknown.json()["detail"] == "invitation unknown"
    invited = await _invite(team_gateway, shop, "viewer")
    engine = create_engine(postgres_url)
    async with session_factory(engine).begin() as session:
        await session.execute(sa.update(Invitation).where(Invitation.id == invited.json()["id"])
                              .values(expires_at=sa.func.now() - sa.text("interval '1 minute'")))
    await engine.dispose()
    expired = await team_gateway.post("/team/invitations/accept",
                                      json={"token": invited.json()["token"], "password": PASSWORD})
    assert expired.status_code == 410 and expired.json()["detail"] == "invitation expired"
    malformed = await team_gateway.post("/team/invitations/accept", json={"token": "short", "password": "1"})
    assert malformed.status_code == 422


async def test_a_revoked_invitation_cannot_be_accepted(team_gateway: httpx.AsyncClient, shop: Shop) -> None:
    invited = (await _invite(team_gateway, shop, "agent", by="admin")).json()
    revoked = await team_gateway.delete(f"/team/invitations/{invited['id']}", headers=shop.headers("admin"))
    assert revoked.status_code == 204
    accepted = await team_gateway.post("/team/invitations/accept",
                                       json={"token": invited["token"], "password": PASSWORD})
    assert accepted.status_code == 410


async def test_an_admin_cannot_make_or_touch_owners(team_gateway: httpx.AsyncClient, shop: Shop) -> None:
    as_admin = shop.headers("admin")
    invite_owner = await _invite(team_gateway, shop, "owner", by="admin")
    assert invite_owner.status_code == 403 and invite_owner.json()["permission"] == "manage_owners"
    promote = await team_gateway.patch(f"/team/members/{shop.ids['agent']}", json={"role": "owner"},
                                       headers=as_admin)
    assert promote.status_code == 403 and promote.json()["permission"] == "manage_owners"
    demote = await team_gateway.patch(f"/team/members/{shop.ids['owner']}", json={"role": "viewer"},
                                      headers=as_admin)
    assert demote.status_code == 403
    remove = await team_gateway.delete(f"/team/members/{shop.ids['owner']}", headers=as_admin)
    assert remove.status_code == 403
    allowed = await team_gateway.patch(f"/team/members/{shop.ids['agent']}", json={"role": "viewer"},
                                       headers=as_admin)
    assert allowed.status_code == 200 and allowed.json()["role"] == "viewer"


async def test_the_last_owner_stays_until_ownership_is_transferred(
    team_gateway: httpx.AsyncClient, shop: Shop
) -> None:
    as_owner = shop.headers("owner")
    owner_id, admin_id = shop.ids["owner"], shop.ids["admin"]
    step_down = await team_gateway.patch(f"/team/members/{owner_id}", json={"role": "admin"}, headers=as_owner)
    assert step_down.status_code == 409
    leave = await team_gateway.delete(f"/team/members/{owner_id}", headers=as_owner)
    assert leave.status_code == 409
    promoted = await team_gateway.patch(f"/team/members/{admin_id}", json={"role": "owner"}, headers=as_owner)
    assert promoted.status_code == 200
    stepped_down = await team_gateway.patch(f"/team/members/{owner_id}", json={"role": "admin"}, headers=as_owner)
    assert stepped_down.status_code == 200
    me = (await team_gateway.get("/auth/me", headers=as_owner)).json()
    assert me["role"] == "admin" and me["shop_id"] == owner_id


async def test_a_removed_member_is_logged_out_and_another_shop_is_out_of_reach(
    team_gateway: httpx.AsyncClient, shop: Shop
) -> None:
    other = await make_shop(team_gateway)
    foreign = await team_gateway.delete(f"/team/members/{other.ids['agent']}", headers=shop.headers("owner"))
    assert foreign.status_code == 404
    foreign_role = await team_gateway.patch(f"/team/members/{other.ids['agent']}", json={"role": "admin"},
                                            headers=shop.headers("owner"))
    assert foreign_role.status_code == 404
    removed = await team_gateway.delete(f"/team/members/{shop.ids['agent']}", headers=shop.headers("admin"))
    assert removed.status_code == 204
    gone = await team_gateway.get("/auth/me", headers=shop.headers("agent"))
    assert gone.status_code == 401
    members = (await team_gateway.get("/team/members", headers=shop.headers("owner"))).json()
    assert shop.ids["agent"] not in {m["user_id"] for m in members}


async def test_inviting_a_registered_email_is_a_conflict(team_gateway: httpx.AsyncClient, shop: Shop) -> None:
    taken = await team_gateway.post("/team/invitations", json={"email": shop.owner_email, "role": "agent"},
                                    headers=shop.headers("owner"))
    assert taken.status_code == 409
    bad = await team_gateway.post("/team/invitations", json={"email": "not-an-email", "role": "chef"},
                                  headers=shop.headers("owner"))
    assert bad.status_code == 422


async def test_existing_users_become_owners_of_a_shop_with_their_own_id(servers: Any, postgres_url: str) -> None:
    name = f"sellerbot_mig_{uuid.uuid4().hex[:10]}"
    await admin_statement(servers.postgres_url, f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    try:
        await _upgrade(engine, "0001")
        async with engine.begin() as connection:
            await connection.execute(sa.text(
                "INSERT INTO gateway_users (id, email, password_hash, is_admin, created_at) "
                "VALUES ('seller-1', 'loja@antiga.test', 'x', false, now())"))
        await _upgrade(engine, "head")
        async with engine.connect() as connection:
            rows = (await connection.execute(sa.text(
                "SELECT m.user_id, m.shop_id, m.role, s.id FROM gateway_memberships m "
                "JOIN gateway_shops s ON s.id = m.shop_id"))).all()
        assert [tuple(r) for r in rows] == [("seller-1", "seller-1", "owner", "seller-1")]
    finally:
        await engine.dispose()
        await admin_statement(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _upgrade(engine: Any, revision: str) -> None:
    if revision == "head":
        await run_migrations(engine, MIGRATIONS, "alembic_version_gateway")
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["version_table"] = "alembic_version_gateway"

    def upgrade(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


async def test_platform_admin_login_still_works(team_gateway: httpx.AsyncClient) -> None:
    me = (await team_gateway.get("/auth/me", headers=bearer(await login(team_gateway)))).json()
    assert me["is_admin"] is True and me["role"] == "owner" and me["shop_id"] == me["id"]


async def test_two_owners_stepping_down_at_once_leave_one_owner(team_gateway: httpx.AsyncClient, shop: Shop) -> None:
    owner, second = shop.ids["owner"], shop.ids["admin"]
    promoted = await team_gateway.patch(f"/team/members/{second}", json={"role": "owner"},
                                        headers=shop.headers("owner"))
    assert promoted.status_code == 200
    first_steps_down, second_steps_down = await asyncio.gather(
        team_gateway.patch(f"/team/members/{owner}", json={"role": "admin"}, headers=shop.headers("admin")),
        team_gateway.patch(f"/team/members/{second}", json={"role": "admin"}, headers=shop.headers("owner")))
    # The loser is refused as the last owner (409), or as no longer an owner at all if the winner's commit came
    # before its own role was read (403); never a server error, never a shop without an owner.
    statuses = sorted([first_steps_down.status_code, second_steps_down.status_code])
    assert statuses in ([200, 403], [200, 409]), (first_steps_down.text, second_steps_down.text)
    members = (await team_gateway.get("/team/members", headers=shop.headers("viewer"))).json()
    assert [m["role"] for m in members].count("owner") == 1
