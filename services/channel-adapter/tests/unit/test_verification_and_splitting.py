"""Signature and token checks, text splitting and secrets at rest, without I/O."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt
import pytest
from channel_adapter.adapters.secret_box import SecretBox, SecretsUnreadable
from channel_adapter.domain.accounts import validate_registration
from channel_adapter.domain.splitting import split_text
from channel_adapter.domain.verification import (
    Rejection,
    hub_challenge,
    verify_chatwoot_signature,
    verify_evolution,
    verify_meta_signature,
    verify_telegram_secret,
)

SECRET = "s3cret-0123456789-0123456789-abcd"


def test_meta_signature_over_the_raw_bytes() -> None:
    body = '{"text":"Olá"}'.encode()
    good = "sha256=" + hmac.new(b"app", body, hashlib.sha256).hexdigest()
    assert verify_meta_signature(body, good, "app") is None
    reserialized = b'{"text":"Ol\\u00e1"}'  # same JSON, other bytes: must fail
    assert verify_meta_signature(reserialized, good, "app") is Rejection.BAD_SIGNATURE
    assert verify_meta_signature(body, "", "app") is Rejection.MISSING_SIGNATURE


def test_chatwoot_signs_timestamp_dot_body_within_five_minutes() -> None:
    body, now = b'{"event":"message_created"}', time.time()
    ts = str(int(now))
    good = "sha256=" + hmac.new(b"k", ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert verify_chatwoot_signature(body, good, ts, "k", now) is None
    body_only = "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert verify_chatwoot_signature(body, body_only, ts, "k", now) is Rejection.BAD_SIGNATURE
    assert verify_chatwoot_signature(body, good, ts, "k", now + 301) is Rejection.STALE_TIMESTAMP
    assert verify_chatwoot_signature(body, "", "", "k", now) is Rejection.MISSING_SIGNATURE
    assert verify_chatwoot_signature(body, "", "", "k", now, require_signature=False) is None


def test_evolution_static_header_or_hs256_jwt_with_exp() -> None:
    assert verify_evolution({"x-webhook-secret": SECRET}, SECRET) is None
    assert verify_evolution({"x-webhook-secret": "no"}, SECRET) is Rejection.BAD_TOKEN
    now = int(time.time())
    token = jwt.encode({"iat": now, "exp": now + 600, "app": "evolution"}, SECRET, algorithm="HS256")
    assert verify_evolution({"authorization": f"Bearer {token}"}, SECRET) is None
    no_exp = jwt.encode({"iat": now}, SECRET, algorithm="HS256")
    assert verify_evolution({"authorization": f"Bearer {no_exp}"}, SECRET) is Rejection.BAD_TOKEN
    assert verify_evolution({}, SECRET) is Rejection.MISSING_TOKEN


def test_telegram_secret_token_and_hub_handshake() -> None:
    assert verify_telegram_secret("abc", "abc") is None
    assert verify_telegram_secret("abd", "abc") is Rejection.BAD_TOKEN
    query = "hub.mode=subscribe&hub.verify_token=tok&hub.challenge=42"
    assert hub_challenge(query, ["other", "tok"]) == "42"
    assert hub_challenge(query, ["other"]) is None
    assert hub_challenge(query.replace("subscribe", "unsubscribe"), ["tok"]) is None


def test_split_prefers_sentence_and_word_breaks_and_keeps_everything() -> None:
    text = "Primeira frase. Segunda frase bem maior que a primeira. Terceira."
    parts = split_text(text, 30)
    assert all(len(p) <= 30 for p in parts)
    assert parts[0] == "Primeira frase."
    assert " ".join(parts).split() == text.split()
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("   ", 10) == []


def test_secret_box_round_trip_rotation_and_wrong_key() -> None:
    sealed = SecretBox("old-key-0123456789").seal({"api_key": "k"})
    assert "k\"" not in sealed
    assert SecretBox("new-key-0123456789,old-key-0123456789").open(sealed) == {"api_key": "k"}
    with pytest.raises(SecretsUnreadable):
        SecretBox("another-key-0123456789").open(sealed)


def test_registration_names_each_bad_field() -> None:
    assert validate_registration("evolution", "inst", {"api_version": "v2"}, {"api_key": "k"}) == {}
    problems = validate_registration("chatwoot", "", {"base_url": "ftp://x", "colour": "red"}, {})
    assert set(problems) == {"account_key", "secrets.api_token", "settings.base_url", "settings.colour"}
    assert validate_registration("fax", "k", {}, {}) == {"channel": "must be one of evolution, chatwoot, "
                                                                    "instagram, telegram"}
