"""The fake TikTok Shop Open API app: the partner auth endpoints and the 202309 data endpoints, signed.

Every data request must carry `app_key`, `timestamp` (within 5 minutes), `sign` (see `sign_request`), the
`x-tts-access-token` header with a live token, and `shop_cipher` (except the shops call). Page tokens are checked
against the query they came from. Test control: `POST /__test__/seed`, `/__test__/touch`, `/__test__/faults`,
`/__test__/expire_tokens`, `GET /__test__/stats`, `DELETE /__test__/faults`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sellerbot_fakes.tiktok_shop.state import Fault, ShopData, TikTokShopState

DEMO_APP_KEY = "6demoappkey"
DEMO_APP_SECRET = "demo-app-secret-0123456789"
MAX_PAGE_SIZE = 100
TIMESTAMP_SKEW_SECONDS = 300
# Error codes: see docs/tiktok-shop-api.md (which are documented, which are this fake's choice).
OK, INVALID_PARAMS, INVALID_SIGN, INVALID_TOKEN, EXPIRED_TOKEN, RATE_LIMITED, SERVER_ERROR = (
    0, 36009001, 106001, 105001, 105002, 36009004, 36009003)


def sign_request(secret: str, path: str, query: dict[str, str], body: bytes) -> str:
    """HMAC-SHA256(secret, secret + path + sorted(k + v, without sign/access_token) + body + secret), hex."""
    params = "".join(f"{k}{v}" for k, v in sorted(query.items()) if k not in ("sign", "access_token"))
    base = f"{secret}{path}{params}".encode() + body + secret.encode()
    return hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class Seed(BaseModel):
    shop_id: str = Field(..., min_length=1)
    shop_name: str = ""
    auth_code: str = ""
    products: int = Field(default=0, ge=0, le=200_000)
    orders: int = Field(default=0, ge=0, le=500_000)
    reset: bool = False
    access_ttl_seconds: int | None = Field(default=None, ge=1, description="lifetime of tokens issued from now on")


class Touch(BaseModel):
    shop_id: str
    products: int = Field(default=1, ge=0)
    status: str = ""
    remove: int = Field(default=0, ge=0, description="products deleted outright (gone from every listing)")


class FaultIn(BaseModel):
    kind: str = Field(..., pattern="^(rate_limit|server_error)$")
    after: int = Field(default=0, ge=0, description="data requests that succeed first")
    times: int = Field(default=1, ge=1)


def _error(status: int, code: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "request_id": f"fake-{time.time_ns()}", "data": None},
                        status_code=status, headers=headers)


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": OK, "message": "Success", "request_id": f"fake-{time.time_ns()}", "data": data})


def _page_token(scope: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([scope, offset]).encode()).decode()


def _page(items: list[dict[str, Any]], query: dict[str, str], scope: str) -> tuple[list[dict[str, Any]], str] | str:
    """Slice `items` by page_size/page_token; returns an error message for a bad token or size."""
    try:
        size = int(query.get("page_size", "10"))
    except ValueError:
        return "page_size must be an integer"
    if not 1 <= size <= MAX_PAGE_SIZE:
        return f"page_size must be 1-{MAX_PAGE_SIZE}"
    offset = 0
    if query.get("page_token"):
        try:
            token_scope, offset = json.loads(base64.urlsafe_b64decode(query["page_token"].encode()))
        except (ValueError, TypeError):
            return "page_token is invalid"
        if token_scope != scope:
            return "page_token does not belong to this query"
    chunk = items[offset:offset + size]
    following = offset + size
    return chunk, (_page_token(scope, following) if following < len(items) else "")


def create_app(apps: dict[str, str] | None = None) -> FastAPI:
    state = TikTokShopState(apps or {DEMO_APP_KEY: DEMO_APP_SECRET})
    app = FastAPI(title="TikTok Shop Open API (fake)")
    app.state.tiktok = state

    def check_app(query: dict[str, str]) -> str | JSONResponse:
        secret = state.apps.get(query.get("app_key", ""))
        if secret is None or query.get("app_secret") not in (None, secret):
            return _error(401, INVALID_PARAMS, "invalid app_key or app_secret")
        return secret

    async def authorize(request: Request, needs_cipher: bool = True) -> ShopData | JSONResponse:
        query = dict(request.query_params)
        secret = check_app(query)
        if isinstance(secret, JSONResponse):
            return secret
        try:
            stamp = int(query.get("timestamp", ""))
        except ValueError:
            return _error(400, INVALID_PARAMS, "timestamp is required")
        if abs(time.time() - stamp) > TIMESTAMP_SKEW_SECONDS:
            return _error(401, INVALID_SIGN, "timestamp is too far from now")
        body = await request.body()
        if not hmac.compare_digest(query.get("sign", ""), sign_request(secret, request.url.path, query, body)):
            state.count("bad_signature")
            return _error(401, INVALID_SIGN, "Invalid signature")
        token = state.access.get(request.headers.get("x-tts-access-token", ""))
        if token is None:
            return _error(401, INVALID_TOKEN, "Invalid access token")
        if token.expires_at <= time.time():
            state.count("expired_token")
            return _error(401, EXPIRED_TOKEN, "Expired credentials")
        fault = state.next_fault()
        if fault is not None:
            state.count(fault.kind)
            if fault.kind == "rate_limit":
                return _error(429, RATE_LIMITED, "Too many requests", **{"Retry-After": "1"})
            return _error(500, SERVER_ERROR, "Internal error")
        shop = state.shops[token.shop_id]
        if needs_cipher and query.get("shop_cipher") != shop.cipher:
            return _error(400, INVALID_PARAMS, "shop_cipher does not match the authorized shop")
        state.count(request.url.path.split("/")[1])
        return shop

    # ----- partner auth (auth.tiktok-shops.com) --------------------------------------------------------
    @app.get("/api/v2/token/get")
    async def token_get(request: Request) -> JSONResponse:
        query = dict(request.query_params)
        secret = check_app(query)
        if isinstance(secret, JSONResponse):
            return secret
        if query.get("grant_type") != "authorized_code":
            return _error(400, INVALID_PARAMS, "grant_type must be authorized_code")
        shop = next((s for s in state.shops.values() if s.auth_code and s.auth_code == query.get("auth_code")), None)
        if shop is None:
            return _error(400, INVALID_PARAMS, "auth_code is invalid or used")
        shop.auth_code = ""  # one use
        state.count("token_get")
        return _ok(state.issue_tokens(shop.id))

    @app.get("/api/v2/token/refresh")
    async def token_refresh(request: Request) -> JSONResponse:
        query = dict(request.query_params)
        secret = check_app(query)
        if isinstance(secret, JSONResponse):
            return secret
        old = state.refresh.pop(query.get("refresh_token", ""), None)
        if query.get("grant_type") != "refresh_token" or old is None or old.expires_at <= time.time():
            return _error(400, INVALID_PARAMS, "refresh_token is invalid or expired")
        state.count("token_refresh")
        return _ok(state.issue_tokens(old.shop_id))

    # ----- Open API 202309 ----------------------------------------------------------------------------
    @app.get("/authorization/202309/shops")
    async def shops(request: Request) -> JSONResponse:
        shop = await authorize(request, needs_cipher=False)
        if isinstance(shop, JSONResponse):
            return shop
        return _ok({"shops": [{"id": shop.id, "name": shop.name, "region": shop.region, "seller_type": "LOCAL",
                               "cipher": shop.cipher, "code": f"BR{shop.id[-6:]}"}]})

    @app.post("/product/202309/products/search")
    async def search_products(request: Request) -> JSONResponse:
        shop = await authorize(request)
        if isinstance(shop, JSONResponse):
            return shop
        raw = await request.body()
        filters = json.loads(raw) if raw else {}
        ge, le = int(filters.get("update_time_ge", 0)), int(filters.get("update_time_le", 2**62))
        items = sorted((p for p in shop.products.values() if ge <= p["update_time"] <= le),
                       key=lambda p: (p["update_time"], p["id"]))
        paged = _page(items, dict(request.query_params), f"products:{ge}:{le}")
        if isinstance(paged, str):
            return _error(400, INVALID_PARAMS, paged)
        chunk, token = paged
        summaries = [{k: v for k, v in p.items() if k not in ("description", "product_attributes")} for p in chunk]
        return _ok({"products": summaries, "next_page_token": token, "total_count": len(items)})

    @app.get("/product/202309/products/{product_id}")
    async def product_detail(product_id: str, request: Request) -> JSONResponse:
        shop = await authorize(request)
        if isinstance(shop, JSONResponse):
            return shop
        product = shop.products.get(product_id)
        if product is None:
            return _error(404, INVALID_PARAMS, f"product {product_id} not found")
        return _ok(product)

    @app.post("/order/202309/orders/search")
    async def search_orders(request: Request) -> JSONResponse:
        shop = await authorize(request)
        if isinstance(shop, JSONResponse):
            return shop
        raw = await request.body()
        filters = json.loads(raw) if raw else {}
        ge, lt = int(filters.get("update_time_ge", 0)), int(filters.get("update_time_lt", 2**62))
        items = sorted((o for o in shop.orders.values() if ge <= o["update_time"] < lt),
                       key=lambda o: (o["update_time"], o["id"]))
        paged = _page(items, dict(request.query_params), f"orders:{ge}:{lt}")
        if isinstance(paged, str):
            return _error(400, INVALID_PARAMS, paged)
        chunk, token = paged
        return _ok({"orders": chunk, "next_page_token": token, "total_count": len(items)})

    @app.get("/order/202309/orders")
    async def order_detail(request: Request) -> JSONResponse:
        shop = await authorize(request)
        if isinstance(shop, JSONResponse):
            return shop
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 50:
            return _error(400, INVALID_PARAMS, "ids must list 1-50 order ids")
        return _ok({"orders": [shop.orders[i] for i in ids if i in shop.orders]})

    @app.get("/fulfillment/202309/orders/{order_id}/tracking")
    async def tracking(order_id: str, request: Request) -> JSONResponse:
        shop = await authorize(request)
        if isinstance(shop, JSONResponse):
            return shop
        if order_id not in shop.orders:
            return _error(404, INVALID_PARAMS, f"order {order_id} not found")
        return _ok({"tracking": list(reversed(shop.tracking.get(order_id, [])))})  # newest first

    # ----- test control ---------------------------------------------------------------------------------
    @app.post("/__test__/seed")
    async def seed(body: Seed) -> dict[str, Any]:
        if body.reset:
            state.shops.pop(body.shop_id, None)
        if body.access_ttl_seconds is not None:
            state.access_ttl_seconds = body.access_ttl_seconds
        shop = state.shop(body.shop_id, body.shop_name, body.auth_code)
        state.generate(shop, body.products, body.orders)
        return {"shop_id": shop.id, "cipher": shop.cipher, "products": len(shop.products), "orders": len(shop.orders)}

    @app.post("/__test__/touch")
    async def touch(body: Touch) -> dict[str, Any]:
        shop = state.shops[body.shop_id]
        removed = list(shop.products)[-body.remove:] if body.remove else []
        for pid in removed:
            del shop.products[pid]
        changed = state.touch_products(shop, body.products, body.status)
        return {"changed": changed, "removed": removed}

    @app.post("/__test__/orders/{order_id}")
    async def change_order(order_id: str, request: Request) -> dict[str, Any]:
        """Set fields of one order (e.g. status, tracking) and bump its update_time; add tracking events."""
        fields = await request.json()
        for shop in state.shops.values():
            if order_id in shop.orders:
                events = fields.pop("tracking_events", None)
                if events is not None:
                    shop.tracking[order_id] = events
                shop.orders[order_id].update(fields, update_time=int(time.time()))
                return shop.orders[order_id]
        return {}

    @app.post("/__test__/faults")
    async def faults(body: FaultIn) -> dict[str, int]:
        state.faults.append(Fault(body.kind, body.after, body.times))
        return {"queued": len(state.faults)}

    @app.delete("/__test__/faults")
    async def clear_faults() -> dict[str, int]:
        state.faults.clear()
        return {"queued": 0}

    @app.post("/__test__/expire_tokens")
    async def expire_tokens() -> dict[str, int]:
        state.expire_access_tokens()
        return {"expired": len(state.access)}

    @app.get("/__test__/stats")
    async def stats() -> dict[str, int]:
        return dict(state.counts)

    return app
