"""Seller Center profiles: create (credentials sealed), list, delete, and verify the login in a real browser."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import structlog
from playwright.async_api import Error as PlaywrightError
from pydantic import BaseModel, Field, ValidationError, field_validator

from automation.adapters.browser.names import names_for
from automation.adapters.browser.pages.login import LoginPage, Screen, sign_in
from automation.adapters.repository import utcnow
from automation.adapters.secrets import mask_login
from automation.components import Components
from automation.domain.errors import Conflict, InvalidField, InvalidInput
from automation.domain.fingerprints import LOCALES, fingerprint_for
from automation.domain.model import LoginState, Profile, ProfileStatus
from automation.domain.schedule import ActiveHours, validate_caps, zone
from automation.metrics import ACTIVE_PROFILES, PROFILE_CREATED, PROFILE_VERIFIED

log = structlog.get_logger(__name__)


class NewProfile(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    login: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)
    region: str = Field(default="BR", min_length=2, max_length=8)
    seller_center_url: str = Field(default="", max_length=500)
    proxy: str = Field(default="", max_length=500)
    timezone: str = Field(default="America/Sao_Paulo", max_length=64)
    locale: str = "pt-BR"
    active_hours: str = ""
    daily_caps: dict[str, object] = Field(default_factory=dict)

    @field_validator("seller_center_url", "proxy")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https", "socks5"):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        value = value or "pt-BR"
        if value not in LOCALES:
            raise ValueError(f"must be one of {list(LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        value = value or "America/Sao_Paulo"
        if zone(value).key != value:
            raise ValueError("unknown IANA timezone")
        return value

    @field_validator("active_hours")
    @classmethod
    def _active_hours(cls, value: str) -> str:
        ActiveHours.parse(value)
        return value

    @field_validator("daily_caps")
    @classmethod
    def _caps(cls, value: dict[str, object]) -> dict[str, object]:
        return dict(validate_caps(value))


@dataclass
class _PendingLogin:
    """A login parked on the verification-code screen until the seller sends the code."""

    stack: AsyncExitStack
    page: LoginPage
    expires_at: float


class ProfileService:
    def __init__(self, components: Components) -> None:
        self.c = components
        self._pending: dict[str, _PendingLogin] = {}
        self._verifying: set[str] = set()

    async def create(self, user_id: str, raw: dict[str, object]) -> Profile:
        try:
            data = NewProfile.model_validate(raw)
        except ValidationError as exc:
            fields = [InvalidField(".".join(str(p) for p in e["loc"]), str(e["msg"]).removeprefix("Value error, "))
                      for e in exc.errors()]
            raise InvalidInput("invalid profile", fields) from exc
        profile_id = str(uuid.uuid4())
        profile = Profile(
            id=profile_id, user_id=user_id, name=data.name, region=data.region.upper(),
            seller_center_url=data.seller_center_url or self.c.settings.seller_center_url.rstrip("/"),
            login_masked=mask_login(data.login), has_proxy=bool(data.proxy), status=ProfileStatus.UNVERIFIED,
            status_reason="verify the login to start automating",
            fingerprint=fingerprint_for(profile_id, data.locale, data.timezone),
            daily_caps={k: int(v) for k, v in data.daily_caps.items()},  # type: ignore[call-overload]
            active_hours=data.active_hours, created_at=utcnow(),
        )
        sealed = self.c.secrets.seal({"login": data.login, "password": data.password, "proxy": data.proxy})
        await self.c.profiles.add(profile, sealed)
        PROFILE_CREATED.inc()
        log.info("bot_profile_created", profile_id=profile.id, user_id=user_id)
        return profile

    async def list_for(self, user_id: str) -> list[Profile]:
        return await self.c.profiles.for_user(user_id)

    async def delete(self, user_id: str, profile_id: str) -> None:
        await self.c.profiles.get(user_id, profile_id)
        if any(t.profile_id == profile_id for t in await self.c.tasks.running(user_id)):
            raise Conflict("a task of this profile is running: cancel it first")
        await self._drop_pending(profile_id)
        await self.c.profiles.delete(user_id, profile_id)
        await self.c.shop_connections.delete(profile_id)  # its API tokens, schedules and sync state go with it
        await self.c.schedules.delete_for_profile(profile_id)
        await self.c.sync_state.forget_profile(profile_id)
        ACTIVE_PROFILES.set(await self.c.profiles.count_verified())

    async def verify(self, user_id: str, profile_id: str, code: str) -> Profile:
        """Log in with a real browser (reusing the saved session when valid); park on the 2FA step if asked."""
        profile = await self.c.profiles.get(user_id, profile_id)
        if profile_id in self._verifying:
            raise Conflict("a verification of this profile is already in progress")
        owner = f"verify-{uuid.uuid4().hex[:8]}"
        lease = timedelta(seconds=self.c.settings.verify_timeout_seconds * 2)
        if not await self.c.profiles.acquire_lease(profile_id, owner, lease):
            raise Conflict("the profile is busy with a running task: try again when it finishes")
        self._verifying.add(profile_id)
        try:
            await self.c.profiles.set_status(profile_id, ProfileStatus.VERIFYING, "verifying the login")
            state, reason, session = await self._attempt(profile, code)
        finally:
            self._verifying.discard(profile_id)
            await self.c.profiles.release_lease(profile_id, owner)
        sealed = self.c.secrets.seal(session) if session is not None else None
        await self.c.profiles.set_status(profile_id, state.profile_status, reason, session_state_enc=sealed)
        PROFILE_VERIFIED.labels("success" if state is LoginState.OK else state.profile_status.value).inc()
        await self.c.events.login_state(user_id, profile_id, state, reason)
        ACTIVE_PROFILES.set(await self.c.profiles.count_verified())
        log.info("bot_profile_verified", profile_id=profile_id, user_id=user_id, state=state.value, reason=reason)
        return await self.c.profiles.get(user_id, profile_id)

    async def _attempt(self, profile: Profile, code: str) -> tuple[LoginState, str, dict[str, object] | None]:
        pending = self._pending.pop(profile.id, None)
        if pending is not None and (not code or pending.expires_at < time.monotonic()):
            await pending.stack.aclose()
            pending = None
        stack = pending.stack if pending else AsyncExitStack()
        keep_open = False
        try:
            async with asyncio.timeout(self.c.settings.verify_timeout_seconds):
                if pending is not None:
                    page = pending.page
                    state, reason = await self._enter_code(page, code)
                else:
                    page = await self._open(profile, stack)
                    credentials = self.c.secrets.open((await self.c.profiles.encrypted_secrets(profile.id))[0])
                    state, reason = await sign_in(page, credentials["login"], credentials["password"], code)
                session = dict(await page.page.context.storage_state()) if state is LoginState.OK else None
                if state is LoginState.NEEDS_2FA:
                    keep_open = True
                    self._pending[profile.id] = _PendingLogin(
                        stack, page, time.monotonic() + self.c.settings.pending_2fa_seconds)
                return state, reason, session  # type: ignore[return-value]
        except (PlaywrightError, AssertionError, TimeoutError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return LoginState.ERROR, f"could not reach Seller Center: {message}", None
        finally:
            if not keep_open:
                await stack.aclose()

    async def _open(self, profile: Profile, stack: AsyncExitStack) -> LoginPage:
        credentials_enc, session_enc = await self.c.profiles.encrypted_secrets(profile.id)
        proxy = str(self.c.secrets.open(credentials_enc).get("proxy", ""))
        storage = self.c.secrets.open(session_enc) if session_enc else None
        context = await stack.enter_async_context(self.c.browser.context(profile.fingerprint, storage, proxy))
        context.set_default_timeout(self.c.settings.step_timeout_seconds * 1000)
        page = await context.new_page()
        return LoginPage(page, profile.seller_center_url, names_for(profile.fingerprint.locale),
                         self.c.settings.step_timeout_seconds * 1000)

    async def _enter_code(self, page: LoginPage, code: str) -> tuple[LoginState, str]:
        screen = await page.enter_code(code)
        if screen is Screen.HOME:
            return LoginState.OK, ""
        if screen is Screen.CAPTCHA:
            return LoginState.CAPTCHA, "Seller Center showed a captcha: solve it in a browser, then verify again"
        if screen is Screen.CODE:
            return LoginState.NEEDS_2FA, f"verification code refused: {await page.alert_text() or 'try again'}"
        return LoginState.EXPIRED, "the login timed out before the code arrived: verify again"

    async def _drop_pending(self, profile_id: str) -> None:
        pending = self._pending.pop(profile_id, None)
        if pending is not None:
            with contextlib.suppress(Exception):
                await pending.stack.aclose()

    async def close(self) -> None:
        for profile_id in list(self._pending):
            await self._drop_pending(profile_id)
