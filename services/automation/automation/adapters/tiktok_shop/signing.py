"""Request signing as TikTok Shop documents it (see docs/tiktok-shop-api.md)."""

from __future__ import annotations

import hashlib
import hmac

UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def sign(app_secret: str, path: str, query: dict[str, str], body: bytes = b"") -> str:
    """HMAC-SHA256 keyed by the app secret over secret + path + sorted `key+value` query pairs (without sign
    and access_token) + the raw JSON body + secret, as lower-case hex."""
    params = "".join(f"{k}{v}" for k, v in sorted(query.items()) if k not in UNSIGNED_PARAMS)
    base = f"{app_secret}{path}{params}".encode() + body + app_secret.encode()
    return hmac.new(app_secret.encode(), base, hashlib.sha256).hexdigest()
