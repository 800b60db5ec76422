"""Login page and its verification-code (2FA) step; classifies where a login attempt ended up."""

from __future__ import annotations

from enum import StrEnum

from automation.adapters.browser.pages.base import SellerCenterPage
from automation.domain.model import LoginState


class Screen(StrEnum):
    HOME = "home"
    LOGIN = "login"
    CODE = "code"
    CAPTCHA = "captcha"


class LoginPage(SellerCenterPage):
    async def screen(self) -> Screen:
        """Which screen is showing: logged-in landmark, login form, code prompt or captcha."""
        landmark = self.account_button.or_(self.login_field).or_(self.code_field).or_(self.captcha).first
        await landmark.wait_for(timeout=self.timeout_ms)
        if await self.captcha.count():
            return Screen.CAPTCHA
        if await self.account_button.count():
            return Screen.HOME
        if await self.code_field.count():
            return Screen.CODE
        return Screen.LOGIN

    async def open_home(self) -> Screen:
        await self.page.goto(self.base_url + "/homepage", wait_until="domcontentloaded", timeout=self.timeout_ms)
        return await self.screen()

    async def log_in(self, login: str, password: str) -> Screen:
        await self.login_field.fill(login)
        await self.page.get_by_label(self.n["password"], exact=True).fill(password)
        await self.button(self.page, "login_button").click()
        return await self.screen()

    async def enter_code(self, code: str) -> Screen:
        await self.code_field.fill(code)
        await self.button(self.page, "verify_button").click()
        return await self.screen()

    async def alert_text(self) -> str:
        return " ".join(await self.page.get_by_role("alert").all_inner_texts())


async def sign_in(page: LoginPage, login: str, password: str, code: str) -> tuple[LoginState, str]:
    """Reuse the saved session when it is still valid; else log in, entering `code` if one is asked for."""
    screen = await page.open_home()
    if screen is Screen.LOGIN:
        screen = await page.log_in(login, password)
        if screen is Screen.LOGIN:
            return LoginState.ERROR, f"login refused: {await page.alert_text() or 'unknown reason'}"
    if screen is Screen.CODE:
        if not code:
            return LoginState.NEEDS_2FA, "enter the verification code Seller Center sent to the seller"
        screen = await page.enter_code(code)
        if screen is Screen.CODE:
            return LoginState.NEEDS_2FA, f"verification code refused: {await page.alert_text() or 'try again'}"
    if screen is Screen.CAPTCHA:
        return LoginState.CAPTCHA, "Seller Center showed a captcha: solve it in a browser, then verify again"
    if screen is Screen.HOME:
        return LoginState.OK, ""
    return LoginState.ERROR, f"unexpected screen {screen}"
