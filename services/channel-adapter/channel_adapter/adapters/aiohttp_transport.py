"""httpx's client over aiohttp's connection pool. httpcore's pool re-checks every pooled connection (a
`poll()` each) whenever a request is assigned, which cost ~1.4 ms of CPU per reply sent with the 16 concurrent
deliveries; aiohttp's pool does not. The platform code keeps httpx's API: requests, responses and exceptions
(aiohttp's errors are raised as the httpx errors they stand for, so retries see the same transient errors)."""

from __future__ import annotations

import aiohttp
import httpx


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_connections: int, keepalive_seconds: float = 5.0) -> None:
        self._max_connections = max_connections
        self._keepalive_seconds = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # created on first use: a session belongs to the running event loop. No decompression here (httpx
        # decodes the body by its Content-Encoding) and no cookies (httpx's client keeps none either here).
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=self._keepalive_seconds),
            auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(), skip_auto_headers=("User-Agent",))
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeouts.get("connect"),
                                        sock_read=timeouts.get("read"), connect=timeouts.get("pool"))
        session = self._session if self._session is not None and not self._session.closed else self._open()
        try:
            async with session.request(request.method, str(request.url), data=await request.aread(),
                                       headers=list(request.headers.multi_items()), timeout=timeout,
                                       allow_redirects=False) as response:
                content = await response.read()
                return httpx.Response(response.status, headers=list(response.headers.items()), content=content,
                                      request=request)
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timeout", request=request) from exc
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timeout", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
