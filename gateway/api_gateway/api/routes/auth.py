"""/auth: login, token refresh, the current user with their shop and role, and sellers created by a platform admin."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api_gateway.api.deps import PlatformAdmin, State, User, api_rate_limit, unauthorized
from api_gateway.api.errors import error_body
from api_gateway.auth.passwords import verify_password
from api_gateway.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from api_gateway.auth.tokens import InvalidToken, TokenKind
from api_gateway.users.repository import EmailAlreadyRegistered, Member

router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[Depends(api_rate_limit)])


EMAIL_PATTERN = r"^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+$"  # ASCII spaces: ECMA's and Rust's \s differ on Unicode ones


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Access token lifetime in seconds")


class UserOut(BaseModel):
    id: str
    email: str
    is_admin: bool = Field(default=False, description="Platform admin (creates sellers); not a shop role")
    shop_id: str = Field(description="The shop (tenant) the user belongs to")
    role: Role = Field(description="The user's role in that shop (see the permission matrix)")
    permissions: list[Permission] = Field(description="What that role may do (the dashboard hides the rest)")

    @classmethod
    def of(cls, member: Member) -> UserOut:
        return cls(id=member.user_id, email=member.email, is_admin=member.is_admin, shop_id=member.shop_id,
                   role=member.role, permissions=sorted(ROLE_PERMISSIONS[member.role]))


class CreateUserRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=8, max_length=256)


def _pair(state: State, user_id: str) -> TokenPair:
    return TokenPair(
        access_token=state.tokens.issue(user_id, TokenKind.ACCESS),
        refresh_token=state.tokens.issue(user_id, TokenKind.REFRESH),
        expires_in=int(state.tokens.access_ttl.total_seconds()),
    )


def _account_key(email: str) -> str:
    """The lockout's key: the e-mail as the user table compares it, hashed so Redis never holds addresses."""
    return hashlib.sha256(email.lower().encode()).hexdigest()


@router.post("/login", response_model=TokenPair, summary="Exchange e-mail and password for tokens",
             description="After LOGIN_FAILURE_LIMIT failures for one e-mail (default 5 per 15 minutes, from any "
             "client) its logins are refused with 429 and Retry-After, the right password included, until the "
             "window has room; a successful login clears the count. Unknown e-mails are counted alike.")
async def login(body: LoginRequest, state: State) -> TokenPair:
    account = _account_key(body.email)
    await state.limiter.refuse_when_full(state.limits.login_failures, account)
    user = await state.users.by_email(body.email)
    if user is None or not verify_password(body.password, user.password_hash):
        await state.limiter.count(state.limits.login_failures, account)
        raise unauthorized("incorrect e-mail or password")
    await state.limiter.forget(state.limits.login_failures, account)
    return _pair(state, user.id)


@router.post("/refresh", response_model=TokenPair, summary="Exchange a refresh token for a new pair")
async def refresh(body: RefreshRequest, state: State) -> TokenPair:
    try:
        claims = state.tokens.verify(body.refresh_token, TokenKind.REFRESH)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from exc
    if await state.users.by_id(claims.user_id) is None:
        raise unauthorized("user no longer exists")
    return _pair(state, claims.user_id)


@router.get("/me", response_model=UserOut, summary="The authenticated user, their shop, role and permissions")
async def me(user: User) -> UserOut:
    return UserOut.of(user)


@router.post("/users", response_model=UserOut, status_code=201,
             summary="Create a seller: a new user who owns a new shop (platform admin only)")
async def create_user(body: CreateUserRequest, state: State, _: PlatformAdmin) -> UserOut:
    try:
        created = await state.users.create_seller(body.email, body.password)
    except EmailAlreadyRegistered as exc:
        raise HTTPException(409, error_body("conflict", f"{body.email} is already registered")) from exc
    return UserOut.of(created)
