"""TikTok Shop Open API client: token exchange and refresh, signed calls, page tokens, retries with backoff.

`TikTokShopApp` holds the app key/secret and one HTTP connection pool; `ShopSession` calls the API for one
authorised shop, refreshing its access token before it expires (and once more if the platform says it did).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from automation.adapters.tiktok_shop.signing import sign
from automation.domain.errors import RunError
from automation.metrics import SHOP_API_REQUESTS

log = structlog.get_logger(__name__)
EXPIRED_TOKEN_CODES = frozenset({105002})  # "Expired credentials"
INVALID_TOKEN_CODES = frozenset({105001})


@dataclass(frozen=True)
class ShopTokens:
    access_token: str
    access_expires_at: int  # unix seconds
    refresh_token: str
    refresh_expires_at: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AuthorizedShop:
    shop_id: str
    name: str
    region: str
    cipher: str


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int


class TikTokShopError(RunError):
    """An Open API call failed (after the retries, for 429/5xx/network). `kind` labels metrics and tasks."""

    def __init__(self, status: int, code: int, message: str, retry_after: float = 0.0) -> None:
        super().__init__(f"TikTok Shop API {status} code {code}: {message}")
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.retryable = status == 429 or status >= 500
        self.kind = ("shop_rate_limited" if status == 429 else "shop_api_unavailable" if status >= 500 else
                     "shop_unauthorized" if status == 401 else "shop_api_error")

    @property
    def token_expired(self) -> bool:
        return self.code in EXPIRED_TOKEN_CODES

    @property
    def unauthorized(self) -> bool:
        return self.status == 401 and not self.token_expired


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, TikTokShopError) and exc.retryable


class _Backoff:
    """Exponential backoff that never waits less than the platform's Retry-After."""

    def __init__(self, base_seconds: float, max_seconds: float = 30.0) -> None:
        self.base = base_seconds
        self.max = max_seconds

    def __call__(self, state: RetryCallState) -> float:
        wait = min(self.max, self.base * 2 ** (state.attempt_number - 1))
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, TikTokShopError) and error.retry_after:
            wait = max(wait, min(error.retry_after, self.max))
        return wait


class TikTokShopApp:
    def __init__(self, app_key: str, app_secret: str, api_url: str, auth_url: str, *,
                 retry_attempts: int = 5, backoff_seconds: float = 1.0, timeout_seconds: float = 20.0,
                 refresh_margin_seconds: int = 3600) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.api_url = api_url.rstrip("/")
        self.auth_url = auth_url.rstrip("/")
        self.retry_attempts = retry_attempts
        self.backoff_seconds = backoff_seconds
        self.refresh_margin_seconds = refresh_margin_seconds
        self.timeout_seconds = timeout_seconds
        self._http: aiohttp.ClientSession | None = None  # made on first use, inside the running loop

    @property
    def configured(self) -> bool:
        return bool(self.app_key and self.app_secret)

    @property
    def http(self) -> aiohttp.ClientSession:
        # aiohttp, not httpx: about a tenth of the CPU per request, and a catalog sync is thousands of them
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32),
                                               timeout=aiohttp.ClientTimeout(total=self.timeout_seconds))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def exchange_code(self, auth_code: str) -> ShopTokens:
        """The seller authorised the app: trade the one-time auth code for access and refresh tokens."""
        return await self._token("/api/v2/token/get", {"auth_code": auth_code, "grant_type": "authorized_code"})

    async def refresh(self, refresh_token: str) -> ShopTokens:
        return await self._token("/api/v2/token/refresh",
                                 {"refresh_token": refresh_token, "grant_type": "refresh_token"})

    async def _token(self, path: str, params: dict[str, str]) -> ShopTokens:
        query = {"app_key": self.app_key, "app_secret": self.app_secret, **params}
        data = await self.retrying(lambda: self.send("GET", f"{self.auth_url}{path}", query, b"", {}), path)
        return ShopTokens(str(data["access_token"]), int(data["access_token_expire_in"]),
                          str(data["refresh_token"]), int(data["refresh_token_expire_in"]))

    async def retrying(self, call: Callable[[], Awaitable[dict[str, Any]]], endpoint: str) -> dict[str, Any]:
        retrying = AsyncRetrying(stop=stop_after_attempt(self.retry_attempts), wait=_Backoff(self.backoff_seconds),
                                 retry=retry_if_exception(_retryable), reraise=True)
        async for attempt in retrying:
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    log.info("shop_api_retry", endpoint=endpoint, attempt=attempt.retry_state.attempt_number)
                return await call()
        raise AssertionError("unreachable")  # AsyncRetrying returns or reraises

    async def send(self, method: str, url: str, query: dict[str, str], body: bytes,
                    headers: dict[str, str]) -> dict[str, Any]:
        endpoint = _endpoint_label(url)
        try:
            async with self.http.request(method, url, params=query, data=body or None, headers=headers) as response:
                status, raw = response.status, await response.read()
                retry_after = float(response.headers.get("Retry-After") or 0)
        except (aiohttp.ClientError, TimeoutError) as exc:
            SHOP_API_REQUESTS.labels(endpoint, "unreachable").inc()
            raise TikTokShopError(503, -1, f"unreachable: {exc!r}") from exc
        try:
            payload: dict[str, Any] = json.loads(raw)
        except ValueError:
            payload = {"code": -1, "message": raw[:200].decode(errors="replace")}
        code = int(payload.get("code") or 0)
        if status >= 400 or code != 0:
            error = TikTokShopError(status, code, str(payload.get("message", "")), retry_after)
            outcome = "rate_limited" if status == 429 else "server_error" if status >= 500 else "error"
            SHOP_API_REQUESTS.labels(endpoint, outcome).inc()
            log.warning("shop_api_error", endpoint=endpoint, status=status, code=code,
                        message=payload.get("message", ""))
            raise error
        SHOP_API_REQUESTS.labels(endpoint, "ok").inc()
        data: dict[str, Any] = payload.get("data") or {}
        return data


