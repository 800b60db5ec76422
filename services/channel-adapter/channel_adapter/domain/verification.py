"""Each platform's own webhook authentication, checked over the exact raw bytes, in constant time.

Every check returns None when the delivery is authentic, or the Rejection that explains why it is not.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from enum import StrEnum
from urllib.parse import parse_qs

import jwt

CHATWOOT_MAX_SKEW_SECONDS = 300


class Rejection(StrEnum):
    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    MISSING_TOKEN = "missing_token"
    BAD_TOKEN = "bad_token"
    EXPIRED_TOKEN = "expired_token"
    NOT_CONFIGURED = "not_configured"


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _hex_hmac(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def verify_meta_signature(raw_body: bytes, header: str, app_secret: str) -> Rejection | None:
    """Instagram/Meta: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`."""
    if not header:
        return Rejection.MISSING_SIGNATURE
    if not _equal("sha256=" + _hex_hmac(app_secret, raw_body), header.strip()):
        return Rejection.BAD_SIGNATURE
    return None


def verify_chatwoot_signature(
    raw_body: bytes, signature: str, timestamp: str, secret: str, now: float, require_signature: bool = True
) -> Rejection | None:
    """Chatwoot >= 4.11.2: `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "{ts}.{raw body}")>`.

    Older releases sign nothing: with `require_signature` off, an unsigned delivery is let through, but a
    signature that is present is always checked.
    """
    if not signature:
        return Rejection.MISSING_SIGNATURE if require_signature else None
    try:
        sent_at = int(timestamp.strip())
    except ValueError:
        return Rejection.STALE_TIMESTAMP
    expected = "sha256=" + _hex_hmac(secret, timestamp.strip().encode() + b"." + raw_body)
    if not _equal(expected, signature.strip()):
        return Rejection.BAD_SIGNATURE
    if abs(now - sent_at) > CHATWOOT_MAX_SKEW_SECONDS:
        return Rejection.STALE_TIMESTAMP
    return None


def verify_telegram_secret(header: str, secret_token: str) -> Rejection | None:
    """Telegram: `X-Telegram-Bot-Api-Secret-Token` equals the `secret_token` given to setWebhook."""
    if not header:
        return Rejection.MISSING_TOKEN
    return None if _equal(header, secret_token) else Rejection.BAD_TOKEN


def verify_evolution(headers: Mapping[str, str], secret: str) -> Rejection | None:
    """Evolution has no HMAC: a static `X-Webhook-Secret` header (webhook.headers) or, in `jwt_key` mode,
    `Authorization: Bearer <HS256 JWT signed with the secret>` whose `exp` must not have passed."""
    static = headers.get("x-webhook-secret", "")
    if static:
        return None if _equal(static, secret) else Rejection.BAD_TOKEN
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Rejection.MISSING_TOKEN
    try:
        jwt.decode(token.strip(), secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        return Rejection.EXPIRED_TOKEN
    except jwt.InvalidTokenError:
        return Rejection.BAD_TOKEN
    return None


def hub_challenge(query_string: str, verify_tokens: Iterable[str]) -> str | None:
    """Meta's GET handshake: the `hub.challenge` to echo when mode is subscribe and the token is ours."""
    query = parse_qs(query_string, keep_blank_values=True)
    mode = query.get("hub.mode", [""])[0]
    token = query.get("hub.verify_token", [""])[0]
    challenge = query.get("hub.challenge", [""])[0]
    if mode != "subscribe" or not challenge or not token:
        return None
    # Check every candidate (no early exit) so timing does not tell which one nearly matched.
    matched = False
    for candidate in verify_tokens:
        if candidate and _equal(candidate, token):
            matched = True
    return challenge if matched else None
