"""Encryption at rest of seller credentials, saved browser sessions and TikTok Shop tokens (Fernet keyed by
SECRETS_KEY).

SECRETS_KEY may list several comma-separated keys: the first encrypts, every one decrypts (MultiFernet), so a
key is rotated by putting the new one first; `rotate` re-encrypts a stored value with the first key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    def __init__(self, secrets_key: str) -> None:
        keys = [k.strip() for k in secrets_key.split(",") if k.strip()] or [secrets_key]
        self._first = Fernet(_fernet_key(keys[0]))
        self._fernet = MultiFernet([Fernet(_fernet_key(k)) for k in keys])

    def seal(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted: SECRETS_KEY changed?") from exc
        return data

    def rotate(self, token: str) -> str:
        """The same value encrypted with the first key (InvalidToken when no configured key opens it)."""
        return self._fernet.rotate(token.encode()).decode()

    def reseal(self, token: str) -> str | None:
        """`rotate`, or None when the first key sealed it already (`python -m automation.reseal`)."""
        try:
            self._first.decrypt(token.encode())
        except InvalidToken:
            return self.rotate(token)
        return None


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