TokenSaver = Callable[[ShopTokens], Awaitable[None]]


class ShopSession:
    """Calls for one authorised shop; refreshed tokens are handed to `save_tokens` (stored encrypted)."""

    def __init__(self, app: TikTokShopApp, tokens: ShopTokens, cipher: str, save_tokens: TokenSaver) -> None:
        self.app = app
        self.tokens = tokens
        self.cipher = cipher
        self.save_tokens = save_tokens

    async def _fresh_token(self, force: bool = False) -> str:
        if force or self.tokens.access_expires_at - time.time() < self.app.refresh_margin_seconds:
            self.tokens = await self.app.refresh(self.tokens.refresh_token)
            await self.save_tokens(self.tokens)
            SHOP_API_REQUESTS.labels("token", "token_refreshed").inc()
            log.info("shop_token_refreshed", expires_at=self.tokens.access_expires_at)
        return self.tokens.access_token

    async def call(self, method: str, path: str, query: dict[str, str] | None = None,
                   body: dict[str, Any] | None = None, with_cipher: bool = True) -> dict[str, Any]:
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""

        async def once(force_refresh: bool) -> dict[str, Any]:
            token = await self._fresh_token(force_refresh)
            params = {**(query or {}), "app_key": self.app.app_key, "timestamp": str(int(time.time()))}
            if with_cipher:
                params["shop_cipher"] = self.cipher
            params["sign"] = sign(self.app.app_secret, path, params, raw)
            headers = {"x-tts-access-token": token, "content-type": "application/json"}
            return await self.app.send(method, f"{self.app.api_url}{path}", params, raw, headers)

        async def with_refresh() -> dict[str, Any]:
            try:
                return await once(False)
            except TikTokShopError as exc:
                if not exc.token_expired:
                    raise
                return await once(True)  # expired earlier than announced: refresh once and go on

        return await self.app.retrying(with_refresh, path)

    async def shops(self) -> list[AuthorizedShop]:
        data = await self.call("GET", "/authorization/202309/shops", with_cipher=False)
        return [AuthorizedShop(str(s["id"]), str(s.get("name", "")), str(s.get("region", "")), str(s["cipher"]))
                for s in data.get("shops", [])]

    async def _pages(self, path: str, key: str, body: dict[str, Any], page_size: int,
                     extra: dict[str, str] | None = None) -> AsyncIterator[Page]:
        def fetch(token: str) -> asyncio.Task[dict[str, Any]]:
            query = {"page_size": str(page_size), **(extra or {})}
            if token:
                query["page_token"] = token
            return asyncio.create_task(self.call("POST", path, query, body))

        pending = fetch("")
        try:
            while True:
                data = await pending
                token = str(data.get("next_page_token") or "")
                if token:
                    pending = fetch(token)  # the next page loads while the caller handles this one
                yield Page(list(data.get(key) or []), int(data.get("total_count") or 0))
                if not token:
                    return
        finally:
            pending.cancel()

    def product_pages(self, updated_since: int, page_size: int = 100) -> AsyncIterator[Page]:
        """Products updated at or after `updated_since`, oldest update first (summaries: no description)."""
        return self._pages("/product/202309/products/search", "products", {"update_time_ge": updated_since},
                           page_size)

    async def product_count(self) -> int:
        """How many products the shop lists in any status (one small page)."""
        data = await self.call("POST", "/product/202309/products/search", {"page_size": "1"}, {"update_time_ge": 0})
        return int(data.get("total_count") or 0)

    async def product(self, product_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/product/202309/products/{product_id}")

    def order_pages(self, updated_since: int, page_size: int = 100) -> AsyncIterator[Page]:
        """Orders updated at or after `updated_since`, oldest update first."""
        return self._pages("/order/202309/orders/search", "orders", {"update_time_ge": updated_since}, page_size,
                           {"sort_field": "update_time", "sort_order": "ASC"})

    async def orders(self, order_ids: list[str]) -> list[dict[str, Any]]:
        data = await self.call("GET", "/order/202309/orders", {"ids": ",".join(order_ids)})
        return list(data.get("orders") or [])

    async def tracking(self, order_id: str) -> list[dict[str, Any]]:
        """The package's tracking events, newest first."""
        data = await self.call("GET", f"/fulfillment/202309/orders/{order_id}/tracking")
        return list(data.get("tracking") or [])


def _endpoint_label(url: str) -> str:
    """A low-cardinality metric label: the path without ids."""
    path = urlsplit(url).path
    parts = [p for p in path.split("/") if p]
    return "/".join(p if not p.isdigit() else "{id}" for p in parts[:4])
