"""The platforms' HTTP calls over one aiohttp session (its connection pool), failing with httpx's errors.

httpx's client cost ~0.5 ms of CPU per reply sent on top of the call itself (its request and response models,
URL parsing, cookie extraction) and httpcore's pool re-checked every pooled connection (a `poll()` each) on
every request; aiohttp's pool does not. The retry and dead-letter code speaks httpx's error vocabulary
(`httpx.TransportError`, `httpx.TimeoutException`): aiohttp's errors are raised as the httpx errors they
stand for, so retries see the same transient errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
from multidict import CIMultiDictProxy


@dataclass(frozen=True)
class PlatformAnswer:
    status: int
    body: bytes
    headers: CIMultiDictProxy[str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def json_body(value: Any) -> bytes:
    """The body httpx's `json=` sent (compact, UTF-8, no NaN), so the platforms see the same bytes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class PlatformHttp:
    def __init__(self, max_connections: int, timeout_seconds: float, keepalive_seconds: float = 5.0) -> None:
        self._max_connections = max_connections
        self._keepalive_seconds = keepalive_seconds
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout_seconds, sock_read=timeout_seconds,
                                              connect=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # created on first use: a session belongs to the running event loop. No cookies: the platforms' APIs
        # set none we would send back.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=self._keepalive_seconds),
            cookie_jar=aiohttp.DummyCookieJar(), timeout=self._timeout)
        return self._session

    async def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> PlatformAnswer:
        session = self._session if self._session is not None and not self._session.closed else self._open()
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            async with session.request(method, url, data=body, headers=headers, allow_redirects=False) as response:
                return PlatformAnswer(response.status, await response.read(), response.headers)
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timeout") from exc
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timeout") from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
