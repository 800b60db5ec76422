"""What every Seller Center page shares: navigation, blockers (captcha, logged out, 2FA) and outcomes."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from automation.adapters.browser.names import PATHS
from automation.domain.errors import AlreadyDone, NeedsAttention, PlatformLimitReached, TransientPageError
from automation.domain.model import LoginState


class SellerCenterPage:
    def __init__(self, page: Page, base_url: str, names: dict[str, str], timeout_ms: float) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.n = names
        self.timeout_ms = timeout_ms

    # ----- landmarks ---------------------------------------------------------------------------------
    @property
    def captcha(self) -> Locator:
        return self.page.get_by_role("dialog", name=self.n["captcha_dialog"])

    @property
    def login_field(self) -> Locator:
        return self.page.get_by_label(self.n["login_field"])

    @property
    def code_field(self) -> Locator:
        return self.page.get_by_label(self.n["code_field"])

    @property
    def account_button(self) -> Locator:
        return self.page.get_by_role("button", name=self.n["account"], exact=True)

    def button(self, scope: Locator | Page, key: str) -> Locator:
        return scope.get_by_role("button", name=self.n[key], exact=True)

    # ----- navigation --------------------------------------------------------------------------------
    async def goto(self, page_key: str) -> None:
        try:
            response = await self.page.goto(self.base_url + PATHS[page_key], wait_until="domcontentloaded",
                                            timeout=self.timeout_ms)
        except PlaywrightError as exc:
            raise TransientPageError(f"could not open {PATHS[page_key]}: {exc.message}") from exc
        if response is not None and response.status >= 500:
            raise TransientPageError(f"{PATHS[page_key]} answered HTTP {response.status}")
        await self.raise_if_blocked()

    async def raise_if_blocked(self) -> None:
        """A captcha, a login form or a 2FA prompt means a human must act: never solve or retry."""
        if await self.captcha.count():
            raise NeedsAttention(LoginState.CAPTCHA, "Seller Center showed a captcha: solve it in a browser, "
                                                     "then verify the profile again")
        path = urlsplit(self.page.url).path
        if path.startswith("/account/verify"):
            raise NeedsAttention(LoginState.NEEDS_2FA, "Seller Center asked for a verification code")
        if path.startswith("/account/login"):
            raise NeedsAttention(LoginState.EXPIRED, "session expired: Seller Center asked to log in again; "
                                                     "verify the profile to log in")

    async def wait_loaded(self, container: Locator) -> None:
        """Lists load after the page: wait until the container is no longer busy (or a blocker shows up)."""
        ready = container.and_(self.page.locator('[aria-busy="false"]'))
        try:
            await ready.or_(self.captcha).or_(self.login_field).first.wait_for(timeout=self.timeout_ms)
        except PlaywrightTimeout as exc:
            await self.raise_if_blocked()
            raise TransientPageError("the list did not finish loading") from exc
        await self.raise_if_blocked()
        if await container.get_by_role("button", name=self.n["retry"], exact=True).count():
            raise TransientPageError("Seller Center failed to load the list (server error)")

    async def await_outcome(self, success: Locator) -> None:
        """After a submit: success, or classify the error toast / blocker that appeared instead."""
        alerts = self.page.get_by_role("alert")
        try:
            await success.or_(alerts).or_(self.captcha).first.wait_for(timeout=self.timeout_ms)
        except PlaywrightTimeout as exc:
            raise TransientPageError("Seller Center did not confirm the action") from exc
        if await success.count():
            return
        await self.raise_if_blocked()
        message = " ".join(await alerts.all_inner_texts())
        if self.n["session_expired"] in message:
            raise NeedsAttention(LoginState.EXPIRED, "session expired while working: verify the profile again")
        if self.n["reply_once"] in message or self.n["already_invited"] in message:
            raise AlreadyDone(message)
        if self.n["quota_exhausted"] in message:
            raise PlatformLimitReached(message)
        raise TransientPageError(f"Seller Center refused the action: {message or 'no confirmation'}")

    async def next_page(self, container: Locator) -> bool:
        nav = self.page.get_by_role("navigation", name=self.n["pagination"])
        button = nav.get_by_role("button", name=self.n["next_page"], exact=True)
        if not await button.count() or await button.is_disabled():
            return False
        await button.click()
        await self.wait_loaded(container)
        return True

    async def go_to_page(self, number: int, container: Locator) -> None:
        if number <= 1:
            return
        nav = self.page.get_by_role("navigation", name=self.n["pagination"])
        target = nav.get_by_role("button", name=str(number), exact=True)
        if await target.count():
            await target.click()
            await self.wait_loaded(container)
