"""Encryption at rest of seller credentials and saved browser sessions (Fernet keyed by SECRETS_KEY)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, secrets_key: str) -> None:
        self._fernet = Fernet(_fernet_key(secrets_key))

    def seal(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted: SECRETS_KEY changed?") from exc
        return data


def _fernet_key(secrets_key: str) -> bytes:
    """Accept a ready Fernet key, or derive one from any passphrase."""
    try:
        if len(base64.urlsafe_b64decode(secrets_key.encode())) == 32:
            return secrets_key.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(secrets_key.encode()).digest())


def mask_login(login: str) -> str:
    """`seller@example.com` → `se****@example.com`; phones keep their last 4 digits."""
    if "@" in login:
        name, _, domain = login.partition("@")
        return f"{name[:2]}{'*' * max(2, len(name) - 2)}@{domain}"
    return f"{'*' * max(2, len(login) - 4)}{login[-4:]}"
