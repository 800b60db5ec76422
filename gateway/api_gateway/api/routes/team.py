"""/team: a shop's members and their roles, and one-time invitations (accepted without a login)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field

from api_gateway.api.deps import CanManageMembers, CanReadMembers, State, api_rate_limit
from api_gateway.api.errors import error_body
from api_gateway.api.routes.auth import EMAIL_PATTERN
from api_gateway.auth.permissions import Role
from api_gateway.users.repository import EmailAlreadyRegistered
from api_gateway.users.team import (
    InvitationNotFound,
    InvitationStatus,
    InvitationUnusable,
    LastOwner,
    MemberNotFound,
    MissingPermission,
    TeamError,
)

T = TypeVar("T")
router = APIRouter(prefix="/team", tags=["team"], dependencies=[Depends(api_rate_limit)])

Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from users.repository.Member

    user_id: str
    email: str
    role: Role
    joined_at: datetime | None


class RoleChange(BaseModel):
    role: Role


class InvitationIn(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    role: Role = Role.AGENT


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from users.team.InvitationView

    id: str
    email: str
    role: Role
    invited_by: str
    created_at: datetime
    expires_at: datetime
    status: InvitationStatus


class CreatedInvitationOut(InvitationOut):
    token: str = Field(description="Shown once: the invitee sends it to POST /team/invitations/accept")
    accept_path: str = Field(description="The dashboard page that accepts it (append to the dashboard's URL)")


class AcceptIn(BaseModel):
    token: str = Field(min_length=20, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    password: str = Field(min_length=8, max_length=256)


_STATUS: dict[type[TeamError], tuple[int, str]] = {
    MissingPermission: (403, "forbidden"),
    LastOwner: (409, "conflict"),
    MemberNotFound: (404, "not_found"),
    InvitationNotFound: (404, "not_found"),
    InvitationUnusable: (410, "invitation_unusable"),
}


async def _team_change(change: Awaitable[T]) -> T:
    """Runs a team change; a refused one becomes its HTTP error (403 names the missing permission)."""
    try:
        return await change
    except TeamError as exc:
        status, error = _STATUS[type(exc)]
        extra = {"permission": exc.permission.value} if isinstance(exc, MissingPermission) else {}
        raise HTTPException(status, error_body(error, str(exc), **extra)) from exc


@router.get("/members", response_model=list[MemberOut], summary="The shop's members and their roles")
async def list_members(state: State, user: CanReadMembers) -> list[MemberOut]:
    return [MemberOut.model_validate(m) for m in await state.team.members(user.shop_id)]


@router.patch("/members/{user_id}", response_model=MemberOut,
              summary="Change a member's role (only an owner makes, demotes or removes owners)")
async def change_role(user_id: Id, body: RoleChange, state: State, user: CanManageMembers) -> MemberOut:
    return MemberOut.model_validate(await _team_change(state.team.change_role(user, user_id, body.role)))


@router.delete("/members/{user_id}", status_code=204, summary="Remove a member (their account goes too)")
async def remove_member(user_id: Id, state: State, user: CanManageMembers) -> None:
    await _team_change(state.team.remove(user, user_id))


@router.post("/invitations", response_model=CreatedInvitationOut, status_code=201,
             summary="Invite someone by e-mail with a role; the one-time token is returned only here")
async def invite(body: InvitationIn, state: State, user: CanManageMembers) -> CreatedInvitationOut:
    if await state.users.by_email(body.email) is not None:
        raise HTTPException(409, error_body("conflict", f"{body.email} already has an account"))
    ttl = timedelta(hours=state.settings.invitation_ttl_hours)
    view, token = await _team_change(state.team.invite(user, body.email, body.role, ttl))
    return CreatedInvitationOut(**InvitationOut.model_validate(view).model_dump(), token=token,
                                accept_path=f"/#/accept-invitation?token={token}")


@router.get("/invitations", response_model=list[InvitationOut], summary="The shop's invitations, newest first")
async def list_invitations(state: State, user: CanManageMembers) -> list[InvitationOut]:
    return [InvitationOut.model_validate(v) for v in await state.team.invitations(user.shop_id)]


@router.delete("/invitations/{invitation_id}", status_code=204, summary="Revoke an invitation")
async def revoke_invitation(invitation_id: Id, state: State, user: CanManageMembers) -> None:
    await _team_change(state.team.revoke(user, invitation_id))


@router.post("/invitations/accept", response_model=MemberOut, status_code=201,
             summary="Accept an invitation (no login): creates the account in the inviting shop",
             responses={410: {"description": "The invitation is unknown, used, revoked or expired"}})
async def accept_invitation(body: AcceptIn, state: State) -> MemberOut:
    try:
        return MemberOut.model_validate(await _team_change(state.team.accept(body.token, body.password)))
    except EmailAlreadyRegistered as exc:
        raise HTTPException(409, error_body("conflict", "that e-mail already has an account")) from exc
