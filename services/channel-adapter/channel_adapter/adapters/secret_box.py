"""Encryption at rest of channel secrets with SECRETS_KEY.

Key derivation: each comma-separated SECRETS_KEY value is stretched with HKDF-SHA256 (salt
`sellerbot/channel-adapter`, info `channel-account-secrets`, 32 bytes) into a Fernet key (AES-128-CBC +
HMAC-SHA256). The first value encrypts; every value decrypts, so keys can be rotated by prepending a new one.
"""

from __future__ import annotations

import base64
import json

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = structlog.get_logger(__name__)
DEV_SECRETS_KEY = "dev-only-secrets-key-change-me"
_SALT = b"sellerbot/channel-adapter"
_INFO = b"channel-account-secrets"


class SecretsUnreadable(Exception):
    """Stored secrets do not decrypt with any configured SECRETS_KEY."""


def derive_fernet_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


class SecretBox:
    def __init__(self, secrets_key: str) -> None:
        keys = [k.strip() for k in secrets_key.split(",") if k.strip()]
        if not keys:
            log.warning("secrets_key_missing", detail="SECRETS_KEY unset: using the development key")
            keys = [DEV_SECRETS_KEY]
        self._first = Fernet(derive_fernet_key(keys[0]))
        self._fernet = MultiFernet([Fernet(derive_fernet_key(k)) for k in keys])

    def seal(self, secrets: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, str]:
        if not token:
            return {}
        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise SecretsUnreadable("channel secrets do not decrypt with SECRETS_KEY") from exc
        return {str(k): str(v) for k, v in data.items()}

    def reseal(self, token: str) -> str | None:
        """The token sealed with the first key, None when it already is (`python -m channel_adapter.reseal`);
        InvalidToken when no configured key opens it."""
        try:
            self._first.decrypt(token.encode())
        except InvalidToken:
            return self._fernet.rotate(token.encode()).decode()
        return None
