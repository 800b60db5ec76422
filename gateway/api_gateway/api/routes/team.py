"""/team: a shop's members and their roles, and one-time invitations (accepted without a login)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, Field

from api_gateway.api.deps import CanManageMembers, CanReadMembers, State, api_rate_limit
from api_gateway.api.errors import error_body
from api_gateway.api.routes.auth import EMAIL_PATTERN
from api_gateway.auth.permissions import Role
from api_gateway.users.repository import EmailAlreadyRegistered, Member
from api_gateway.users.team import (
    InvitationNotFound,
    InvitationStatus,
    InvitationUnusable,
    InvitationView,
    LastOwner,
    MemberNotFound,
    MissingPermission,
    TeamError,
)

router = APIRouter(prefix="/team", tags=["team"], dependencies=[Depends(api_rate_limit)])

Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class MemberOut(BaseModel):
    user_id: str
    email: str
    role: Role
    joined_at: datetime | None

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(user_id=member.user_id, email=member.email, role=member.role, joined_at=member.joined_at)


class RoleChange(BaseModel):
    role: Role


class InvitationIn(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    role: Role = Role.AGENT


class InvitationOut(BaseModel):
    id: str
    email: str
    role: Role
    invited_by: str
    created_at: datetime
    expires_at: datetime
    status: InvitationStatus

    @classmethod
    def of(cls, view: InvitationView) -> InvitationOut:
        return cls(id=view.id, email=view.email, role=view.role, invited_by=view.invited_by,
                   created_at=view.created_at, expires_at=view.expires_at, status=view.status)


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


def _refused(exc: TeamError) -> HTTPException:
    status, error = _STATUS[type(exc)]
    extra = {"permission": exc.permission.value} if isinstance(exc, MissingPermission) else {}
    return HTTPException(status, error_body(error, str(exc), **extra))


@router.get("/members", response_model=list[MemberOut], summary="The shop's members and their roles")
async def list_members(state: State, user: CanReadMembers) -> list[MemberOut]:
    return [MemberOut.of(m) for m in await state.team.members(user.shop_id)]


@router.patch("/members/{user_id}", response_model=MemberOut,
              summary="Change a member's role (only an owner makes, demotes or removes owners)")
async def change_role(user_id: Id, body: RoleChange, state: State, user: CanManageMembers) -> MemberOut:
    try:
        return MemberOut.of(await state.team.change_role(user, user_id, body.role))
    except TeamError as exc:
        raise _refused(exc) from exc


@router.delete("/members/{user_id}", status_code=204, summary="Remove a member (their account goes too)")
async def remove_member(user_id: Id, state: State, user: CanManageMembers) -> None:
    try:
        await state.team.remove(user, user_id)
    except TeamError as exc:
        raise _refused(exc) from exc


@router.post("/invitations", response_model=CreatedInvitationOut, status_code=201,
             summary="Invite someone by e-mail with a role; the one-time token is returned only here")
async def invite(body: InvitationIn, state: State, user: CanManageMembers) -> CreatedInvitationOut:
    if await state.users.by_email(body.email) is not None:
        raise HTTPException(409, error_body("conflict", f"{body.email} already has an account"))
    ttl = timedelta(hours=state.settings.invitation_ttl_hours)
    try:
        view, token = await state.team.invite(user, body.email, body.role, ttl)
    except TeamError as exc:
        raise _refused(exc) from exc
    return CreatedInvitationOut(**InvitationOut.of(view).model_dump(), token=token,
                                accept_path=f"/#/accept-invitation?token={token}")


@router.get("/invitations", response_model=list[InvitationOut], summary="The shop's invitations, newest first")
async def list_invitations(state: State, user: CanManageMembers) -> list[InvitationOut]:
    return [InvitationOut.of(v) for v in await state.team.invitations(user.shop_id)]


@router.delete("/invitations/{invitation_id}", status_code=204, summary="Revoke an invitation")
async def revoke_invitation(invitation_id: Id, state: State, user: CanManageMembers) -> None:
    try:
        await state.team.revoke(user, invitation_id)
    except TeamError as exc:
        raise _refused(exc) from exc


@router.post("/invitations/accept", response_model=MemberOut, status_code=201,
             summary="Accept an invitation (no login): creates the account in the inviting shop")
async def accept_invitation(body: AcceptIn, state: State) -> MemberOut:
    try:
        return MemberOut.of(await state.team.accept(body.token, body.password))
    except TeamError as exc:
        raise _refused(exc) from exc
    except EmailAlreadyRegistered as exc:
        raise HTTPException(409, error_body("conflict", "that e-mail already has an account")) from exc
