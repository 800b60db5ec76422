"""Every error the gateway answers, as JSON `{"error", "detail", ...}`, mapped in this one place."""

from __future__ import annotations

import re
import uuid
from typing import Any

import grpc
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sellerbot_grpc import field_violations_of
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api_gateway.rate_limits import RateLimitExceeded

log = structlog.get_logger(__name__)
_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH"}
API_PREFIXES = ("/bot/", "/seller-bot/", "/auth/", "/team/")


class ServiceCallFailed(Exception):
    """A gRPC call to a service failed; `service` names it for the error body."""

    def __init__(self, service: str, error: grpc.aio.AioRpcError) -> None:
        super().__init__(f"{service}: {error.code().name}: {error.details()}")
        self.service = service
        self.error = error


_GRPC_TO_HTTP: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, "validation_error"),
    grpc.StatusCode.NOT_FOUND: (404, "not_found"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "conflict"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "conflict"),
    grpc.StatusCode.ABORTED: (409, "conflict"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "forbidden"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "unauthorized"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "rate_limited"),
    grpc.StatusCode.UNAVAILABLE: (503, "service_unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "service_timeout"),
    grpc.StatusCode.UNIMPLEMENTED: (503, "service_not_implemented"),
}


_NOT_AVAILABLE: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.UNAVAILABLE: "{service} service is not available; retry shortly",
    grpc.StatusCode.DEADLINE_EXCEEDED: "{service} service is not available: it did not answer in time",
    grpc.StatusCode.UNIMPLEMENTED: "{service} service is not available: it does not implement this call yet",
}


def error_body(error: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": error, "detail": detail, **extra}


def _service_failure(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceCallFailed)
    return service_failure_response(exc)


def service_failure_response(exc: ServiceCallFailed) -> JSONResponse:
    code = exc.error.code()
    status, error = _GRPC_TO_HTTP.get(code, (502, "service_error"))
    detail = exc.error.details() or code.name
    if code in _NOT_AVAILABLE:
        # gRPC's own text names internal addresses ("ipv4:10.0.3.7:50051: Connection refused"): logs only.
        detail = _NOT_AVAILABLE[code].format(service=exc.service)
        log.warning("service_call_failed", service=exc.service, code=code.name, detail=exc.error.details())
    elif status == 502:
        # An unexpected failure's text is the service's internals (exception, SQL): logs only, never the client.
        log.error("service_call_failed", service=exc.service, code=code.name, detail=exc.error.details())
        detail = f"{exc.service} failed unexpectedly ({code.name}); the details are in its logs"
    extra: dict[str, Any] = {"service": exc.service}
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        extra["fields"] = [{"field": v.field, "message": v.description} for v in field_violations_of(exc.error)]
    return JSONResponse(error_body(error, detail, **extra), status_code=status)


def _validation_failure(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{f['field'] or 'body'}: {f['message']}" for f in fields) or "invalid request"
    return JSONResponse(error_body("validation_error", detail, fields=fields), status_code=422)


def _rate_limited(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimitExceeded)
    return rate_limited_response(exc)


def rate_limited_response(exc: RateLimitExceeded) -> JSONResponse:
    return JSONResponse(
        error_body("rate_limited", f"too many requests: limit is {exc.limit}", retry_after=exc.retry_after,
                   scope=exc.scope),
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
    )


def _allowed_methods(request: Request) -> str:
    """The methods the OpenAPI document lists for this path: Starlette's 405 names only the first route that
    matched, and a method no route serves reaches the dashboard's catch-all mount (404)."""
    paths: dict[str, dict[str, Any]] = request.app.openapi()["paths"]
    path = request.url.path
    templates = [path] if path in paths else [  # a literal path wins over templates (/products/import)
        t for t in paths if re.match("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)) + "$", path)]
    methods = {method.upper() for t in templates for method in paths[t] if method.upper() in _HTTP_METHODS}
    return ", ".join(sorted(methods))


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    status = exc.status_code
    # The dashboard's catch-all mount answers what no route serves: 404 for a route path with another method
    # (405 is right), 405 for a POST to an unknown API path (404 is right).
    allowed = _allowed_methods(request) if status in (404, 405) and not isinstance(exc.detail, dict) else ""
    if status == 404 and allowed:
        status = 405
    elif status == 405 and not allowed and request.url.path.startswith(API_PREFIXES):
        status, headers = 404, None
    if status == 405:
        headers = {**(headers or {}), "Allow": allowed or (headers or {}).get("Allow", "")}
    names = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "payload_too_large",
             415: "unsupported_media_type"}
    if status == 405 and status != exc.status_code:
        body = error_body("method_not_allowed", f"{request.method} is not accepted here; use {allowed}")
    elif status != exc.status_code:
        body = error_body("not_found", f"no route serves {request.url.path}")
    else:
        body = exc.detail if isinstance(exc.detail, dict) else error_body(names.get(status, "error"), str(exc.detail))
    return JSONResponse(body, status_code=status, headers=headers)


def _database_failure(_: Request, exc: Exception) -> JSONResponse:
    """The gateway's own database (users, shops, teams) failed or refused the connection (asyncpg raises the
    socket's OSError unwrapped): 503, or 409 for a constraint two requests raced on, never a bare 500; the
    error text goes to the logs only."""
    if isinstance(exc, IntegrityError):
        return JSONResponse(error_body("conflict", "changed meanwhile by another request; retry"), status_code=409)
    log.error("database_unavailable", error=f"{type(exc).__name__}: {str(exc)[:300]}")
    return JSONResponse(error_body("service_unavailable", "the gateway's database is not available; retry shortly",
                                   service="database"), status_code=503, headers={"Retry-After": "5"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SQLAlchemyError, _database_failure)
    app.add_exception_handler(OSError, _database_failure)
    app.add_exception_handler(ServiceCallFailed, _service_failure)
    app.add_exception_handler(RequestValidationError, _validation_failure)
    app.add_exception_handler(RateLimitExceeded, _rate_limited)
    app.add_exception_handler(StarletteHTTPException, _http_error)


class UnexpectedErrorMiddleware:
    """The last resort: an exception nobody mapped becomes a 500 with the shared Error body, its request id in
    the body, the `X-Request-ID` header and the log line with the traceback; the caller never sees the
    exception's text. Outermost, so the webhook ingress and every middleware are covered too. A response that
    has already started cannot be replaced: that one is logged and the connection closed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            request_id = uuid.uuid4().hex
            log.exception("unhandled_exception", request_id=request_id, method=scope["method"],
                          path=scope["path"], response_started=started)
            if started:
                raise
            response = JSONResponse(
                error_body("internal_error", f"the gateway failed unexpectedly; quote request id {request_id}",
                           request_id=request_id),
                status_code=500, headers={"X-Request-ID": request_id})
            await response(scope, receive, send)
