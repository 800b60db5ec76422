"""Encryption at rest of the secrets in a seller's bot settings (the LLM key, the CRM webhook secret).

Each comma-separated SECRETS_KEY value is stretched with HKDF-SHA256 (salt `sellerbot/chatbot`) into a Fernet
key; the first encrypts, every one decrypts (MultiFernet), so a key is rotated by putting the new one first.
A sealed value is stored as `sealed:<Fernet token>`; a value without the prefix (saved before encryption) is
read as is and sealed the next time the settings are saved, or by `python -m chatbot.reseal`.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = structlog.get_logger(__name__)
DEV_SECRETS_KEY = "dev-only-secrets-key-change-me"
SEALED = "sealed:"
SECRET_FIELDS = (("llm", "api_key"), ("crm_webhook", "secret"))


def _fernet(secret: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sellerbot/chatbot", info=b"bot-settings-secrets"
               ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


class SettingsSecrets:
    def __init__(self, secrets_key: str) -> None:
        keys = [k.strip() for k in secrets_key.split(",") if k.strip()]
        if not keys:
            log.warning("secrets_key_missing", detail="SECRETS_KEY unset: using the development key")
            keys = [DEV_SECRETS_KEY]
        self._first = _fernet(keys[0])
        self._fernet = MultiFernet([_fernet(k) for k in keys])

    def seal(self, settings: dict[str, Any]) -> dict[str, Any]:
        """A copy with every secret field encrypted (already sealed ones are re-encrypted with the first key)."""
        sealed = copy.deepcopy(settings)
        for section, name in SECRET_FIELDS:
            group = sealed.get(section)
            if isinstance(group, dict) and group.get(name):
                group[name] = SEALED + self._fernet.encrypt(self.reveal(group[name]).encode()).decode()
        return sealed

    def open(self, stored: dict[str, Any]) -> dict[str, Any]:
        """A copy with every secret field in clear, for validation and use inside the service only."""
        opened = copy.deepcopy(stored)
        for section, name in SECRET_FIELDS:
            group = opened.get(section)
            if isinstance(group, dict) and group.get(name):
                group[name] = self.reveal(group[name])
        return opened

    def reveal(self, value: str) -> str:
        if not value.startswith(SEALED):
            return value
        return self._fernet.decrypt(value.removeprefix(SEALED).encode()).decode()

    def reseal(self, stored: dict[str, Any]) -> dict[str, Any] | None:
        """A copy of stored settings whose every secret is sealed with the first key, or None when each one
        already is (nothing to write). InvalidToken when no key of SECRETS_KEY opens one of them."""
        resealed = copy.deepcopy(stored)
        changed = False
        for section, name in SECRET_FIELDS:
            group = resealed.get(section)
            value = group.get(name) if isinstance(group, dict) else None
            if not isinstance(value, str) or not value or self._under_first_key(value):
                continue
            group[name] = SEALED + self._fernet.encrypt(self.reveal(value).encode()).decode()  # type: ignore[index]
            changed = True
        return resealed if changed else None

    def _under_first_key(self, value: str) -> bool:
        if not value.startswith(SEALED):
            return False
        try:
            self._first.decrypt(value.removeprefix(SEALED).encode())
        except InvalidToken:
            return False
        return True
