"""The replica's HTTP app: account pages (password + 2FA), shop pages, the JSON API their script calls, and
`/__test__/*` endpoints to reset, seed, read what was received, and inject faults."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sellerbot_fakes.seller_center import catalog as shop_catalog
from sellerbot_fakes.seller_center.i18n import pick_language
from sellerbot_fakes.seller_center.pages import Renderer
from sellerbot_fakes.seller_center.state import CATEGORIES, DEMO_EMAIL, ReplicaError, ReplicaState, Session

SESSION_COOKIE = "sc_sid"
CLIENT_JS = (Path(__file__).parent / "client.js").read_text(encoding="utf-8")
PROTECTED_PREFIXES = ("/homepage", "/product", "/content", "/chat", "/connection", "/order")


class ReplyBody(BaseModel):
    text: str = ""


class InviteBody(BaseModel):
    name: str = ""
    message: str = ""
    commission_rate: float | None = None


class SeedBody(BaseModel):
    seller: str = DEMO_EMAIL
    password: str | None = None
    code: str | None = None
    shop_name: str | None = None
    comments: int = Field(default=30, ge=0, le=2000)
    reviews: int = Field(default=45, ge=0, le=2000)
    conversations: int = Field(default=6, ge=0, le=500)
    creators: int = Field(default=30, ge=0, le=2000)
    quota: int = Field(default=20, ge=0)
    replied_every: int = Field(default=4, ge=0, description="every Nth item is already answered; 0 = none")


class FaultsBody(BaseModel):
    latency_ms: int | None = Field(default=None, ge=0, le=30_000)
    fail_next: int | None = Field(default=None, ge=0, description="the next N API calls answer 500")
    captcha: bool | None = None
    quota: int | None = Field(default=None, ge=0)
    clear_quota: bool = False
    expire_sessions: bool = False
    seller: str | None = Field(default=None, description="limit expire_sessions to this seller")


class CatalogBody(BaseModel):
    seller: str = DEMO_EMAIL
    products: int = Field(default=0, ge=0, le=5000)
    orders: int = Field(default=0, ge=0, le=5000)
    reset: bool = False
    touch: int = Field(default=0, ge=0, description="products changed now (price + 1)")
    status: str = Field(default="", description="status the touched products get, e.g. SELLER_DEACTIVATED")
    remove: int = Field(default=0, ge=0, description="products removed from the shop")


class BuyerMessageBody(BaseModel):
    seller: str = DEMO_EMAIL
    conversation_id: str
    text: str
    buyer: str = ""


def _page(items: list[Any], page: int, size: int) -> dict[str, Any]:
    size = max(1, min(size, 100))
    pages = max(1, math.ceil(len(items) / size))
    page = max(1, min(page, pages))
    return {"items": items[(page - 1) * size: page * size], "page": page, "pages": pages, "total": len(items)}


def create_app(state: ReplicaState | None = None) -> FastAPI:
    replica = state or ReplicaState()
    app = FastAPI(title="Seller Center replica", docs_url=None, redoc_url=None)
    app.state.replica = replica
    catalogs: dict[str, shop_catalog.ShopCatalog] = {}  # products and orders per seller

    def renderer(request: Request) -> Renderer:
        lang = pick_language(request.query_params.get("lang"), request.cookies.get("lang"),
                             request.headers.get("accept-language"))
        return Renderer(lang, replica.e2e_salt)

    def current(request: Request) -> Session | None:
        session = replica.session(request.cookies.get(SESSION_COOKIE))
        return session if session and session.verified else None

    @app.middleware("http")
    async def faults(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if not path.startswith("/__test__") and replica.faults.latency_ms:
            await asyncio.sleep(replica.faults.latency_ms / 1000)
        if path.startswith("/api/") and replica.take_failure():
            return JSONResponse({"code": "server_error"}, status_code=500)
        if replica.faults.captcha and not path.startswith(("/__test__", "/static")):
            if path.startswith("/api/"):
                return JSONResponse({"code": "captcha"}, status_code=403)
            if request.method == "POST" or path.startswith(PROTECTED_PREFIXES):
                return HTMLResponse(renderer(request).captcha())
        return await call_next(request)  # type: ignore[no-any-return]

    def to_login(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/account/login?redirect={quote(request.url.path)}", status_code=302)

    def error_json(exc: ReplicaError) -> JSONResponse:
        return JSONResponse({"code": exc.code}, status_code=exc.status)

    # ----- account -----------------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/homepage", status_code=302)

    @app.get("/static/client.js", include_in_schema=False)
    async def client_js() -> Response:
        return Response(CLIENT_JS, media_type="application/javascript; charset=utf-8")

    @app.get("/account/login", response_class=HTMLResponse)
    async def login_page(request: Request, redirect: str = "/homepage") -> Response:
        if current(request):
            return RedirectResponse(redirect, status_code=302)
        return HTMLResponse(renderer(request).login(redirect))

    @app.post("/account/login", response_class=HTMLResponse)
    async def login_submit(request: Request, account: str = Form(""), password: str = Form(""),
                           redirect: str = Form("/homepage")) -> Response:
        try:
            token = replica.password_login(account.strip(), password)
        except ReplicaError as exc:
            return HTMLResponse(renderer(request).login(redirect, exc.code), status_code=401)
        response = RedirectResponse(f"/account/verify?redirect={quote(redirect)}", status_code=302)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax")
        return response

    @app.get("/account/verify", response_class=HTMLResponse)
    async def verify_page(request: Request, redirect: str = "/homepage") -> Response:
        if replica.session(request.cookies.get(SESSION_COOKIE)) is None:
            return to_login(request)
        return HTMLResponse(renderer(request).verify(redirect))

    @app.post("/account/verify", response_class=HTMLResponse)
    async def verify_submit(request: Request, code: str = Form(""), redirect: str = Form("/homepage")) -> Response:
        try:
            replica.submit_code(request.cookies.get(SESSION_COOKIE, ""), code)
        except ReplicaError as exc:
            if exc.code == "session_expired":
                return to_login(request)
            return HTMLResponse(renderer(request).verify(redirect, exc.code), status_code=401)
        target = redirect if redirect.startswith("/") and not redirect.startswith("//") else "/homepage"
        return RedirectResponse(target, status_code=302)

    @app.post("/account/logout")
    async def logout(request: Request) -> RedirectResponse:
        replica.logout(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/account/login", status_code=302)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # ----- shop pages --------------------------------------------------------------------------------
    def shop_page(request: Request, render: Any) -> Response:
        session = current(request)
        if session is None:
            return to_login(request)
        replica.count_view(session.email)
        return HTMLResponse(render(renderer(request), replica.sellers[session.email].shop_name))

    @app.get("/homepage", response_class=HTMLResponse)
    async def homepage(request: Request) -> Response:
        return shop_page(request, lambda r, shop: r.home(shop))

    @app.get("/product/rating", response_class=HTMLResponse)
    async def ratings(request: Request) -> Response:
        return shop_page(request, lambda r, shop: r.reply_list(shop, "reviews"))

    @app.get("/content/comments", response_class=HTMLResponse)
    async def comments(request: Request) -> Response:
        return shop_page(request, lambda r, shop: r.reply_list(shop, "comments"))

    @app.get("/chat", response_class=HTMLResponse)
    async def chat(request: Request) -> Response:
        return shop_page(request, lambda r, shop: r.inbox(shop))

    @app.get("/connection/creator", response_class=HTMLResponse)
    async def creator_search(request: Request) -> Response:
        return shop_page(request, lambda r, shop: r.creators(shop, CATEGORIES))

    def catalog_of(request: Request) -> shop_catalog.ShopCatalog:
        session = current(request)
        return catalogs.setdefault(session.email if session else "", shop_catalog.ShopCatalog())

    @app.get("/product/manage", response_class=HTMLResponse)
    async def products(request: Request, page: int = 1) -> Response:
        found = catalog_of(request)
        return shop_page(request, lambda r, shop: shop_catalog.product_list(r, shop, found, page))

    @app.get("/product/detail", response_class=HTMLResponse)
    async def product(request: Request, product_id: str = "") -> Response:
        found = catalog_of(request).products.get(product_id)
        if found is None and current(request) is not None:
            return HTMLResponse("product not found", status_code=404)
        return shop_page(request, lambda r, shop: shop_catalog.product_detail(r, shop, found or {}))

    @app.get("/order", response_class=HTMLResponse)
    async def orders(request: Request, page: int = 1) -> Response:
        found = catalog_of(request)
        return shop_page(request, lambda r, shop: shop_catalog.order_list(r, shop, found, page))

    @app.get("/order/detail", response_class=HTMLResponse)
    async def order(request: Request, order_no: str = "") -> Response:
        found = catalog_of(request)
        if order_no not in found.orders and current(request) is not None:
            return HTMLResponse("order not found", status_code=404)
        return shop_page(request, lambda r, shop: shop_catalog.order_detail(
            r, shop, found.orders[order_no], found.tracking.get(order_no)))

    # ----- JSON API used by the pages ----------------------------------------------------------------
    def api_session(request: Request) -> Session:
        session = current(request)
        if session is None:
            raise ReplicaError("session_expired", 401)
        return session

    @app.exception_handler(ReplicaError)
    async def replica_error(_: Request, exc: ReplicaError) -> JSONResponse:
        return error_json(exc)

    @app.get("/api/reviews")
    async def api_reviews(request: Request, tab: str = "all", page: int = 1, size: int = 10,
                          stars: str = "") -> dict[str, Any]:
        shop = replica.shop(api_session(request).email)
        wanted = {int(s) for s in stars.split(",") if s.strip().isdigit()}
        items = [r for r in shop.reviews.values()
                 if (tab == "all" or (tab == "replied") == (r.reply is not None))
                 and (not wanted or r.rating in wanted)]
        return _page([vars(r) for r in items], page, size)

    @app.post("/api/reviews/{review_id}/reply")
    async def api_reply_review(request: Request, review_id: str, body: ReplyBody) -> dict[str, Any]:
        return vars(replica.reply_review(api_session(request).email, review_id, body.text))

    @app.get("/api/comments")
    async def api_comments(request: Request, tab: str = "all", page: int = 1, size: int = 10) -> dict[str, Any]:
        shop = replica.shop(api_session(request).email)
        items = [c for c in shop.comments.values() if tab == "all" or (tab == "replied") == bool(c.replies)]
        return _page([vars(c) for c in items], page, size)

    @app.post("/api/comments/{comment_id}/reply")
    async def api_reply_comment(request: Request, comment_id: str, body: ReplyBody) -> dict[str, Any]:
        return vars(replica.reply_comment(api_session(request).email, comment_id, body.text))

    @app.get("/api/conversations")
    async def api_conversations(request: Request, tab: str = "all") -> dict[str, Any]:
        shop = replica.shop(api_session(request).email)
        items = [
            {"id": c.id, "buyer": c.buyer, "unread": c.unread, "last_sender": c.last_sender,
             "preview": c.messages[-1].text if c.messages else ""}
            for c in shop.conversations.values()
            if tab == "all" or (tab == "unread" and c.unread) or (tab == "unreplied" and c.last_sender == "buyer")
        ]
        return {"items": items}

    @app.get("/api/conversations/{conversation_id}")
    async def api_conversation(request: Request, conversation_id: str) -> dict[str, Any]:
        conv = replica.shop(api_session(request).email).conversations.get(conversation_id)
        if conv is None:
            raise ReplicaError("not_found", 404)
        return {"id": conv.id, "buyer": conv.buyer, "messages": [vars(m) for m in conv.messages]}

    @app.post("/api/conversations/{conversation_id}/messages")
    async def api_send(request: Request, conversation_id: str, body: ReplyBody) -> dict[str, Any]:
        return vars(replica.send_message(api_session(request).email, conversation_id, body.text))

    @app.get("/api/creators")
    async def api_creators(request: Request, page: int = 1, size: int = 10, q: str = "", category: str = "",
                           min_followers: int = 0, max_followers: int = 0) -> dict[str, Any]:
        email = api_session(request).email
        shop = replica.shop(email)
        items = [c for c in shop.creators.values()
                 if (not q or q.lower() in c.handle.lower()) and (not category or c.category == category)
                 and c.followers >= min_followers and (not max_followers or c.followers <= max_followers)]
        return {**_page([vars(c) for c in items], page, size), "quota_left": replica.quota_left(email)}

    @app.post("/api/creators/{creator_id}/invite")
    async def api_invite(request: Request, creator_id: str, body: InviteBody) -> dict[str, Any]:
        email = api_session(request).email
        creator = replica.invite(email, creator_id, body.model_dump())
        return {"creator": vars(creator), "quota_left": replica.quota_left(email)}

    # ----- test-only endpoints -----------------------------------------------------------------------
    @app.post("/__test__/reset")
    async def test_reset() -> dict[str, str]:
        replica.reset()
        catalogs.clear()
        return {"status": "reset"}

    @app.post("/__test__/seed")
    async def test_seed(body: SeedBody) -> dict[str, Any]:
        if body.seller not in replica.sellers or body.password or body.code or body.shop_name:
            existing = replica.sellers.get(body.seller)
            replica.add_seller(body.seller, body.password or (existing.password if existing else "seller123"),
                               body.code or (existing.code if existing else "123456"),
                               body.shop_name or (existing.shop_name if existing else "Loja"))
        replica.seed_shop(body.seller, comments=body.comments, reviews=body.reviews,
                          conversations=body.conversations, creators=body.creators, quota=body.quota,
                          replied_every=body.replied_every)
        return replica.snapshot(body.seller)

    @app.get("/__test__/state")
    async def test_state(seller: str = DEMO_EMAIL) -> dict[str, Any]:
        if seller not in replica.shops:
            raise ReplicaError("not_found", 404)
        return replica.snapshot(seller)

    @app.post("/__test__/faults")
    async def test_faults(body: FaultsBody) -> dict[str, Any]:
        f = replica.faults
        if body.latency_ms is not None:
            f.latency_ms = body.latency_ms
        if body.fail_next is not None:
            f.fail_next = body.fail_next
        if body.captcha is not None:
            f.captcha = body.captcha
        if body.quota is not None:
            f.quota = body.quota
        if body.clear_quota:
            f.quota = None
        expired = replica.expire_sessions(body.seller) if body.expire_sessions else 0
        return {"faults": f.describe(), "expired_sessions": expired}

    @app.post("/__test__/catalog")
    async def test_catalog(body: CatalogBody) -> dict[str, Any]:
        if body.reset:
            catalogs.pop(body.seller, None)
        found = catalogs.setdefault(body.seller, shop_catalog.ShopCatalog())
        found.generate(body.products, body.orders)
        changes = found.touch(body.touch, body.status, body.remove)
        return {"products": len(found.products), "orders": len(found.orders), **changes}

    @app.post("/__test__/buyer_message")
    async def test_buyer_message(body: BuyerMessageBody) -> dict[str, Any]:
        return vars(replica.buyer_message(body.seller, body.conversation_id, body.text, body.buyer))

    return app
