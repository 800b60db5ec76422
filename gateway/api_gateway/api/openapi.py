"""The OpenAPI document, made honest in one place: every error is the shared `Error` schema, and every operation
lists each status the gateway can answer it with (new routes get them too, without declaring anything).

What each status means, and which operations can get it:
- every operation with a body: 400 (unreadable body), 413 (over MAX_BODY_BYTES), 415, 422;
- every operation with parameters or a body: 422 (`fields` says which);
- every rate-limited operation (all but /livez, /readyz, /seller-bot/health): 429 with Retry-After;
- every operation that needs a token: 401 (with WWW-Authenticate), 403 (the caller's role lacks the permission);
  /auth/* and accepting an invitation check the credentials they are sent: 401;
- every write (not GET): 409;
- every operation with an id in its path: 404;
- every operation: 500 with `request_id` (an unexpected failure of the gateway itself; never its internals);
- every operation translated to a service call (/bot/*, /seller-bot/*): 404, 409, 502, 503 and 504, each with
  `service` naming the service (see errors.py for the gRPC status -> HTTP status table).
/seller-bot/health takes a token but does not need one: its security says so (`{}` is "anonymous").
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api_gateway.api.routes.webhooks import OPENAPI_PATHS

ERROR_REF = {"$ref": "#/components/schemas/Error"}
TEXT_RULES = ("\n\nEvery string must be valid Unicode without NUL characters (no unpaired surrogates, no `\\u0000`) "
              "and every number finite (no NaN or Infinity): 422 otherwise, since no service can store them. "
              "Every error is an `Error` object.")
UNTHROTTLED = {"/livez", "/readyz", "/seller-bot/health"}
OPTIONAL_AUTH = {"/seller-bot/health"}
SERVICE_PREFIXES = ("/bot/", "/seller-bot/")
CREDENTIAL_PREFIXES = ("/auth/", "/team/invitations/accept")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "title": "Error",
        "type": "object",
        "description": "Every error answer. Some carry more members: `retry_after` and `scope` (429), `permission` "
                       "(403), `worker` (409 of /bot/start), `request_id` (500).",
        "required": ["error", "detail"],
        "properties": {
            "error": {"type": "string", "description": "Machine-readable code, e.g. validation_error, not_found",
                      "examples": ["validation_error"]},
            "detail": {"type": "string", "description": "What is wrong, for a person"},
            "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"},
                       "description": "422: each invalid field"},
            "service": {"type": "string", "description": "The service that answered or failed"},
            "request_id": {"type": "string", "description": "500: the id of the log line that has the failure"},
        },
        "additionalProperties": True,
    },
    "FieldError": {
        "title": "FieldError",
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string", "description": "Dotted path, e.g. config.max_replies"},
                       "message": {"type": "string"}, "type": {"type": "string"}},
        "additionalProperties": True,
    },
}

MEANING: dict[int, str] = {
    400: "The body could not be read (malformed JSON or encoding)",
    401: "The bearer token is missing, forged or expired",
    403: "The caller's role does not have the permission this route needs",
    404: "Unknown id (nobody sees another shop's data)",
    405: "This method is not accepted here",
    409: "Conflicts with the current state (already exists, already running, changed meanwhile)",
    410: "No longer usable (an invitation used, revoked or expired)",
    413: "The body is over the size limit (MAX_BODY_BYTES)",
    415: "The body's content type is not accepted",
    422: "Invalid fields or parameters; `fields` lists them",
    429: "A rate limit was hit; retry after `Retry-After` seconds",
    500: "The gateway failed unexpectedly; `request_id` (also the X-Request-ID header) finds it in the logs",
    502: "The service failed unexpectedly (details are in its logs)",
    503: "A service (or the gateway's database) is not reachable; `service` names it",
    504: "The service did not answer in time",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    500: {"X-Request-ID": {"schema": {"type": "string"}, "required": True,
                           "description": "The id of the log line that has the failure"}},
    429: {"Retry-After": {"schema": {"type": "string"}, "required": True,
                          "description": "Seconds until the window has room"}},
}


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": MEANING[status],
                                "content": {"application/json": {"schema": ERROR_REF}}}
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses: set[int] = {500}
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    if operation.get("parameters"):
        statuses.add(422)
    if path not in UNTHROTTLED:
        statuses.add(429)
    if operation.get("security") and path not in OPTIONAL_AUTH:
        statuses |= {401, 403}
    if path.startswith(CREDENTIAL_PREFIXES):
        statuses.add(401)  # the credentials in the body are checked (login, refresh, invitations)
    if (operation.get("security") or path.startswith(CREDENTIAL_PREFIXES)) and path not in UNTHROTTLED:
        statuses.add(503)  # the caller is looked up in the gateway's database, which may be down
    if method != "get" and path not in UNTHROTTLED:
        statuses.add(409)  # any write may meet a conflicting state (already registered, last owner, …)
    if "{" in path:
        statuses.add(404)
    if path.startswith(SERVICE_PREFIXES) and path not in UNTHROTTLED:
        statuses |= {404, 409, 502, 503, 504}
    return statuses


def _complete(path: str, method: str, operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("schema", {}).get("type") == "string":
            parameter["schema"].setdefault("minLength", 1)  # an empty id would address another route
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for added in _statuses(path, method, operation):
        responses.setdefault(str(added), _error_response(added))
    for status, response in responses.items():
        code = int(status) if status.isdigit() else 0
        if code not in MEANING:
            continue
        declared = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        if not declared or declared.endswith("/HTTPValidationError"):  # a route's own model (e.g. /readyz) stays
            response["content"] = {"application/json": {"schema": ERROR_REF}}
        if code in HEADERS:
            response.setdefault("headers", HEADERS[code])
    if path in OPTIONAL_AUTH and operation.get("security"):
        operation["security"] = [{}, *operation["security"]]


def build_document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description + TEXT_RULES,
                         routes=app.routes)
    # WebhookIngress answers these before FastAPI's router, so FastAPI cannot see them.
    schema["paths"] = {**OPENAPI_PATHS, **schema["paths"]}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                _complete(path, method, operation)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components.update(SCHEMAS)
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
